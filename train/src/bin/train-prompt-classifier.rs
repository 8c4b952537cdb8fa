//! Trains the prompt classifier on every labelled set and writes the weight file.
//!
//! `cargo run --release --bin train-prompt-classifier -- [--seed N] [--bits B] [--out PATH]`
//! Reads [`kinora_train::dataset::TRAINING_SETS`] (never redteam-holdout5.tsv: that one
//! stays held out).

use kinora_train::dataset::{self, Example, TRAINING_SETS as SETS};
use kinora_train::training::{TrainConfig, example_weight, featurize, train};
use std::error::Error;

fn main() -> Result<(), Box<dyn Error>> {
    let mut config = TrainConfig::default();
    let mut out = String::from("../engine/src/safety/classifier/prompt-classifier.bin");
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).ok_or("flag without value")?;
        match pair[0].as_str() {
            "--seed" => config.seed = value.parse()?,
            "--bits" => config.bits = value.parse()?,
            "--out" => out = value.clone(),
            other => return Err(format!("unknown flag {other}").into()),
        }
    }
    let mut examples: Vec<Example> = Vec::new();
    for path in SETS {
        examples.extend(dataset::parse(&std::fs::read_to_string(path)?, path)?);
    }
    let data = featurize(
        examples
            .iter()
            .map(|e| (e.prompt.as_str(), e.label, example_weight(e.label, &config))),
        config.bits,
    );
    let bytes = train(&data, &config);
    std::fs::write(&out, &bytes)?;
    println!(
        "trained on {} prompts, wrote {out} ({} bytes)",
        examples.len(),
        bytes.len()
    );
    Ok(())
}
