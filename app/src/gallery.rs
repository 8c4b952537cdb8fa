//! The gallery: every exported clip is kept on this device (IndexedDB) so it can be
//! played, downloaded or deleted later. A clip that uses cameos is stored sealed —
//! encrypted under its cameos' keys by the vault — and when one of those cameos is
//! revoked the vault shreds the key and the gallery deletes the clip (also on the next
//! load, for revocations it missed).

use crate::browser::{blob_url, download_url, now_ms};
use crate::cameos::{VaultSignal, save_now};
use crate::storage;
use kinora_consent::vault::{Authorization, SealedClip};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};

/// What the gallery lists about a clip; stored next to its bytes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipMeta {
    /// Gallery id (also the sealed clip's id).
    pub id: String,
    /// The prompt it was made from.
    pub title: String,
    /// Download name.
    pub file_name: String,
    /// When it was exported (ms since the epoch).
    pub created_ms: f64,
    /// MP4 size.
    pub bytes: usize,
    /// Video length.
    pub seconds: f64,
    /// `@handle`s of the cameos it uses.
    pub cameos: Vec<String>,
    /// Their cameo ids: all of their keys are needed to open it.
    pub cameo_ids: Vec<String>,
    /// For a sealed clip, the stored description keeps `title`, `file_name` and `cameos`
    /// (what it shows, and whose likeness) only in here, sealed like the clip itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sealed_naming: Option<Vec<u8>>,
}

/// The words of a sealed clip's description.
#[derive(Serialize, Deserialize)]
struct Naming {
    title: String,
    file_name: String,
    cameos: Vec<String>,
}

impl ClipMeta {
    fn sealed(&self) -> bool {
        !self.cameo_ids.is_empty()
    }

    /// The id its sealed naming is encrypted under.
    fn naming_id(&self) -> String {
        format!("{}#naming", self.id)
    }

    /// Fills in a sealed clip's words from `sealed_naming`, if this vault can open it.
    fn unseal_naming(&mut self, vault: &kinora_consent::vault::Vault) {
        let Some(bytes) = &self.sealed_naming else {
            return;
        };
        let naming = vault
            .open_stored(bytes)
            .ok()
            .and_then(|plain| serde_json::from_slice::<Naming>(&plain).ok());
        match naming {
            Some(n) => {
                self.title = n.title;
                self.file_name = n.file_name;
                self.cameos = n.cameos;
            }
            None => {
                self.title = "Encrypted clip (its cameo key is not on this device)".into();
                self.file_name = format!("{}.mp4", self.id);
            }
        }
    }
}

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

    /// Reads the stored clips, dropping (and deleting) any whose cameo key is gone — a
    /// revocation imported while the page was closed, or a vault restored from before.
    pub async fn load(self, vault: VaultSignal) {
        let metas = match storage::clip_metas().await {
            Ok(m) => m,
            Err(e) => {
                self.status
                    .set(format!("Could not read your saved clips: {e}"));
                return;
            }
        };
        let mut clips: Vec<ClipMeta> = metas
            .iter()
            .filter_map(|m| serde_json::from_str(m).ok())
            .collect();
        vault.with_untracked(|v| {
            if let Some(v) = v {
                clips.iter_mut().for_each(|c| c.unseal_naming(v));
            }
        });
        clips.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
        self.clips.set(clips);
        self.purge(vault, Vec::new()).await;
    }

    /// Stores an exported MP4. With cameos, it is sealed first and the vault (which now
    /// holds the cameo keys the clip needs) is saved before the clip, so a stored clip
    /// always has its key on disk.
    pub async fn add(
        self,
        vault: VaultSignal,
        mut meta: ClipMeta,
        mp4: &[u8],
        cameos: &[Authorization],
    ) -> Result<(), String> {
        let (stored, stored_meta) = if cameos.is_empty() {
            (mp4.to_vec(), meta.clone())
        } else {
            let seal = |id: &str, bytes: &[u8]| -> Result<SealedClip, String> {
                vault
                    .try_update(|v| v.as_mut().map(|v| v.seal_clip(id, cameos, bytes)))
                    .flatten()
                    .ok_or_else(|| "this device's keys are still loading".to_string())?
                    .map_err(|e| e.to_string())
            };
            let sealed = seal(&meta.id, mp4)?;
            meta.cameo_ids = sealed.cameo_ids.clone();
            let naming = serde_json::to_vec(&Naming {
                title: meta.title.clone(),
                file_name: meta.file_name.clone(),
                cameos: meta.cameos.clone(),
            })
            .map_err(|e| e.to_string())?;
            meta.sealed_naming = Some(seal(&meta.naming_id(), &naming)?.to_bytes());
            save_now(vault).await?;
            // A sealed clip's stored description names neither its prompt nor its cameos.
            let stored_meta = ClipMeta {
                title: String::new(),
                file_name: String::new(),
                cameos: Vec::new(),
                ..meta.clone()
            };
            (sealed.to_bytes(), stored_meta)
        };
        let json = serde_json::to_string(&stored_meta).map_err(|e| e.to_string())?;
        storage::put_clip(&meta.id, &json, &stored).await?;
        // A revocation imported while this clip was being written missed it.
        let revoked_meanwhile = vault
            .with_untracked(|v| v.as_ref().map(|v| v.any_revoked(&meta.cameo_ids)))
            .unwrap_or(false);
        if revoked_meanwhile {
            self.purge(vault, vec![meta.id]).await;
            return Err("a cameo it uses was revoked while it was being saved".into());
        }
        self.clips.update(|c| c.insert(0, meta));
        Ok(())
    }

    /// Deletes `ids` (a revocation's shredded clips) and every clip using a cameo this
    /// vault knows to be revoked; says how many went. Clips that merely cannot be opened
    /// (a vault restored from before they were made) are kept: their key may come back.
    pub async fn purge(self, vault: VaultSignal, mut ids: Vec<String>) {
        let revoked: Vec<String> = self.clips.with_untracked(|clips| {
            vault.with_untracked(|v| {
                v.as_ref().map_or_else(Vec::new, |v| {
                    clips
                        .iter()
                        .filter(|c| c.sealed() && v.any_revoked(&c.cameo_ids))
                        .map(|c| c.id.clone())
                        .collect()
                })
            })
        });
        ids.extend(revoked);
        ids.sort();
        ids.dedup();
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

/// A fresh clip id: time plus randomness (ids only need to be unique on this device).
pub fn new_clip_id() -> String {
    let mut random = [0u8; 6];
    let _ = getrandom::fill(&mut random);
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("clip-{:x}-{hex}", now_ms() as u64)
}

/// The stored bytes of a clip as a playable MP4 (opened by the vault when sealed).
async fn playable(vault: VaultSignal, meta: &ClipMeta) -> Result<Vec<u8>, String> {
    let stored = storage::clip_bytes(&meta.id)
        .await?
        .ok_or("the clip's data is missing from this device's storage")?;
    if !meta.sealed() {
        return Ok(stored);
    }
    vault
        .with_untracked(|v| v.as_ref().map(|v| v.open_stored(&stored)))
        .ok_or("this device's keys are still loading")?
        .map_err(|e| e.to_string())
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
    let cameo_note = if meta.cameos.is_empty() {
        String::new()
    } else {
        format!(
            " · with {} · encrypted",
            meta.cameos
                .iter()
                .map(|h| format!("@{h}"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let open_meta = meta.clone();
    let open = move || {
        let meta = open_meta.clone();
        async move {
            if let Some(u) = url.get_untracked() {
                return Ok(u);
            }
            let mp4 = playable(vault, &meta).await?;
            let u = blob_url(&mp4, "video/mp4")?;
            url.set(Some(u.clone()));
            Ok::<_, String>(u)
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
            match open().await.and_then(|u| download_url(&u, &name)) {
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
            <div class="row">
                <button data-testid="gallery-play" on:click=play>"Play"</button>
                <button data-testid="gallery-download" on:click=download>"Download"</button>
                <button data-testid="gallery-delete" on:click=delete>"Delete"</button>
            </div>
            {move || url.get().map(|u| view! {
                <video data-testid="gallery-video" src=u controls=true autoplay=true muted=true playsinline=true></video>
            })}
        </li>
    }
}
