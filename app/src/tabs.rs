//! Other tabs of this page on the same device. Each holds the vault and the gallery in
//! memory; without telling each other, the last tab to save would silently drop what the
//! other added (a grant imported, a clip's key). Storage announces every committed write
//! (`storage::on_other_tab_write`); a tab that hears one merges the stored vault into its
//! own (`Vault::merge_stored`: revocations win, the rest is a union) and re-reads its
//! gallery. Hearing never writes, so two tabs cannot echo each other forever (a gallery
//! re-read may delete a revoked cameo's clips once, and then there is nothing left to
//! delete).

use crate::gallery::Gallery;
use crate::storage;
use crate::vault_store::{VaultSignal, merge_stored};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// Follows the other tabs' writes for the rest of the page's life.
pub fn follow(vault: VaultSignal, gallery: Gallery, notice: WriteSignal<String>) {
    storage::on_other_tab_write(move || {
        spawn_local(async move {
            if let Err(e) = merge_stored(vault).await {
                notice.set(format!("Could not read what another tab saved: {e}"));
            }
            gallery.load(vault).await;
        });
    });
}
