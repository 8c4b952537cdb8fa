//! kinora-consent: cameo consent. A person's likeness appears only through a cameo its
//! owner created and granted, and the owner can take it back.
//!
//! - [`appearance`]: a photo becomes the character-appearance conditioning on the device;
//!   the photo itself is dropped unless the owner asks to keep it.
//! - [`signed`]: grants (owner → grantee, scope, expiry) and revocations, signed with the
//!   owner's Ed25519 key and exchanged as small JSON files.
//! - [`vault`]: this device's identity, its cameos, the grants and revocations it has
//!   imported, and per-cameo keys that encrypt every clip using a cameo, so that a
//!   revocation shreds those clips (their key is destroyed).
//!
//! What a local system cannot do: it cannot reach copies already shared elsewhere, nor a
//! device that never imports the revocation. The UI says so.
//!
//! No tensors and no guardrails here: the guardrails (`kinora-safety`) ask the caller
//! whether a handle has a grant, and the caller asks the [`vault::Vault`]. Every refusal
//! is a [`ConsentError`].
#![deny(missing_docs)]

pub mod appearance;
pub mod signed;
pub mod vault;

use thiserror::Error;

/// Why a cameo operation was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConsentError {
    /// A file is not a grant/revocation this version understands.
    #[error("not a valid Kinora consent file: {0}")]
    Malformed(String),
    /// The signature does not match the content and the owner's key.
    #[error("the signature does not match: the file was forged or altered")]
    BadSignature,
    /// The grant names another device as grantee.
    #[error("this grant was issued to another device")]
    WrongGrantee,
    /// The grant's expiry has passed (or it is not valid yet).
    #[error("this grant expired or is not valid yet")]
    Expired,
    /// The owner revoked the cameo (or this grant).
    #[error("the owner revoked this cameo")]
    Revoked,
    /// The grant does not cover the requested use.
    #[error("this grant does not allow {0}")]
    OutOfScope(String),
    /// No grant for the cameo on this device.
    #[error("no grant for cameo @{0} on this device")]
    NoGrant(String),
    /// Another person's cameo already uses this handle on this device.
    #[error(
        "@{0} is already used here by {1}; handles are chosen by their owners, so ask one of you to pick another handle"
    )]
    HandleTaken(String, String),
    /// The cameo is unknown here.
    #[error("unknown cameo {0}")]
    UnknownCameo(String),
    /// The photo could not be turned into an appearance.
    #[error("unusable photo: {0}")]
    BadPhoto(String),
    /// Encrypting or decrypting clip bytes failed (wrong key, tampered data, shredded).
    #[error("clip is unreadable: {0}")]
    Unreadable(String),
    /// The OS/browser random source failed.
    #[error("no secure random numbers available: {0}")]
    Random(String),
}

/// Fills `buf` from the OS (native) or `crypto.getRandomValues` (browser).
pub(crate) fn random_bytes<const N: usize>() -> Result<[u8; N], ConsentError> {
    let mut buf = [0u8; N];
    getrandom::fill(&mut buf).map_err(|e| ConsentError::Random(e.to_string()))?;
    Ok(buf)
}
