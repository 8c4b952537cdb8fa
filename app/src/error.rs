//! The page's errors: typed until a component shows them.

use crate::storage::StorageError;
use kinora_consent::ConsentError;
use kinora_studio::StudioError;
use kinora_studio::archive::ArchiveError;
use thiserror::Error;

/// A step below the view failed: this device's storage, the page's logic
/// (`kinora-studio`), the vault, or a browser call.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AppError {
    /// IndexedDB.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// A gallery or cameo step.
    #[error(transparent)]
    Studio(#[from] StudioError),
    /// The vault.
    #[error(transparent)]
    Consent(#[from] ConsentError),
    /// A gallery file.
    #[error(transparent)]
    Archive(#[from] ArchiveError),
    /// A browser call (blobs, downloads, files), in its own words.
    #[error("{0}")]
    Browser(String),
}
