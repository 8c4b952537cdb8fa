//! Our own WGSL compute kernels (sources in `shaders/`), each with a Rust wrapper that
//! states its bindings, checks its shapes against the adapter's limits, and dispatches it
//! on the device burn shares.

pub mod q8_matmul;
