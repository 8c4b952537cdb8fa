//! Trains the prompt classifier on every labelled set and writes the weight file.
//!
//! `cargo run --release --bin train-prompt-classifier -- [--out PATH] [training flags:
//! --seed N --bits B --epochs E --lr X --l2 X --benign-weight X]`
//! Reads [`kinora_train::dataset::TRAINING_SETS`] (never redteam-holdout5.tsv: that one
//! stays held out).

use kinora_train::dataset::{self, TRAINING_SETS as SETS};
use kinora_train::training::{TrainConfig, featurize_examples, train};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut config = TrainConfig::default();
    let mut out = String::from("../engine/src/safety/classifier/prompt-classifier.bin");
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        if !config.set_flag(&pair[0], value)? {
            match pair[0].as_str() {
                "--out" => out = value.clone(),
                other => return Err(format!("unknown flag {other}").into()),
            }
        }
    }
    let examples = dataset::read_all(SETS)?;
    let bytes = train(&featurize_examples(&examples, &config), &config);
    std::fs::write(&out, &bytes)?;
    println!(
        "trained on {} prompts, wrote {out} ({} bytes)",
        examples.len(),
        bytes.len()
    );
    Ok(())
}
