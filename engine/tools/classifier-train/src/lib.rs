//! Scratch crate for Kinora's learned prompt classifier.
//!
//! - [`prompt_classifier`]: the product module (copy into the engine).
//! - [`training`]: the trainer and cross-validation logic (native tools only).
//! - [`rules_baseline`]: an evaluation copy of the engine's rule matcher.
//! - [`dataset`]: TSV reading for the tools.

pub mod dataset;
pub mod prompt_classifier;
pub mod rules_baseline;
pub mod training;
