//! Errors of the H.264 encoder.

use thiserror::Error;

/// Why the encoder refused a configuration or a frame.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum H264Error {
    /// Odd, zero or oversized frame size.
    #[error("frame size {width}x{height} is invalid: both must be even and non-zero, at most 8192")]
    InvalidDimensions {
        /// Width asked for.
        width: u32,
        /// Height asked for.
        height: u32,
    },
    /// Frame rate out of range.
    #[error("fps must be between 1 and 1000, got {0}")]
    InvalidFps(u32),
    /// QP out of range.
    #[error("qp must be between 12 and 51, got {0}")]
    InvalidQp(u8),
    /// A frame of another size than configured.
    #[error("frame is {got_width}x{got_height}, encoder was configured for {width}x{height}")]
    FrameSizeMismatch {
        /// Configured width.
        width: u32,
        /// Configured height.
        height: u32,
        /// Frame width.
        got_width: u32,
        /// Frame height.
        got_height: u32,
    },
    /// A plane buffer shorter than the frame size needs.
    #[error("{plane} plane holds {got} bytes, needs at least {needed}")]
    PlaneTooSmall {
        /// Which plane.
        plane: &'static str,
        /// Bytes given.
        got: usize,
        /// Bytes needed.
        needed: usize,
    },
}
