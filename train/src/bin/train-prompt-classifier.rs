//! Trains the prompt classifier on every labelled set and writes its two weight files:
//! the hashed n-gram model and the word convolution (over the committed word vectors).
//!
//! `cargo run --release --bin train-prompt-classifier -- [--out PATH] [--conv-out PATH]
//! [n-gram flags: --seed N --bits B --epochs E --lr X --l2 X --benign-weight X]
//! [convolution flags: --channels N --conv-epochs E --conv-lr X --batch N
//! --word-dropout X --channel-dropout X --conv-benign-weight X --conv-seed N]`
//! Reads [`kinora_train::dataset::TRAINING_SETS`] (never the held-out red-team sets 6 and 7).

use kinora_engine::safety::classifier::PromptClassifier;
use kinora_train::dataset::{self, TRAINING_SETS as SETS};
use kinora_train::training::{TrainConfig, featurize_examples, train};
use kinora_train::word_conv_training::{ConvConfig, embed_examples, train_word_conv};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut config = TrainConfig::default();
    let mut conv = ConvConfig::default();
    let mut out = String::from("../engine/src/safety/classifier/prompt-classifier.bin");
    let mut conv_out = String::from("../engine/src/safety/classifier/word-conv.bin");
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        if !config.set_flag(&pair[0], value)? && !conv.set_flag(&pair[0], value)? {
            match pair[0].as_str() {
                "--out" => out = value.clone(),
                "--conv-out" => conv_out = value.clone(),
                other => return Err(format!("unknown flag {other}").into()),
            }
        }
    }
    let examples = dataset::read_all(SETS)?;
    let bytes = train(&featurize_examples(&examples, &config), &config);
    std::fs::write(&out, &bytes).map_err(|e| format!("{out}: {e}"))?;
    let vectors = PromptClassifier::builtin_word_vectors()?;
    let net = train_word_conv(
        &embed_examples(&examples, &vectors, &conv),
        vectors.dims(),
        &conv,
    );
    let conv_bytes = net.encode();
    std::fs::write(&conv_out, &conv_bytes).map_err(|e| format!("{conv_out}: {e}"))?;
    println!(
        "trained on {} prompts, wrote {out} ({} bytes) and {conv_out} ({} bytes)",
        examples.len(),
        bytes.len(),
        conv_bytes.len()
    );
    Ok(())
}
