//! The gallery: every exported clip is kept on this device (IndexedDB) so it can be
//! played, downloaded or deleted later. A clip that uses cameos is stored sealed —
//! encrypted under its cameos' keys by the vault — and when one of those cameos is
//! revoked the vault shreds the key and the gallery deletes the clip (also on the next
//! load, for revocations it missed).

use crate::browser::{blob_url, download_url};
use crate::error::AppError;
use crate::storage;
use crate::vault_store::{VaultSignal, save_now};
use kinora_consent::vault::Authorization;
use kinora_studio::StudioError;
use kinora_studio::gallery::{self as records, ClipMeta, ClipRecord};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The gallery's state, shared through context.
#[derive(Clone, Copy)]
pub struct Gallery {
    clips: RwSignal<Vec<ClipMeta>>,
    status: RwSignal<String>,
}

impl Gallery {
    /// An empty gallery; [`Self::load`] fills it.
    pub fn new() -> Self {
        Self {
            clips: RwSignal::new(Vec::new()),
            status: RwSignal::new(String::new()),
        }
    }

    /// Reads the stored clips, dropping (and deleting) any whose cameo this vault knows
    /// to be revoked — a revocation imported while the page was closed.
    pub async fn load(self, vault: VaultSignal) {
        let metas = match storage::clip_metas().await {
            Ok(m) => m,
            Err(e) => {
                self.status
                    .set(format!("Could not read your saved clips: {e}"));
                return;
            }
        };
        let clips = vault.with_untracked(|v| records::listing(&metas, v.as_ref()));
        self.clips.set(clips);
        self.purge(vault, Vec::new()).await;
    }

    /// Stores an exported MP4. With cameos, it is sealed first and the vault (which now
    /// holds the cameo keys the clip needs) is saved before the clip, so a stored clip
    /// always has its key on disk.
    pub async fn add(
        self,
        vault: VaultSignal,
        meta: ClipMeta,
        mp4: &[u8],
        cameos: &[Authorization],
    ) -> Result<(), AppError> {
        let record = if cameos.is_empty() {
            ClipRecord::new(meta, mp4, cameos, None)?
        } else {
            let record = vault
                .try_update(|v| ClipRecord::new(meta, mp4, cameos, v.as_mut()))
                .unwrap_or(Err(StudioError::KeysLoading))?;
            save_now(vault).await?;
            record
        };
        let id = record.listed.id.clone();
        storage::put_clip(&id, &record.stored_meta, &record.stored_bytes).await?;
        // A revocation imported while this clip was being written missed it.
        let revoked_meanwhile = vault
            .with_untracked(|v| v.as_ref().map(|v| record.listed.uses_revoked(v)))
            .unwrap_or(false);
        if revoked_meanwhile {
            self.purge(vault, vec![id]).await;
            return Err(StudioError::RevokedWhileSaving.into());
        }
        self.clips.update(|c| c.insert(0, record.listed));
        Ok(())
    }

    /// Deletes `shredded` (a revocation's clips) and every clip using a cameo this vault
    /// knows to be revoked; says how many went. Clips that merely cannot be opened (a
    /// vault restored from before they were made) are kept: their key may come back.
    pub async fn purge(self, vault: VaultSignal, shredded: Vec<String>) {
        let ids = self.clips.with_untracked(|clips| {
            vault.with_untracked(|v| records::to_delete(clips, v.as_ref(), shredded))
        });
        if ids.is_empty() {
            return;
        }
        // Every id, listed or not: a clip still being stored when the revocation came
        // is not listed yet (deleting a missing key is harmless).
        match storage::delete_clips(&ids).await {
            Ok(()) => {
                let listed = self
                    .clips
                    .with_untracked(|c| c.iter().filter(|m| ids.contains(&m.id)).count());
                self.clips.update(|c| c.retain(|m| !ids.contains(&m.id)));
                if listed > 0 {
                    self.status.set(format!(
                        "{listed} clip(s) that used a revoked cameo were deleted from this device."
                    ));
                }
            }
            Err(e) => self.status.set(format!(
                "Clips that used a revoked cameo can no longer be opened, but deleting them failed: {e}"
            )),
        }
    }
}

/// The stored bytes of a clip as a playable MP4 (opened by the vault when sealed).
async fn playable(vault: VaultSignal, meta: &ClipMeta) -> Result<Vec<u8>, AppError> {
    let stored = storage::clip_bytes(&meta.id).await?;
    Ok(vault.with_untracked(|v| records::playable(meta, stored, v.as_ref()))?)
}

/// The "Your clips" panel.
#[component]
pub fn GalleryPanel() -> impl IntoView {
    let gallery = expect_context::<Gallery>();
    view! {
        <section class="gallery" data-testid="gallery">
            <h2>"Your clips"</h2>
            <p class="hint">
                "Kept in this browser only. Clips with a cameo are stored encrypted with that cameo's key; if its owner revokes it, they are deleted here."
            </p>
            <p class="status" role="status" data-testid="gallery-status">{move || gallery.status.get()}</p>
            <Show when=move || gallery.clips.with(Vec::is_empty)>
                <p class="hint" data-testid="gallery-empty">"No clips yet: exported clips appear here."</p>
            </Show>
            <ul class="clips">
                <For each=move || gallery.clips.get() key=|c| c.id.clone() let:meta>
                    <GalleryItem meta />
                </For>
            </ul>
        </section>
    }
}

#[component]
fn GalleryItem(meta: ClipMeta) -> impl IntoView {
    let gallery = expect_context::<Gallery>();
    let vault = expect_context::<VaultSignal>();
    let url = RwSignal::new(None::<String>);
    // The decrypted video lives behind the blob URL: release it when the item goes.
    on_cleanup(move || {
        if let Some(u) = url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&u);
        }
    });
    let when = js_sys::Date::new(&meta.created_ms.into())
        .to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED);
    let cameo_note = meta.cameo_note();
    let open_meta = meta.clone();
    let open = move || {
        let meta = open_meta.clone();
        async move {
            if let Some(u) = url.get_untracked() {
                return Ok(u);
            }
            let mp4 = playable(vault, &meta).await?;
            let u = blob_url(&mp4, "video/mp4").map_err(AppError::Browser)?;
            url.set(Some(u.clone()));
            Ok::<_, AppError>(u)
        }
    };
    let play_open = open.clone();
    let play = move |_| {
        let open = play_open.clone();
        spawn_local(async move {
            if let Err(e) = open().await {
                gallery.status.set(format!("Could not open the clip: {e}"));
            }
        });
    };
    let name = meta.file_name.clone();
    let download = move |_| {
        let open = open.clone();
        let name = name.clone();
        spawn_local(async move {
            match open()
                .await
                .and_then(|u| download_url(&u, &name).map_err(AppError::Browser))
            {
                Ok(()) => {}
                Err(e) => gallery
                    .status
                    .set(format!("Could not download the clip: {e}")),
            }
        });
    };
    let id = meta.id.clone();
    let delete = move |_| {
        let id = id.clone();
        spawn_local(async move {
            match storage::delete_clips(std::slice::from_ref(&id)).await {
                Ok(()) => {
                    if let Some(u) = url.get_untracked() {
                        let _ = web_sys::Url::revoke_object_url(&u);
                    }
                    gallery.clips.update(|c| c.retain(|m| m.id != id));
                    gallery.status.set("Clip deleted.".into());
                }
                Err(e) => gallery
                    .status
                    .set(format!("Could not delete the clip: {e}")),
            }
        });
    };
    view! {
        <li class="clip" data-testid="gallery-clip" data-id=meta.id.clone()
            data-sealed=meta.sealed().to_string() data-cameos=meta.cameos.join(",")>
            <strong>{meta.title.clone()}</strong>
            <span class="meta">
                {format!(" — {}, {:.1} s, {:.1} KB{}", String::from(when), meta.seconds, meta.bytes as f64 / 1024.0, cameo_note)}
            </span>
            {(!meta.report.is_empty()).then(|| view! {
                <p class="hint" data-testid="gallery-report">{format!("Finalize report: {}", meta.report)}</p>
            })}
            <div class="row">
                <button data-testid="gallery-play" on:click=play>"Play"</button>
                {(!meta.recipe.is_empty()).then(|| view! {
                    <a data-testid="gallery-recipe" href=format!("./{}", meta.recipe) target="_blank" rel="noopener">
                        "Make again (recipe)"
                    </a>
                })}
                <button data-testid="gallery-download" on:click=download>"Download"</button>
                <button data-testid="gallery-delete" on:click=delete>"Delete"</button>
            </div>
            {move || url.get().map(|u| view! {
                <video data-testid="gallery-video" src=u controls=true autoplay=true muted=true playsinline=true></video>
            })}
        </li>
    }
}
