//! Fused block-quantized (int8 or int4) dequantize + matmul on the GPU
//! (`shaders/block_matmul.wgsl`).
//!
//! Bindings (group 0): 0 `x` f32 `[M, K]`, 1 packed weights (u32 words), 2 scales
//! `[N, K/32]` f32, 3 output `y` f32 `[M, N]`, 4 uniform [`BlockMatmulMeta`]. The bit width
//! is the shader's `BITS` override, fixed when the pipeline is compiled. Workgroup 16×4,
//! an 8×8 output block per invocation (128 rows × 32 columns per workgroup); dispatch
//! `(⌈N/32⌉, ⌈M/128⌉, 1)`. Supported: any M, N ≥ 1; K a non-zero multiple of 32 (see
//! [`crate::quant`]).

use super::{
    Compiled, Prepared, captured, check_limits, compile, dispatch, output, storage, uniform,
};
use crate::EngineError;
use crate::device::Gpu;
use crate::quant::{BlockQMatrix, QuantBits, check_block_shape};

const SOURCE: &str = include_str!("../../../shaders/block_matmul.wgsl");
/// Output rows one workgroup covers (16 invocations × 8 rows).
pub const ROWS_PER_GROUP: u32 = 128;
/// Output columns one workgroup covers (4 invocations × 8 columns).
pub const COLS_PER_GROUP: u32 = 32;

/// The uniform block of the kernel (`struct Params` in the WGSL).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct BlockMatmulMeta {
    /// Rows of `x` and `y`.
    pub m: u32,
    /// Rows of the weight matrix, columns of `y`.
    pub n: u32,
    /// Inner dimension.
    pub k: u32,
    /// `k / 32`.
    pub blocks_per_row: u32,
}
const _: () = assert!(std::mem::size_of::<BlockMatmulMeta>() == 16);

/// The compiled pipeline for one bit width; build once per device and reuse.
#[derive(Debug)]
pub struct BlockMatmul {
    compiled: Compiled,
    bits: QuantBits,
}

/// A matmul whose inputs are already on the GPU: dispatch it as often as you like.
pub type PreparedBlockMatmul = Prepared<BlockMatmul>;

impl BlockMatmul {
    /// Compiles the kernel for `bits` on `gpu`.
    ///
    /// # Errors
    /// [`EngineError::GpuRejected`] when the device refuses the shader.
    pub async fn new(gpu: &Gpu, bits: QuantBits) -> Result<Self, EngineError> {
        let label = format!("block_matmul {}", bits.name());
        let constants = [("BITS", f64::from(bits.bits()))];
        let compiled = compile(gpu, &label, SOURCE, &constants).await?;
        Ok(Self { compiled, bits })
    }

    /// The bit width this pipeline was compiled for.
    pub fn bits(&self) -> QuantBits {
        self.bits
    }

    /// Uploads `x` (`[m, w.k]`) and `w`, and allocates the output.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] for mismatched sizes or a matrix of the other bit
    /// width, [`EngineError::LimitExceeded`] when a buffer or the dispatch grid is larger
    /// than the adapter allows, [`EngineError::GpuRejected`] when the device refuses the
    /// buffers (out of memory).
    pub async fn prepare(
        &self,
        gpu: &Gpu,
        x: &[f32],
        m: usize,
        w: &BlockQMatrix,
    ) -> Result<PreparedBlockMatmul, EngineError> {
        check_block_shape(w.n, w.k)?;
        if w.bits != self.bits {
            return Err(EngineError::InvalidShape(format!(
                "{} weights given to the {} kernel",
                w.bits.name(),
                self.bits.name()
            )));
        }
        if m == 0 || x.len() != m * w.k {
            return Err(EngineError::InvalidShape(format!(
                "x holds {} values, expected m·k = {m}·{} with m > 0",
                x.len(),
                w.k
            )));
        }
        let meta = BlockMatmulMeta {
            m: m as u32,
            n: w.n as u32,
            k: w.k as u32,
            blocks_per_row: w.blocks_per_row() as u32,
        };
        // In u64: wasm's usize is 32 bits, and these products can pass 4 GiB.
        let bytes = |values: usize, per: usize| 4 * values as u64 * per as u64;
        let largest = bytes(m, w.k.max(w.n)).max(bytes(w.packed.len(), 1));
        let grid = (
            meta.n.div_ceil(COLS_PER_GROUP),
            meta.m.div_ceil(ROWS_PER_GROUP),
            1,
        );
        check_limits(gpu, largest, grid)?;
        captured(gpu, || {
            let x_buf = storage(gpu, "matmul x", bytemuck::cast_slice(x));
            let w_buf = storage(gpu, "matmul weights", bytemuck::cast_slice(&w.packed));
            let s_buf = storage(gpu, "matmul scales", bytemuck::cast_slice(&w.scales));
            let y = output(gpu, "matmul y", bytes(m, w.n));
            let meta_buf = uniform(gpu, "matmul meta", bytemuck::bytes_of(&meta));
            Prepared::new(
                gpu,
                &self.compiled,
                &[&x_buf, &w_buf, &s_buf, &y, &meta_buf],
                y.clone(),
                grid,
                m * w.n,
            )
        })
        .await
    }

    /// Submits `repeats` dispatches of a prepared problem (one command buffer).
    pub fn dispatch(&self, gpu: &Gpu, problem: &PreparedBlockMatmul, repeats: u32) {
        dispatch(gpu, &self.compiled, problem, repeats);
    }

    /// One-shot convenience: `y = x · dequant(w)ᵀ`.
    ///
    /// # Shapes
    /// `x`: `[m, w.k]` row-major → `[m, w.n]` row-major.
    pub async fn run(
        &self,
        gpu: &Gpu,
        x: &[f32],
        m: usize,
        w: &BlockQMatrix,
    ) -> Result<Vec<f32>, EngineError> {
        let problem = self.prepare(gpu, x, m, w).await?;
        self.dispatch(gpu, &problem, 1);
        problem.read_output(gpu).await
    }
}
