//! Typed failures of signing Content Credentials into an MP4.

use thiserror::Error;

/// Why a manifest could not be signed into an MP4.
#[derive(Debug, Error)]
pub enum CredentialError {
    /// The input is not a well-formed ISO BMFF file (truncated or inconsistent box sizes).
    #[error("malformed MP4: {0}")]
    MalformedMp4(String),

    /// The MP4 is valid but uses a layout this signer does not rewrite safely
    /// (fragmented MP4, absolute offsets in boxes we do not patch, >4 GiB shifts…).
    #[error("unsupported MP4 layout: {0}")]
    UnsupportedMp4(String),

    /// The file already carries a C2PA manifest store; re-signing would need an update manifest.
    #[error("the MP4 already carries a C2PA manifest store")]
    AlreadySigned,

    /// `prompt_sha256_hex` must be 64 lowercase/uppercase hex digits.
    #[error("prompt hash must be 64 hex digits (SHA-256), got {0:?}")]
    InvalidPromptHash(String),

    /// A claim field that C2PA requires to be non-empty was empty.
    #[error("claim field `{0}` must not be empty")]
    EmptyField(&'static str),

    /// Encoding the claim or an assertion failed.
    #[error("CBOR encoding failed: {0}")]
    Cbor(String),

    /// Making the device certificate chain failed.
    #[error("certificate generation failed: {0}")]
    Certificate(String),

    /// An internal invariant broke (e.g. the manifest size changed between the
    /// placeholder pass and the final pass). Indicates a bug, never bad input.
    #[error("internal error: {0}")]
    Internal(String),
}
