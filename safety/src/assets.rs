//! The guardrails' data files: the policy, the name lists and the classifier's three
//! weight files. This is the one place that names them and the one place they are
//! compiled in (`include_bytes!`); everything else takes their bytes (`&[u8]`).
//!
//! The files live beside the code, not in `src/`: `policy/` (written by hand) and
//! `data/` (written by the trainer in `train/`, reproducibly).
//!
//! The word convolution's two files are most of the bytes (4.5 MB of word vectors). They
//! are compiled in only with the `embedded-vectors` feature (native tools and tests); the
//! page fetches them instead, served from `data/` as `models/kinora-guard/`, checked
//! against `data/manifest.json` ([`FETCHED`], [`GuardManifest`]) and cached per version.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::path::PathBuf;

/// One data file: where it lives in this crate and its bytes as compiled in.
#[derive(Debug, Clone, Copy)]
pub struct Asset {
    /// Path relative to the `kinora-safety` crate (`data/word-vectors.bin`).
    pub file: &'static str,
    /// The file's bytes, compiled into the binary.
    pub bytes: &'static [u8],
}

impl Asset {
    /// Where the file is in the source tree this crate was built from: what the trainer
    /// overwrites, and what native tools read to compare. Meaningless in the browser.
    pub fn source_path(&self) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(self.file)
    }
}

/// Names a file once: its path and its compiled-in bytes come from the same literal. The
/// files are `static`, not `const`: a `const` is copied into each use, and the page's
/// wasm carried the classifier's 328 KB twice.
macro_rules! asset {
    ($file:literal) => {
        Asset {
            file: $file,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $file)),
        }
    };
}

/// The prompt policy: categories, word lists, rules, public figures (JSON).
pub static PROMPT_POLICY: Asset = asset!("policy/prompt-policy.json");

/// Given names, surnames, relations and common words for private-name shapes (JSON).
pub static PERSON_NAMES: Asset = asset!("policy/person-names.json");

/// The classifier's hashed n-gram model (`KPC1`, see [`crate::classifier::weights`]).
pub static PROMPT_CLASSIFIER: Asset = asset!("data/prompt-classifier.bin");

/// The classifier's word convolution (`KWC1`, see [`crate::classifier::word_conv`]).
#[cfg(feature = "embedded-vectors")]
pub static WORD_CONV: Asset = asset!("data/word-conv.bin");

/// The word vectors the convolution reads (`KWV1`, see
/// [`crate::classifier::word_vectors`]).
#[cfg(feature = "embedded-vectors")]
pub static WORD_VECTORS: Asset = asset!("data/word-vectors.bin");

/// The files the page fetches rather than carries, in the order
/// [`crate::classifier::PromptClassifier::from_fetched`] takes them: the word
/// convolution, then its word vectors (names within `data/`).
pub const FETCHED: [&str; 2] = ["word-conv.bin", "word-vectors.bin"];

/// Where the manifest of the fetched files lives in this crate.
pub const MANIFEST_FILE: &str = "data/manifest.json";

/// `data/manifest.json`: what the page fetches, with sizes and SHA-256, and a version
/// its cache is keyed on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardManifest {
    /// Changes whenever a file does: the first 16 hex digits of the SHA-256 of the files'
    /// hashes in order.
    pub version: String,
    /// The files, in [`FETCHED`] order.
    pub files: Vec<GuardFile>,
}

/// One fetched file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuardFile {
    /// Name within `data/` (and the served folder).
    pub file: String,
    /// Size in bytes.
    pub bytes: usize,
    /// Lower-case hex SHA-256.
    pub sha256: String,
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl GuardManifest {
    /// The manifest of files with these contents (in [`FETCHED`] order).
    pub fn of(contents: &[(&str, &[u8])]) -> GuardManifest {
        let files: Vec<GuardFile> = contents
            .iter()
            .map(|(file, bytes)| GuardFile {
                file: file.to_string(),
                bytes: bytes.len(),
                sha256: sha256_hex(bytes),
            })
            .collect();
        let joined: String = files.iter().map(|f| f.sha256.as_str()).collect();
        GuardManifest {
            version: sha256_hex(joined.as_bytes())[..16].to_string(),
            files,
        }
    }

    /// Reads the fetched files from this crate's `data/` and writes their manifest (what
    /// the trainers call after writing a file).
    pub fn write_from_source() -> std::io::Result<GuardManifest> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("data");
        let contents: Vec<(&str, Vec<u8>)> = FETCHED
            .iter()
            .map(|f| Ok((*f, std::fs::read(dir.join(f))?)))
            .collect::<std::io::Result<_>>()?;
        let borrowed: Vec<(&str, &[u8])> =
            contents.iter().map(|(f, b)| (*f, b.as_slice())).collect();
        let manifest = GuardManifest::of(&borrowed);
        let json = serde_json::to_string_pretty(&manifest).map_err(std::io::Error::other)?;
        std::fs::write(
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(MANIFEST_FILE),
            json + "\n",
        )?;
        Ok(manifest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "embedded-vectors")]
    fn the_manifest_lists_the_fetched_files_as_compiled_in() {
        let committed: GuardManifest = serde_json::from_str(
            // The runtime manifest dir first: a test binary reused from another clone that
            // shares the cargo target dir must read this checkout's file.
            &std::fs::read_to_string(
                std::env::var_os("CARGO_MANIFEST_DIR")
                    .map_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")), PathBuf::from)
                    .join(MANIFEST_FILE),
            )
            .expect("data/manifest.json"),
        )
        .expect("the manifest parses");
        let expected = GuardManifest::of(&[
            (FETCHED[0], WORD_CONV.bytes),
            (FETCHED[1], WORD_VECTORS.bytes),
        ]);
        assert_eq!(
            committed, expected,
            "data/manifest.json is stale: the trainers rewrite it (GuardManifest::write_from_source)"
        );
        assert_eq!(WORD_CONV.file, format!("data/{}", FETCHED[0]));
        assert_eq!(WORD_VECTORS.file, format!("data/{}", FETCHED[1]));
    }

    #[test]
    fn source_paths_hold_the_compiled_bytes() {
        for asset in [
            PROMPT_POLICY,
            PERSON_NAMES,
            PROMPT_CLASSIFIER,
            #[cfg(feature = "embedded-vectors")]
            WORD_CONV,
            #[cfg(feature = "embedded-vectors")]
            WORD_VECTORS,
        ] {
            // The runtime manifest dir: a test binary reused from another clone (one cargo
            // target dir shared between clones) would otherwise read that clone's files.
            let dir = std::env::var_os("CARGO_MANIFEST_DIR")
                .map(std::path::PathBuf::from)
                .unwrap_or_else(|| std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")));
            let path = dir.join(asset.file);
            let on_disk =
                std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            assert!(on_disk == asset.bytes, "{} differs on disk", asset.file);
        }
    }
}
