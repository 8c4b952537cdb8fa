//! Other tabs of this page on the same device. Each holds the vault and the gallery in
//! memory; without telling each other, the last tab to save would silently drop what the
//! other added (a grant imported, a clip's key). Every committed write to this device's
//! storage is announced on a `BroadcastChannel`; a tab that hears one merges the stored
//! vault into its own (`Vault::merge_stored`: revocations win, the rest is a union) and
//! re-reads its gallery. Hearing never writes, so two tabs cannot echo each other
//! forever (a gallery re-read may delete a revoked cameo's clips once, and then there is
//! nothing left to delete).

use crate::cameos::{VaultSignal, merge_stored};
use crate::gallery::Gallery;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::BroadcastChannel;

thread_local! {
    /// `None` where the browser has no BroadcastChannel: tabs then only meet at saves,
    /// which still merge.
    static CHANNEL: Option<BroadcastChannel> = BroadcastChannel::new("kinora-storage").ok();
}

/// Tells the other tabs that this one committed a write.
pub fn announce_write() {
    CHANNEL.with(|c| {
        if let Some(c) = c {
            let _ = c.post_message(&JsValue::from_str("written"));
        }
    });
}

/// Follows the other tabs' writes for the rest of the page's life.
pub fn follow(vault: VaultSignal, gallery: Gallery, notice: WriteSignal<String>) {
    CHANNEL.with(|c| {
        let Some(c) = c else { return };
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
            spawn_local(async move {
                if let Err(e) = merge_stored(vault).await {
                    notice.set(format!("Could not read what another tab saved: {e}"));
                }
                gallery.load(vault).await;
            });
        });
        c.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The page lives as long as the tab; so does the handler.
        on_message.forget();
    });
}
