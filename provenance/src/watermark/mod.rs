//! Invisible, keyed watermark for generated video, with its own detector.
//!
//! Every generated clip carries a faint, key-derived ±1 pattern on a coarse
//! [`GRID`]×[`GRID`] grid of cells laid over the frame in *normalized*
//! coordinates, smoothly interpolated to the frame's pixels and added to the luma
//! plane only. Because the grid lives in normalized coordinates, the same pattern
//! is found at any resolution (a half-size resize keeps it aligned), and because
//! its cells are many pixels wide it sits in the low/mid spatial frequencies that
//! H.264 keeps even at low bitrates. The pattern is static over time, so inter
//! frames carry it with cheap skip blocks instead of spending bits re-sending it.
//!
//! Detection resamples each decoded frame to the grid (area average), removes the
//! content with a local high-pass, and accumulates the residual over all frames.
//! The score is the normalized correlation `z = Σ pᵢ·Rᵢ / √(Σ Rᵢ²)` of the
//! accumulated residual `R` with the key's pattern `p`. For any video that was not
//! marked with this key, `R` is independent of `p` (i.i.d. ±1), so Hoeffding's
//! inequality bounds the false-positive probability by `exp(−z²/2)` whatever the
//! content is: the threshold [`DETECTION_THRESHOLD`] gives ≤ 1.5·10⁻⁸ per clip.
//!
//! Map: [`key`] (key → pattern) → [`grid`] (pixel ↔ cell geometry) →
//! [`strength`] (content-adaptive amplitude) → [`embed`] / [`detect`].

pub mod detect;
pub mod embed;
pub mod grid;
pub mod key;
pub mod strength;

pub use detect::{DETECTION_THRESHOLD, Detection, Detector};
pub use embed::{Embedder, embed_luma};
pub use grid::GRID;
pub use key::WatermarkKey;

/// Smallest supported frame side, in pixels (one pixel per grid cell).
pub const MIN_SIDE: u32 = 32;

/// Errors of the watermark embedder and detector.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WatermarkError {
    /// The frame is smaller than [`MIN_SIDE`] in some dimension.
    #[error("frame {width}x{height} is too small: both sides must be at least {MIN_SIDE}")]
    TooSmall {
        /// Frame width in pixels.
        width: u32,
        /// Frame height in pixels.
        height: u32,
    },
    /// The luma buffer does not hold exactly `width × height` bytes.
    #[error("luma buffer has {len} bytes, expected {expected} for {width}x{height}")]
    BadLength {
        /// Actual buffer length.
        len: usize,
        /// `width × height`.
        expected: usize,
        /// Frame width in pixels.
        width: u32,
        /// Frame height in pixels.
        height: u32,
    },
}

/// Check that a luma plane (stride = width) has a supported size.
fn check_plane(len: usize, width: u32, height: u32) -> Result<(), WatermarkError> {
    if width < MIN_SIDE || height < MIN_SIDE {
        return Err(WatermarkError::TooSmall { width, height });
    }
    let expected = width as usize * height as usize;
    if len != expected {
        return Err(WatermarkError::BadLength {
            len,
            expected,
            width,
            height,
        });
    }
    Ok(())
}
