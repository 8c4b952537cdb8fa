//! kinora-media: turning a generated clip into a file people can play and share — an
//! MP4 with H.264 video and AAC audio, fast-start, flagged as AI-generated.
//!
//! Pure Rust, no tensors: the same code runs in the browser (wasm) and in the CLI, and
//! its tests link neither burn nor wgpu. It depends on `kinora-provenance` for the marks
//! it writes (watermark, content credentials); nothing here knows about models.
//!
//! The steps, each its own module:
//! 1. [`clip`]: the frames + soundtrack a generation produced, validated.
//! 2. [`label`]: the visible "AI" corner mark, drawn into the RGB frames.
//! 3. [`colour`]: RGB → I420 (BT.601, limited range), the encoders' input; the invisible
//!    watermark ([`kinora_provenance::watermark`]) goes into its luma plane.
//! 4. [`video`]: H.264 encoding. The browser prefers WebCodecs (done by the app, which
//!    hands back Annex B access units); everywhere else our pure-Rust encoder
//!    ([`h264`]).
//! 5. [`audio`]: AAC-LC encoding (WebCodecs cannot encode AAC in Chromium on Linux, so
//!    this is always ours).
//! 6. [`mux`]: both streams into one fast-start MP4 with exact timestamps.
//! 7. The C2PA manifest is signed into the finished file
//!    ([`kinora_provenance::content_credentials`]).
//!
//! [`export`] runs all of it in one call (the CLI and the native tests); the browser runs
//! the same functions step by step so it can show progress and hand frames to WebCodecs.
#![deny(missing_docs)]

pub mod aac;
pub mod audio;
pub mod clip;
pub mod colour;
mod error;
pub mod export;
pub mod h264;
pub mod import;
pub mod label;
pub mod mux;
pub mod video;

pub use error::AssemblyError;
