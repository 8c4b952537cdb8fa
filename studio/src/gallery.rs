//! The gallery's records. Every exported clip is kept on the device with a description
//! beside its bytes ([`ClipMeta`]). A clip that uses cameos is stored sealed: its bytes
//! *and* the words of its description (prompt, download name, handles) are encrypted under
//! its cameos' keys, so the stored description names neither what it shows nor whose
//! likeness. When one of those cameos is revoked the vault shreds the key and the gallery
//! deletes the clip ([`to_delete`]); a clip that merely cannot be opened (a vault restored
//! from before it was made) is kept, since its key may come back.

use crate::StudioError;
use kinora_consent::vault::{Authorization, Vault};
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
    /// The recipe it was made from (a `#recipe=1.…` fragment: prompt, settings, seed), so
    /// it can be made again; sealed with the naming for a cameo clip. Empty when unknown.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub recipe: String,
    /// The finalize report's verdict when it was exported (one line, no prompt words).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub report: String,
}

/// The words of a sealed clip's description.
#[derive(Serialize, Deserialize)]
struct Naming {
    title: String,
    file_name: String,
    cameos: Vec<String>,
    #[serde(default)]
    recipe: String,
}

impl ClipMeta {
    /// Whether the clip is stored sealed (it uses cameos).
    pub fn sealed(&self) -> bool {
        !self.cameo_ids.is_empty()
    }

    /// Whether it uses a cameo this vault knows to be revoked: it must be deleted.
    pub fn uses_revoked(&self, vault: &Vault) -> bool {
        self.sealed() && vault.any_revoked(&self.cameo_ids)
    }

    /// The id its sealed naming is encrypted under.
    fn naming_id(&self) -> String {
        format!("{}#naming", self.id)
    }

    /// Fills in a sealed clip's words from `sealed_naming`, if this vault can open it;
    /// otherwise says that it is encrypted.
    pub fn unseal_naming(&mut self, vault: &Vault) {
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
                self.recipe = n.recipe;
            }
            None => {
                self.title = "Encrypted clip (its cameo key is not on this device)".into();
                self.file_name = format!("{}.mp4", self.id);
            }
        }
    }

    /// The list line's cameo part: ` · with @a, @b · encrypted`, empty without cameos.
    pub fn cameo_note(&self) -> String {
        if self.cameos.is_empty() {
            return String::new();
        }
        let handles: Vec<String> = self.cameos.iter().map(|h| format!("@{h}")).collect();
        format!(" · with {} · encrypted", handles.join(", "))
    }
}

/// A clip as it goes into storage.
#[derive(Debug, Clone, PartialEq)]
pub struct ClipRecord {
    /// What the gallery lists (with its words, also for a sealed clip).
    pub listed: ClipMeta,
    /// The description stored beside the bytes (JSON). A sealed clip's names neither its
    /// prompt nor its cameos.
    pub stored_meta: String,
    /// The bytes stored: the MP4, or its sealed form (`SealedClip::to_bytes`).
    pub stored_bytes: Vec<u8>,
}

impl ClipRecord {
    /// Records an exported MP4 that uses `cameos` (authorizations from the vault). With
    /// cameos, the clip and its words are sealed by `vault`, which then holds cameo keys
    /// the clip needs: the caller saves the vault before storing the clip, so a stored
    /// clip always has its key on disk. `vault` is `None` while it loads, which only a
    /// clip without cameos can do without.
    pub fn new(
        mut meta: ClipMeta,
        mp4: &[u8],
        cameos: &[Authorization],
        vault: Option<&mut Vault>,
    ) -> Result<Self, StudioError> {
        let description = |m: &ClipMeta| {
            serde_json::to_string(m).map_err(|e| StudioError::Description(e.to_string()))
        };
        if cameos.is_empty() {
            return Ok(ClipRecord {
                stored_meta: description(&meta)?,
                stored_bytes: mp4.to_vec(),
                listed: meta,
            });
        }
        let vault = vault.ok_or(StudioError::KeysLoading)?;
        let sealed = vault.seal_clip(&meta.id, cameos, mp4)?;
        meta.cameo_ids = sealed.cameo_ids.clone();
        let naming = serde_json::to_vec(&Naming {
            title: meta.title.clone(),
            file_name: meta.file_name.clone(),
            cameos: meta.cameos.clone(),
            recipe: meta.recipe.clone(),
        })
        .map_err(|e| StudioError::Description(e.to_string()))?;
        meta.sealed_naming = Some(
            vault
                .seal_clip(&meta.naming_id(), cameos, &naming)?
                .to_bytes(),
        );
        // A sealed clip's stored description names neither its prompt nor its cameos.
        let stored = ClipMeta {
            title: String::new(),
            file_name: String::new(),
            cameos: Vec::new(),
            recipe: String::new(),
            ..meta.clone()
        };
        Ok(ClipRecord {
            stored_meta: description(&stored)?,
            stored_bytes: sealed.to_bytes(),
            listed: meta,
        })
    }
}

/// The gallery's list from the stored descriptions: unreadable ones are skipped, sealed
/// words are opened where `vault` (when loaded) can, newest first.
pub fn listing(stored: &[String], vault: Option<&Vault>) -> Vec<ClipMeta> {
    let mut clips: Vec<ClipMeta> = stored
        .iter()
        .filter_map(|m| serde_json::from_str(m).ok())
        .collect();
    if let Some(v) = vault {
        clips.iter_mut().for_each(|c| c.unseal_naming(v));
    }
    clips.sort_by(|a, b| b.created_ms.total_cmp(&a.created_ms));
    clips
}

/// The clips to delete: `shredded` (a revocation's clips, listed or not — one still being
/// stored is not listed yet) and every listed clip using a cameo `vault` knows to be
/// revoked. Sorted, without repeats.
pub fn to_delete(
    clips: &[ClipMeta],
    vault: Option<&Vault>,
    mut shredded: Vec<String>,
) -> Vec<String> {
    if let Some(v) = vault {
        shredded.extend(
            clips
                .iter()
                .filter(|c| c.uses_revoked(v))
                .map(|c| c.id.clone()),
        );
    }
    shredded.sort();
    shredded.dedup();
    shredded
}

/// A clip's stored bytes as a playable MP4: as stored, or opened by `vault` when sealed.
pub fn playable(
    meta: &ClipMeta,
    stored: Option<Vec<u8>>,
    vault: Option<&Vault>,
) -> Result<Vec<u8>, StudioError> {
    let stored = stored.ok_or(StudioError::MissingData)?;
    if !meta.sealed() {
        return Ok(stored);
    }
    Ok(vault
        .ok_or(StudioError::KeysLoading)?
        .open_stored(&stored)?)
}

/// A clip id from the time (ms since the epoch) and six random bytes: ids only need to
/// be unique on this device.
pub fn new_clip_id(now_ms: f64, random: [u8; 6]) -> String {
    let hex: String = random.iter().map(|b| format!("{b:02x}")).collect();
    format!("clip-{:x}-{hex}", now_ms as u64)
}

/// The download name: `kinora-<first six words of the prompt>-<stamp>.mp4`, words
/// lowercased and joined by `-` (anything not a letter or digit separates words).
pub fn download_name(prompt: &str, stamp: &str) -> String {
    let lowered: String = prompt
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = lowered
        .split('-')
        .filter(|w| !w.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        format!("kinora-{stamp}.mp4")
    } else {
        format!("kinora-{slug}-{stamp}.mp4")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinora_consent::signed::Use;

    use crate::fixtures::{NOW, look};

    fn meta(id: &str, created_ms: f64, cameos: &[&str]) -> ClipMeta {
        ClipMeta {
            id: id.into(),
            title: format!("prompt of {id}"),
            file_name: format!("{id}.mp4"),
            created_ms,
            bytes: 3,
            seconds: 4.0,
            cameos: cameos.iter().map(|c| c.to_string()).collect(),
            cameo_ids: Vec::new(),
            sealed_naming: None,
            recipe: format!("#recipe=1.{id}"),
            report: "No problems found.".into(),
        }
    }

    /// A vault owning @alice, her cameo id and this device's authorization to use her.
    fn alice() -> (Vault, String, Authorization) {
        let mut vault = Vault::new().unwrap();
        let id = vault.create_cameo("alice", look(), None).unwrap();
        let auth = vault.authorize("alice", Use::Generate, NOW).unwrap();
        (vault, id, auth)
    }

    #[test]
    fn a_clip_without_cameos_is_stored_as_is_even_while_the_vault_loads() {
        let m = meta("clip-1", 1.0, &[]);
        let record = ClipRecord::new(m.clone(), b"mp4", &[], None).unwrap();
        assert_eq!(record.listed, m);
        assert_eq!(record.stored_bytes, b"mp4");
        assert_eq!(
            listing(std::slice::from_ref(&record.stored_meta), None),
            vec![m.clone()]
        );
        assert_eq!(
            playable(&m, Some(record.stored_bytes), None).unwrap(),
            b"mp4"
        );
        assert_eq!(playable(&m, None, None), Err(StudioError::MissingData));
    }

    #[test]
    fn a_clip_with_a_cameo_needs_the_vault() {
        let (_, _, auth) = alice();
        let m = meta("clip-1", 1.0, &["alice"]);
        assert_eq!(
            ClipRecord::new(m, b"mp4", &[auth], None),
            Err(StudioError::KeysLoading)
        );
    }

    #[test]
    fn a_sealed_clip_stores_neither_its_prompt_nor_its_cameos_and_opens_with_its_key() {
        let (mut vault, id, auth) = alice();
        let m = meta("clip-1", 1.0, &["alice"]);
        let record = ClipRecord::new(m.clone(), b"mp4 bytes", &[auth], Some(&mut vault)).unwrap();
        assert_eq!(record.listed.cameo_ids, vec![id]);
        assert!(record.listed.sealed());
        // (The recipe holds the prompt: sealed with it. The report's verdict has no words
        // of the prompt and stays readable.)
        assert!(record.stored_meta.contains("No problems found."));
        for secret in [
            "prompt of clip-1",
            "clip-1.mp4",
            "alice",
            "#recipe=1.clip-1",
        ] {
            assert!(
                !record.stored_meta.contains(secret),
                "{secret} in {}",
                record.stored_meta
            );
        }
        assert!(!record.stored_bytes.windows(3).any(|w| w == b"mp4"));
        // Listed again from storage, the words come back.
        let listed = listing(std::slice::from_ref(&record.stored_meta), Some(&vault));
        assert_eq!(listed, vec![record.listed.clone()]);
        assert_eq!(
            (listed[0].title.as_str(), listed[0].cameos.as_slice()),
            (m.title.as_str(), &["alice".to_string()][..])
        );
        assert_eq!(listed[0].recipe, m.recipe);
        assert_eq!(listed[0].cameo_note(), " · with @alice · encrypted");
        assert_eq!(
            playable(&listed[0], Some(record.stored_bytes.clone()), Some(&vault)).unwrap(),
            b"mp4 bytes"
        );
        assert_eq!(
            playable(&listed[0], Some(record.stored_bytes), None),
            Err(StudioError::KeysLoading)
        );
    }

    #[test]
    fn a_revocation_deletes_its_clips_but_a_clip_a_vault_cannot_open_is_kept() {
        let (mut vault, id, auth) = alice();
        let record = ClipRecord::new(
            meta("clip-1", 1.0, &["alice"]),
            b"mp4",
            &[auth],
            Some(&mut vault),
        )
        .unwrap();
        let plain = ClipRecord::new(meta("clip-2", 2.0, &[]), b"mp4", &[], None).unwrap();
        let stored = [record.stored_meta.clone(), plain.stored_meta.clone()];

        // Another device (a vault restored from before): cannot open, keeps the clip.
        let other = Vault::new().unwrap();
        let seen = listing(&stored, Some(&other));
        assert!(
            seen[1].title.starts_with("Encrypted clip"),
            "{}",
            seen[1].title
        );
        assert_eq!(seen[1].file_name, "clip-1.mp4");
        assert!(to_delete(&seen, Some(&other), Vec::new()).is_empty());
        assert!(matches!(
            playable(&seen[1], Some(record.stored_bytes.clone()), Some(&other)),
            Err(StudioError::Consent(_))
        ));

        let (_, outcome) = vault.revoke(&id, NOW).unwrap();
        assert_eq!(outcome.shredded_clips, vec!["clip-1", "clip-1#naming"]);
        let seen = listing(&stored, Some(&vault));
        assert!(seen[1].title.starts_with("Encrypted clip"));
        // On load (nothing shredded just now) and after the revocation, the same clip.
        assert_eq!(to_delete(&seen, Some(&vault), Vec::new()), vec!["clip-1"]);
        assert_eq!(
            to_delete(&seen, Some(&vault), outcome.shredded_clips),
            vec!["clip-1", "clip-1#naming"]
        );
        assert_eq!(
            to_delete(&seen, None, vec!["b".into(), "a".into(), "b".into()]),
            vec!["a", "b"]
        );
    }

    #[test]
    fn the_list_is_newest_first_and_skips_unreadable_descriptions() {
        let stored: Vec<String> = [meta("old", 1.0, &[]), meta("new", 5.0, &[])]
            .iter()
            .map(|m| serde_json::to_string(m).unwrap())
            .chain(["not json".to_string()])
            .collect();
        let ids: Vec<String> = listing(&stored, None).into_iter().map(|m| m.id).collect();
        assert_eq!(ids, vec!["new", "old"]);
    }

    #[test]
    fn clip_ids_and_download_names() {
        assert_eq!(
            new_clip_id(255.9, [0, 1, 2, 0xab, 0xcd, 0xef]),
            "clip-ff-000102abcdef"
        );
        assert_eq!(
            download_name(
                "A red ball — bounces on the GRASS at sunset, slowly",
                "20260101-120000"
            ),
            "kinora-a-red-ball-bounces-on-the-20260101-120000.mp4"
        );
        assert_eq!(download_name("!!!", "s"), "kinora-s.mp4");
    }
}
