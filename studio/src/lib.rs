//! kinora-studio: the page's decisions, without the page. The app (`app/`, Leptos) keeps
//! its components and browser calls (IndexedDB, files, blobs); what they decide — how a
//! clip is recorded and sealed for the gallery, which clips a revocation deletes, what a
//! consent file is and what importing it did, which cameos a prompt may use — lives here,
//! where it runs natively and is tested beside the code.
//!
//! - [`gallery`]: the gallery's clip records ([`gallery::ClipMeta`]), sealing and
//!   unsealing their descriptions, listing stored clips, which to delete, clip ids and
//!   download names.
//! - [`archive`]: the whole gallery as one file (export and import), sealed clips kept
//!   sealed.
//! - [`edits`]: quick edits of a prompt for a remix (its colour, object or ground word).
//! - [`cameos`]: creating a cameo, importing a grant or revocation file, the grant a
//!   person asks for, and the cameos a prompt uses (checked against the guardrails).
//!
//! No tensors and no browser here. Failures are a [`StudioError`].
#![deny(missing_docs)]

pub mod archive;
pub mod cameos;
pub mod edits;
pub mod gallery;

use kinora_consent::ConsentError;
use thiserror::Error;

/// Why a gallery or cameo step failed; the page shows the message.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StudioError {
    /// The vault is not loaded from this device's storage yet.
    #[error("this device's keys are still loading")]
    KeysLoading,
    /// The vault refused (sealing, opening, creating a cameo).
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// A clip's description could not be written as JSON.
    #[error("the clip's description could not be written: {0}")]
    Description(String),
    /// A cameo the clip uses was revoked while the clip was being stored.
    #[error("a cameo it uses was revoked while it was being saved")]
    RevokedWhileSaving,
    /// The clip's bytes are not in storage.
    #[error("the clip's data is missing from this device's storage")]
    MissingData,
    /// A grant file was refused.
    #[error("Grant refused: {0}")]
    GrantRefused(ConsentError),
    /// A revocation file was refused.
    #[error("Revocation refused: {0}")]
    RevocationRefused(ConsentError),
    /// The guardrails refuse the prompt.
    #[error("Not exported: the prompt is refused — {0}")]
    PromptRefused(String),
    /// The prompt names a cameo this device may not use.
    #[error("Not exported: @{handle}: {reason}")]
    CameoNotUsable {
        /// The cameo's handle.
        handle: String,
        /// Why the vault refused it.
        reason: ConsentError,
    },
}

/// What the tests of both modules share: a clock and a look.
#[cfg(test)]
mod fixtures {
    use kinora_consent::appearance::Appearance;

    /// A fixed "now" (Unix seconds).
    pub const NOW: u64 = 1_790_000_000;

    /// An appearance, as if read from a photo.
    pub fn look() -> Appearance {
        Appearance {
            skin: [220, 180, 150],
            hair: [30, 20, 10],
            clothing: [200, 30, 40],
        }
    }
}
