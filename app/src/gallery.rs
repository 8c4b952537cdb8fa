//! The gallery: every exported clip is kept on this device (IndexedDB) so it can be
//! played, downloaded or deleted later. A clip that uses cameos is stored sealed —
//! encrypted under its cameos' keys by the vault — and when one of those cameos is
//! revoked the vault shreds the key and the gallery deletes the clip (also on the next
//! load, for revocations it missed).

use crate::browser::{blob_url, download_url, file_bytes, input_of, local_stamp, picked_file};
use crate::error::AppError;
use crate::storage;
use crate::vault_store::{VaultSignal, save_now};
use kinora_consent::vault::Authorization;
use kinora_studio::StudioError;
use kinora_studio::archive::{self, StoredClip};
use kinora_studio::gallery::{self as records, ClipMeta, ClipRecord};
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The gallery's state, shared through context.
#[derive(Clone, Copy)]
pub struct Gallery {
    clips: RwSignal<Vec<ClipMeta>>,
    status: RwSignal<String>,
    /// A clip deleted from the list but not yet from storage (Undo brings it back), with
    /// the token of its deletion.
    pending: RwSignal<Option<(ClipMeta, u64)>>,
    /// This origin's storage use and quota in bytes, when the browser says.
    usage: RwSignal<Option<(f64, f64)>>,
}

/// How long a deleted clip can be brought back, ms.
const UNDO_MS: f64 = 8000.0;

impl Gallery {
    /// An empty gallery; [`Self::load`] fills it.
    pub fn new() -> Self {
        Self {
            clips: RwSignal::new(Vec::new()),
            status: RwSignal::new(String::new()),
            pending: RwSignal::new(None),
            usage: RwSignal::new(None),
        }
    }

    /// Asks the browser how much of this device's storage the page uses.
    pub async fn measure_usage(self) {
        self.usage.set(storage_estimate().await);
    }

    /// Takes a clip off the list now and deletes it from storage after [`UNDO_MS`] unless
    /// [`Self::undo`] brings it back first (closing the page in between keeps it).
    pub fn delete(self, meta: ClipMeta) {
        let token = js_sys::Date::now().to_bits();
        // A deletion already waiting goes through now.
        if let Some((earlier, _)) = self.pending.get_untracked() {
            spawn_local(self.forget(earlier));
        }
        self.clips.update(|c| c.retain(|m| m.id != meta.id));
        self.pending.set(Some((meta, token)));
        self.status.set("Clip deleted.".into());
        spawn_local(async move {
            crate::webcodecs::sleep_ms(UNDO_MS).await;
            let Some((meta, t)) = self.pending.get_untracked() else {
                return;
            };
            if t != token {
                return;
            }
            self.pending.set(None);
            self.forget(meta).await;
        });
    }

    /// Deletes a clip taken off the list from storage.
    async fn forget(self, meta: ClipMeta) {
        match storage::delete_clips(std::slice::from_ref(&meta.id)).await {
            Ok(()) => self.measure_usage().await,
            Err(e) => {
                // Still on the device: show it again rather than lose track of it.
                self.clips.update(|c| c.insert(0, meta));
                self.status.set(format!("Could not delete the clip: {e}"));
            }
        }
    }

    /// Brings back the clip deleted last, if its storage is still there.
    pub fn undo(self, vault: VaultSignal) {
        let Some((meta, _)) = self.pending.get_untracked() else {
            return;
        };
        self.pending.set(None);
        let revoked = vault.with_untracked(|v| v.as_ref().is_some_and(|v| meta.uses_revoked(v)));
        if revoked {
            self.status
                .set("That clip used a revoked cameo and cannot come back.".into());
            return;
        }
        self.clips.update(|c| {
            c.push(meta);
            c.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
        });
        self.status.set("Clip restored.".into());
    }

    /// Offers every stored clip as one file, each as stored: a sealed clip stays sealed
    /// (its words and bytes open only where its cameos' keys are). Returns how many.
    pub async fn export_all(self) -> Result<usize, AppError> {
        let mut clips = Vec::new();
        for meta_json in storage::clip_metas().await? {
            let Ok(meta) = serde_json::from_str::<ClipMeta>(&meta_json) else {
                continue;
            };
            let bytes = storage::clip_bytes(&meta.id)
                .await?
                .ok_or(StudioError::MissingData)?;
            clips.push(StoredClip {
                id: meta.id,
                meta_json,
                bytes,
            });
        }
        let file = archive::pack(&clips)?;
        let url = blob_url(&file, "application/json").map_err(AppError::Browser)?;
        let offered = download_url(&url, &archive::file_name(&local_stamp()));
        let _ = web_sys::Url::revoke_object_url(&url);
        offered.map_err(AppError::Browser)?;
        Ok(clips.len())
    }

    /// Adds the clips of a gallery file that are not on this device yet (the whole file
    /// is checked first: a damaged one adds nothing); returns (added, already here).
    /// Clips using a cameo this vault knows to be revoked are deleted again at once.
    pub async fn import(self, vault: VaultSignal, file: &[u8]) -> Result<(usize, usize), AppError> {
        let incoming = archive::unpack(file)?;
        let total = incoming.len();
        let here: Vec<String> = storage::clip_metas()
            .await?
            .iter()
            .filter_map(|m| serde_json::from_str::<ClipMeta>(m).ok())
            .map(|m| m.id)
            .collect();
        let new = archive::new_clips(incoming, &here);
        for clip in &new {
            storage::put_clip(&clip.id, &clip.meta_json, &clip.bytes).await?;
        }
        let metas: Vec<String> = new.iter().map(|c| c.meta_json.clone()).collect();
        let listed = vault.with_untracked(|v| records::listing(&metas, v.as_ref()));
        self.clips.update(|c| {
            c.extend(listed);
            c.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
        });
        self.purge(vault, Vec::new()).await;
        self.measure_usage().await;
        Ok((new.len(), total - new.len()))
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
        self.measure_usage().await;
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

/// (usage, quota) in bytes from `navigator.storage.estimate()`, where the browser has it.
async fn storage_estimate() -> Option<(f64, f64)> {
    use wasm_bindgen::{JsCast, JsValue};
    let navigator = web_sys::window()?.navigator();
    let storage = js_sys::Reflect::get(&navigator, &JsValue::from_str("storage")).ok()?;
    let estimate = js_sys::Reflect::get(&storage, &JsValue::from_str("estimate"))
        .ok()?
        .dyn_into::<js_sys::Function>()
        .ok()?;
    let promise = estimate
        .call0(&storage)
        .ok()?
        .dyn_into::<js_sys::Promise>()
        .ok()?;
    let result = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let number = |k: &str| {
        js_sys::Reflect::get(&result, &JsValue::from_str(k))
            .ok()
            .and_then(|v| v.as_f64())
    };
    Some((number("usage")?, number("quota")?))
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
    let vault = expect_context::<VaultSignal>();
    spawn_local(gallery.measure_usage());
    let save_all = move |_| {
        gallery.status.set("Writing the gallery file…".into());
        spawn_local(async move {
            gallery.status.set(match gallery.export_all().await {
                Ok(n) => format!(
                    "Saved {n} clip{} to one file. Clips with a cameo stay encrypted in it.",
                    if n == 1 { "" } else { "s" }
                ),
                Err(e) => format!("Could not save the gallery: {e}"),
            });
        });
    };
    let add_from_file = move |ev: leptos::ev::Event| {
        let input = input_of(&ev);
        let Some(file) = input.as_ref().and_then(picked_file) else {
            return;
        };
        gallery.status.set("Reading the gallery file…".into());
        spawn_local(async move {
            let result = async {
                let bytes = file_bytes(&file).await.map_err(AppError::Browser)?;
                gallery.import(vault, &bytes).await
            }
            .await;
            gallery.status.set(match result {
                Ok((added, skipped)) => format!(
                    "Added {added} clip{} from the file{}.",
                    if added == 1 { "" } else { "s" },
                    if skipped > 0 {
                        format!(" ({skipped} already here)")
                    } else {
                        String::new()
                    }
                ),
                Err(e) => format!("Nothing was added: {e}"),
            });
            // The same file can be picked again.
            if let Some(input) = input {
                input.set_value("");
            }
        });
    };
    view! {
        <section class="gallery" data-testid="gallery">
            <h2>"Your clips"</h2>
            <p class="hint">
                "Kept in this browser only. Clips with a cameo are stored encrypted with that cameo's key; if its owner revokes it, they are deleted here."
            </p>
            <p class="hint" data-testid="storage-usage">{move || gallery.usage.get().map(|(used, quota)| format!(
                "This page uses {:.1} MB of this device's storage (clips, model weights, the app){}.",
                used / 1e6,
                if quota > 0.0 { format!(", of {:.0} MB it may use", quota / 1e6) } else { String::new() }
            ))}</p>
            <p class="status" role="status" data-testid="gallery-status">
                {move || gallery.status.get()}
                <Show when=move || gallery.pending.with(Option::is_some)>
                    " "<button data-testid="gallery-undo" on:click=move |_| gallery.undo(vault)>"Undo"</button>
                </Show>
            </p>
            <div class="row">
                <button data-testid="gallery-export" on:click=save_all
                    disabled=move || gallery.clips.with(Vec::is_empty)>"Save all clips as one file"</button>
                <label>"Add clips from a gallery file: "
                    <input data-testid="gallery-import" type="file" accept=".json,application/json"
                        on:change=add_from_file />
                </label>
            </div>
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
    let deleted = meta.clone();
    let delete = move |_| {
        if let Some(u) = url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&u);
            url.set(None);
        }
        gallery.delete(deleted.clone());
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
