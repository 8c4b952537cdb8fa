//! The whole gallery as one file, to move it to another browser or keep a copy.
//!
//! The file holds each clip *as stored*: its stored description and its stored bytes, so
//! a clip sealed under its cameos' keys stays sealed (its description names neither its
//! prompt nor its cameos, its bytes are the sealed form), and opens only where the vault
//! holds those keys. JSON with base64 bytes: larger than a binary container by a third,
//! but readable by any tool and parsed here by serde alone.
//!
//! An import checks every entry before any is stored (a damaged file changes nothing)
//! and skips clips already in the gallery, so importing the same file twice is harmless.

use crate::gallery::ClipMeta;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The format's name, first in the file.
pub const FORMAT: &str = "kinora-gallery";
/// The format's version.
pub const VERSION: u32 = 1;

/// Why a gallery file was refused.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ArchiveError {
    /// Not JSON, or not a Kinora gallery.
    #[error("this is not a Kinora gallery file")]
    NotAGallery,
    /// A newer format.
    #[error("this gallery file is version {0}; this page reads version {VERSION}")]
    Version(u32),
    /// An entry that does not hold a readable clip.
    #[error("clip {index} in the file is damaged: {reason}")]
    Damaged {
        /// 1-based position in the file.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The file could not be written.
    #[error("the gallery file could not be written: {0}")]
    Write(String),
}

/// One clip as stored: description JSON and bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredClip {
    /// Its id (the storage key).
    pub id: String,
    /// The stored description (for a sealed clip, without its words).
    pub meta_json: String,
    /// The stored bytes (the MP4 or its sealed form).
    pub bytes: Vec<u8>,
}

#[derive(Serialize, Deserialize)]
struct File {
    format: String,
    version: u32,
    clips: Vec<Entry>,
}

#[derive(Serialize, Deserialize)]
struct Entry {
    meta: String,
    bytes: String,
}

/// Writes stored clips as one gallery file.
pub fn pack(clips: &[StoredClip]) -> Result<Vec<u8>, ArchiveError> {
    let file = File {
        format: FORMAT.into(),
        version: VERSION,
        clips: clips
            .iter()
            .map(|c| Entry {
                meta: c.meta_json.clone(),
                bytes: STANDARD.encode(&c.bytes),
            })
            .collect(),
    };
    serde_json::to_vec(&file).map_err(|e| ArchiveError::Write(e.to_string()))
}

/// Reads a gallery file: every clip checked (a description that parses, a storage-safe
/// id, bytes of the size it states — a sealed clip's bytes are checked when opened),
/// or an error naming the first damaged one.
pub fn unpack(bytes: &[u8]) -> Result<Vec<StoredClip>, ArchiveError> {
    let value: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|_| ArchiveError::NotAGallery)?;
    if value.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(ArchiveError::NotAGallery);
    }
    let version = value.get("version").and_then(|v| v.as_u64()).unwrap_or(0) as u32;
    if version != VERSION {
        return Err(ArchiveError::Version(version));
    }
    let file: File = serde_json::from_value(value).map_err(|_| ArchiveError::NotAGallery)?;
    file.clips
        .into_iter()
        .enumerate()
        .map(|(i, entry)| {
            let damaged = |reason: &str| ArchiveError::Damaged {
                index: i + 1,
                reason: reason.into(),
            };
            let meta: ClipMeta = serde_json::from_str(&entry.meta)
                .map_err(|_| damaged("its description is not readable"))?;
            if !safe_id(&meta.id) {
                return Err(damaged("its id is not a gallery id"));
            }
            let data = STANDARD
                .decode(entry.bytes.as_bytes())
                .map_err(|_| damaged("its data is not valid base64"))?;
            if data.is_empty() || (!meta.sealed() && data.len() != meta.bytes) {
                return Err(damaged("its data is truncated"));
            }
            Ok(StoredClip {
                id: meta.id,
                meta_json: entry.meta,
                bytes: data,
            })
        })
        .collect()
}

/// Ids this page makes (`clip-<hex>-<hex>`): short, ASCII letters, digits and `-`.
fn safe_id(id: &str) -> bool {
    id.starts_with("clip-")
        && id.len() <= 64
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// The clips of `incoming` whose ids are not in `existing` (an import adds, never replaces).
pub fn new_clips(incoming: Vec<StoredClip>, existing: &[String]) -> Vec<StoredClip> {
    incoming
        .into_iter()
        .filter(|c| !existing.contains(&c.id))
        .collect()
}

/// The download name of a gallery file made at `stamp`.
pub fn file_name(stamp: &str) -> String {
    format!("kinora-gallery-{stamp}.json")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{NOW, look};
    use crate::gallery::ClipRecord;
    use kinora_consent::signed::Use;
    use kinora_consent::vault::Vault;

    fn meta(id: &str, bytes: usize) -> ClipMeta {
        ClipMeta {
            id: id.into(),
            title: "a red ball bounces".into(),
            file_name: "kinora-a-red-ball.mp4".into(),
            created_ms: 1.0,
            bytes,
            seconds: 2.0,
            cameos: Vec::new(),
            cameo_ids: Vec::new(),
            sealed_naming: None,
            recipe: "#recipe=1.abc".into(),
            report: "no findings".into(),
        }
    }

    fn stored(record: &ClipRecord) -> StoredClip {
        StoredClip {
            id: record.listed.id.clone(),
            meta_json: record.stored_meta.clone(),
            bytes: record.stored_bytes.clone(),
        }
    }

    #[test]
    fn a_gallery_round_trips_and_a_sealed_clip_stays_sealed() {
        let mut vault = Vault::new().expect("vault");
        vault.create_cameo("ada", look(), None).expect("cameo");
        let auth = vault
            .authorize("ada", Use::Generate, NOW)
            .expect("own cameo is usable");
        let plain = ClipRecord::new(meta("clip-1-aa", 5), b"plain", &[], None).expect("plain");
        let mut secret_meta = meta("clip-2-bb", 6);
        secret_meta.title = "@ada waves".into();
        let sealed =
            ClipRecord::new(secret_meta, b"secret", &[auth], Some(&mut vault)).expect("sealed");
        let file = pack(&[stored(&plain), stored(&sealed)]).expect("pack");
        let text = String::from_utf8(file.clone()).expect("json");
        assert!(
            !text.contains("ada waves"),
            "a sealed clip's words stay sealed"
        );
        let back = unpack(&file).expect("unpack");
        assert_eq!(back, vec![stored(&plain), stored(&sealed)]);
        assert_ne!(
            back[1].bytes, b"secret",
            "a sealed clip's bytes stay sealed"
        );
        assert_eq!(vault.open_stored(&back[1].bytes).expect("opens"), b"secret");
    }

    #[test]
    fn damaged_or_foreign_files_are_refused_with_a_reason() {
        assert_eq!(unpack(b"not json"), Err(ArchiveError::NotAGallery));
        assert_eq!(
            unpack(b"{\"format\":\"zip\"}"),
            Err(ArchiveError::NotAGallery)
        );
        assert_eq!(
            unpack(br#"{"format":"kinora-gallery","version":9,"clips":[]}"#),
            Err(ArchiveError::Version(9))
        );
        let good = StoredClip {
            id: "clip-1-aa".into(),
            meta_json: serde_json::to_string(&meta("clip-1-aa", 5)).expect("json"),
            bytes: b"plain".to_vec(),
        };
        let truncated = StoredClip {
            bytes: b"pla".to_vec(),
            ..good.clone()
        };
        let file = pack(&[good.clone(), truncated]).expect("pack");
        assert!(matches!(
            unpack(&file),
            Err(ArchiveError::Damaged { index: 2, .. })
        ));
        let escaping = StoredClip {
            id: "../x".into(),
            meta_json: serde_json::to_string(&meta("../x", 5)).expect("json"),
            ..good
        };
        assert!(matches!(
            unpack(&pack(&[escaping]).expect("pack")),
            Err(ArchiveError::Damaged { index: 1, .. })
        ));
    }

    #[test]
    fn an_import_adds_only_clips_not_already_here() {
        let clip = |id: &str| StoredClip {
            id: id.into(),
            meta_json: String::new(),
            bytes: vec![1],
        };
        let kept = new_clips(
            vec![clip("clip-1-a"), clip("clip-2-b")],
            &["clip-1-a".to_string()],
        );
        assert_eq!(kept, vec![clip("clip-2-b")]);
    }
}
