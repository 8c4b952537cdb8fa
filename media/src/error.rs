//! What can go wrong while assembling a clip into an MP4.

use thiserror::Error;

/// Assembly failures, each worded for the person who will read it in the UI or CLI.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum AssemblyError {
    /// The clip's frames or soundtrack are not what the encoders can take.
    #[error("invalid clip: {0}")]
    InvalidClip(String),
    /// The H.264 encoder refused a frame.
    #[error("video encoding failed: {0}")]
    VideoEncode(String),
    /// The AAC encoder refused the soundtrack.
    #[error("audio encoding failed: {0}")]
    AudioEncode(String),
    /// The MP4 muxer refused the encoded streams.
    #[error("writing the MP4 failed: {0}")]
    Mux(String),
    /// Signing the content credentials failed.
    #[error("signing the content credentials failed: {0}")]
    Credentials(String),
}
