//! The guardrails' data files: the policy, the name lists and the classifier's three
//! weight files. This is the one place that names them and the one place they are
//! compiled in (`include_bytes!`); everything else takes their bytes (`&[u8]`), so the
//! browser can later fetch and cache them instead of carrying them in the wasm module.
//!
//! The files live beside the code, not in `src/`: `policy/` (written by hand) and
//! `data/` (written by the trainer in `train/`, reproducibly).

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

/// Names a file once: its path and its compiled-in bytes come from the same literal.
macro_rules! asset {
    ($file:literal) => {
        Asset {
            file: $file,
            bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/", $file)),
        }
    };
}

/// The prompt policy: categories, word lists, rules, public figures (JSON).
pub const PROMPT_POLICY: Asset = asset!("policy/prompt-policy.json");

/// Given names, surnames, relations and common words for private-name shapes (JSON).
pub const PERSON_NAMES: Asset = asset!("policy/person-names.json");

/// The classifier's hashed n-gram model (`KPC1`, see [`crate::classifier::weights`]).
pub const PROMPT_CLASSIFIER: Asset = asset!("data/prompt-classifier.bin");

/// The classifier's word convolution (`KWC1`, see [`crate::classifier::word_conv`]).
pub const WORD_CONV: Asset = asset!("data/word-conv.bin");

/// The word vectors the convolution reads (`KWV1`, see
/// [`crate::classifier::word_vectors`]).
pub const WORD_VECTORS: Asset = asset!("data/word-vectors.bin");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_paths_hold_the_compiled_bytes() {
        for asset in [
            PROMPT_POLICY,
            PERSON_NAMES,
            PROMPT_CLASSIFIER,
            WORD_CONV,
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
