//! The engine's error type: every failure a caller can meet, each with a message a
//! person can act on.

use thiserror::Error;

/// Everything that can go wrong in the engine.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum EngineError {
    /// No GPU adapter: WebGPU missing in the browser, or no Vulkan/Metal/DX12 driver.
    #[error("no GPU adapter available: {0}")]
    NoAdapter(String),
    /// The adapter was found but refused to create a device.
    #[error("the GPU adapter refused to create a device: {0}")]
    DeviceRequest(String),
    /// burn could not take over the device we created.
    #[error("could not start burn on the GPU device: {0}")]
    BurnInit(String),
    /// A tensor or matrix shape the operation cannot take.
    #[error("invalid shape: {0}")]
    InvalidShape(String),
    /// A weight was NaN or infinite, so it cannot be quantized.
    #[error("weight {index} is not a finite number")]
    NonFiniteWeight {
        /// Flat index of the offending weight.
        index: usize,
    },
    /// The problem needs more than the adapter allows.
    #[error("exceeds the adapter's limit {limit}: needs {needed}, adapter allows {allowed}")]
    LimitExceeded {
        /// Which limit.
        limit: &'static str,
        /// What this problem needs.
        needed: u64,
        /// What the adapter allows.
        allowed: u64,
    },
    /// Reading a result back from the GPU failed (device lost, mapping refused).
    #[error("reading results back from the GPU failed: {0}")]
    Readback(String),
    /// The GPU rejected a kernel or its inputs (a validation error or out of memory),
    /// reported instead of the panic wgpu's default handler would raise.
    #[error("the GPU rejected the work: {0}")]
    GpuRejected(String),
    /// A burn tensor operation failed.
    #[error("tensor operation failed: {0}")]
    Tensor(String),
}
