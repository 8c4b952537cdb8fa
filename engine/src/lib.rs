//! Kinora's engine: where tensors run, on the user's device — compiled to wasm for the
//! browser and natively for tests and the CLI.
//!
//! The foundation the models stand on: the GPU device shared between burn and our own
//! WGSL kernels ([`device`]), the per-block int8/int4 weight format ([`quant`]), our
//! kernels — the fused dequantize-matmul ([`kernels::block_matmul`]) and attention
//! without a score matrix ([`kernels::attention`]) — the CPU fallback on burn `flex`
//! ([`cpu_ops`]) and the self-test the UI runs ([`selftest`]).
//!
//! Only this crate (and what runs models through it) depends on burn and wgpu. The jobs
//! around generation are crates of their own that never touch a tensor: guardrails
//! (`kinora-safety`), cameo consent (`kinora-consent`), export (`kinora-media`),
//! AI-generated marks (`kinora-provenance`) and recipe links (`kinora-recipe`).
#![deny(missing_docs)]

#[cfg(target_family = "wasm")]
mod browser_adapter;
pub mod cpu_ops;
pub mod device;
mod error;
pub mod kernels;
pub mod models;
pub mod quant;
mod readback;
pub mod selftest;

pub use error::EngineError;
