//! Kinora's engine: everything that runs on the user's device, compiled to wasm for the
//! browser and natively for tests and the CLI.
//!
//! This first slice holds the foundation the models will stand on: the GPU device shared
//! between burn and our own WGSL kernels ([`device`]), the per-block int8 weight format
//! ([`quant`]), the fused dequantize-matmul kernel ([`kernels::q8_matmul`]), the CPU
//! fallback on burn `flex` ([`cpu_ops`]), the self-test the UI runs ([`selftest`]) and the
//! prompt guardrails that refuse disallowed prompts before any compute ([`safety`]), and
//! cameo consent: signed grants, revocation and crypto-shredding ([`cameo`]); and
//! the export: MP4 assembly ([`assembly`]), AI-generated marks ([`provenance`]) and recipe
//! links ([`recipe`]).
#![deny(missing_docs)]

pub mod assembly;
#[cfg(target_family = "wasm")]
mod browser_adapter;
pub mod cameo;
pub mod cpu_ops;
pub mod device;
mod error;
pub mod kernels;
pub mod provenance;
pub mod quant;
mod readback;
pub mod recipe;
pub mod safety;
pub mod selftest;

pub use error::EngineError;
