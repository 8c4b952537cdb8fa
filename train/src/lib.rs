//! Training and evaluation of Kinora's models, natively. One model definition serves
//! training and inference: the trainer writes exactly the weight format the engine loads
//! (`kinora_engine::safety::classifier`).
//!
//! Today: the prompt classifier.
//! - `cargo run --release -p kinora-train --bin train-prompt-classifier` (in `train/`)
//!   writes `engine/src/safety/classifier/prompt-classifier.bin` reproducibly (same bytes
//!   for the same seed and data).
//! - `cargo run --release -p kinora-train --bin cv-prompt-classifier` (in `train/`):
//!   stratified 5-fold cross-validation on the two tuning red-team sets, thresholds
//!   chosen by inner cross-validation. `engine/tests/data/redteam-holdout2.tsv` is never
//!   read here: it stays held out.

pub mod dataset;
pub mod training;
