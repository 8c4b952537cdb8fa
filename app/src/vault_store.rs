//! The consent vault on this device: loaded once by the page, shared through context as
//! a [`VaultSignal`], and saved to IndexedDB (`kv` key `vault`) after every change.
//! Another tab may have saved since this page loaded: every save first merges the stored
//! copy ([`merge_stored`]), so it neither loses what that tab added nor brings a revoked
//! cameo's key back.

use crate::error::AppError;
use crate::storage;
use kinora_consent::ConsentError;
use kinora_consent::vault::Vault;
use kinora_studio::StudioError;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The vault signal shared through context: `None` until loaded from IndexedDB.
pub type VaultSignal = RwSignal<Option<Vault>>;

const KEY: &str = "vault";

/// A saved vault that could not be read: set aside under `kept_as`, never overwritten.
pub struct SetAside {
    /// Why it could not be read.
    pub error: ConsentError,
    /// The key it is kept under.
    pub kept_as: String,
}

/// Loads the vault from IndexedDB, or starts a new one (also when the saved one cannot
/// be read: that one is set aside first).
pub async fn load(now: u64) -> Result<(Vault, Option<SetAside>), AppError> {
    match storage::get(KEY).await? {
        Some(text) => match Vault::from_json(&text) {
            Ok(v) => Ok((v, None)),
            Err(error) => {
                let kept_as = format!("vault-unreadable-{now}");
                storage::put(&kept_as, &text).await?;
                Ok((Vault::new()?, Some(SetAside { error, kept_as })))
            }
        },
        None => Ok((Vault::new()?, None)),
    }
}

/// Saves the vault to IndexedDB (in the background; failures are shown).
pub fn save(vault: VaultSignal, status: WriteSignal<String>) {
    spawn_local(async move {
        if let Err(e) = save_now(vault).await {
            status.set(format!("Could not save on this device: {e}"));
        }
    });
}

/// Saves the vault and waits until the write is committed, after merging the stored copy
/// ([`merge_stored`]).
pub async fn save_now(vault: VaultSignal) -> Result<(), AppError> {
    merge_stored(vault).await?;
    let json = vault
        .with_untracked(|v| v.as_ref().map(Vault::to_json))
        .ok_or(StudioError::KeysLoading)?;
    Ok(storage::put(KEY, &json).await?)
}

/// Merges the stored vault (another tab's latest save) into this page's
/// (`Vault::merge_stored`: revocations win, everything else is a union). An unreadable
/// stored copy is left to the next save, which replaces it.
pub async fn merge_stored(vault: VaultSignal) -> Result<(), AppError> {
    if let Some(stored) = storage::get(KEY).await?
        && let Ok(stored) = Vault::from_json(&stored)
    {
        vault.update(|v| {
            if let Some(v) = v.as_mut() {
                v.merge_stored(&stored);
            }
        });
    }
    Ok(())
}
