//! Trains the prompt classifier on every labelled set and writes its two weight files:
//! the hashed n-gram model and the word convolution (over the committed word vectors),
//! by default over the shipped ones in `safety/data/`.
//!
//! `cargo run --release -p kinora-train --bin train-prompt-classifier -- [--out PATH]
//! [--conv-out PATH] [n-gram flags: --seed N --bits B --epochs E --lr X --l2 X
//! --benign-weight X] [convolution flags: --channels N --conv-epochs E --conv-lr X
//! --batch N --word-dropout X --channel-dropout X --conv-benign-weight X --conv-seed N]`
//! Reads [`kinora_train::dataset::TRAINING_SETS`] (never the held-out red-team sets 6
//! and 7).

use kinora_safety::assets;
use kinora_train::train_prompt_classifier;
use kinora_train::training::TrainConfig;
use kinora_train::word_conv_training::ConvConfig;
use std::error::Error;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn Error>> {
    let mut config = TrainConfig::default();
    let mut conv = ConvConfig::default();
    let mut out = assets::PROMPT_CLASSIFIER.source_path();
    let mut conv_out = assets::WORD_CONV.source_path();
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        if !config.set_flag(&pair[0], value)? && !conv.set_flag(&pair[0], value)? {
            match pair[0].as_str() {
                "--out" => out = PathBuf::from(value),
                "--conv-out" => conv_out = PathBuf::from(value),
                other => return Err(format!("unknown flag {other}").into()),
            }
        }
    }
    let trained = train_prompt_classifier(&config, &conv)?;
    std::fs::write(&out, &trained.ngram_weights).map_err(|e| format!("{}: {e}", out.display()))?;
    std::fs::write(&conv_out, &trained.word_conv)
        .map_err(|e| format!("{}: {e}", conv_out.display()))?;
    println!(
        "trained on {} prompts, wrote {} ({} bytes) and {} ({} bytes)",
        trained.examples,
        out.display(),
        trained.ngram_weights.len(),
        conv_out.display(),
        trained.word_conv.len()
    );
    if conv_out == assets::WORD_CONV.source_path() {
        // The page fetches the convolution by this manifest's hashes.
        let m = assets::GuardManifest::write_from_source()?;
        println!("wrote {} (version {})", assets::MANIFEST_FILE, m.version);
    }
    Ok(())
}
