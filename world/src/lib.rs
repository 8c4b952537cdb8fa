//! Kinora's procedural world: a scene grammar with prompt text, a deterministic renderer and
//! audio synth, a sharded dataset writer, and a judge that scores clips from pixels and audio
//! alone. It is both the training data and the evaluation of Kinora's generative models.
//!
//! Native only: the browser build never ships this crate.
//!
//! Map: [`scene`] (grammar) → [`sample`] (random scenes, held-out compositions) →
//! [`text`] / [`parse`] (prompts both ways) → [`physics`] (analytic motion, exact contact
//! times) → [`render`] + [`audio`] (+ [`speech`]) → [`clip`] → [`dataset`] (shards) and
//! [`judge`] (pixels + audio → report and adherence score), validated by [`eval`] with
//! [`faults`]. [`io`] writes contact sheets and WAVs; the `world` binary wraps it all.
#![deny(missing_docs)]

pub mod audio;
pub mod clip;
pub mod dataset;
pub mod eval;
pub mod faults;
pub mod io;
pub mod judge;
pub mod parse;
pub mod physics;
pub mod render;
pub mod rng;
pub mod sample;
pub mod scene;
pub mod speech;
pub mod text;

/// Errors of the world crate.
#[derive(Debug, thiserror::Error)]
pub enum WorldError {
    /// An unsupported render configuration.
    #[error("invalid render config: {0}")]
    Config(String),
    /// File system or stream error.
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    /// JSON metadata error.
    #[error("json: {0}")]
    Json(#[from] serde_json::Error),
    /// PNG encoding error.
    #[error("png: {0}")]
    Png(#[from] png::EncodingError),
    /// A malformed dataset shard.
    #[error("bad shard: {0}")]
    Shard(String),
    /// A prompt that could not be parsed.
    #[error(transparent)]
    Parse(#[from] parse::ParseError),
}
