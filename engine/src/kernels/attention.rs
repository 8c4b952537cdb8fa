//! Attention without a score matrix on the GPU (`shaders/attention.wgsl`): one
//! invocation per query row, keys walked four at a time with the online softmax, so the
//! memory a query needs does not grow with the number of keys.
//!
//! Bindings (group 0): 0 `q` `[G, N, D]`, 1 `k` `[G, M, D]`, 2 `v` `[G, M, D]`, 3 additive
//! key `bias` `[G / heads, M]`, 4 output `[G, N, D]`, 5 uniform [`AttentionMeta`]; all f32
//! row-major, G = batch × heads. The head width D is the shader's `HEAD_QUADS` override ×
//! 4, fixed when the pipeline is compiled (a multiple of 4, at most [`MAX_HEAD_DIM`]).
//! Workgroup 64 query rows of one group; dispatch `(⌈N/64⌉, G, 1)`.

use super::{
    Compiled, Prepared, captured, check_limits, compile, dispatch, output, storage, uniform,
};
use crate::EngineError;
use crate::device::Gpu;

const SOURCE: &str = include_str!("../../../shaders/attention.wgsl");
/// Query rows one workgroup covers.
pub const ROWS_PER_GROUP: u32 = 64;
/// The widest head the kernel holds in registers.
pub const MAX_HEAD_DIM: usize = 32;

/// The uniform block of the kernel (`struct Params` in the WGSL).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct AttentionMeta {
    /// Queries per group.
    pub n: u32,
    /// Keys per group.
    pub m: u32,
    /// Groups that share one bias row (the heads of one batch item).
    pub heads: u32,
    /// Score scale, `1 / sqrt(D)`.
    pub scale: f32,
}
const _: () = assert!(std::mem::size_of::<AttentionMeta>() == 16);

/// The sizes of one attention problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttentionShape {
    /// Batch items.
    pub batch: usize,
    /// Heads per item.
    pub heads: usize,
    /// Query rows.
    pub queries: usize,
    /// Key (and value) rows.
    pub keys: usize,
    /// Head width.
    pub head_dim: usize,
}

impl AttentionShape {
    /// Head groups, `batch × heads`.
    pub fn groups(&self) -> usize {
        self.batch * self.heads
    }

    pub(crate) fn check(
        &self,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        bias: &[f32],
    ) -> Result<(), EngineError> {
        let g = self.groups();
        let sizes = [
            ("q", q.len(), g * self.queries * self.head_dim),
            ("k", k.len(), g * self.keys * self.head_dim),
            ("v", v.len(), g * self.keys * self.head_dim),
            ("bias", bias.len(), self.batch * self.keys),
        ];
        if g == 0 || self.queries == 0 || self.keys == 0 {
            return Err(EngineError::InvalidShape(format!(
                "attention needs at least one group, query and key: {self:?}"
            )));
        }
        for (name, got, want) in sizes {
            if got != want {
                return Err(EngineError::InvalidShape(format!(
                    "attention {name} holds {got} values, expected {want} for {self:?}"
                )));
            }
        }
        Ok(())
    }
}

/// The compiled pipeline for one head width; build once per device and reuse.
#[derive(Debug)]
pub struct Attention {
    compiled: Compiled,
    head_dim: usize,
}

/// An attention problem whose inputs are already on the GPU.
pub type PreparedAttention = Prepared<Attention>;

impl Attention {
    /// Compiles the kernel for heads of `head_dim` values.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] when `head_dim` is not a multiple of 4 in
    /// 4..=[`MAX_HEAD_DIM`]; [`EngineError::GpuRejected`] when the device refuses it.
    pub async fn new(gpu: &Gpu, head_dim: usize) -> Result<Self, EngineError> {
        if head_dim == 0 || !head_dim.is_multiple_of(4) || head_dim > MAX_HEAD_DIM {
            return Err(EngineError::InvalidShape(format!(
                "attention heads must be 4..={MAX_HEAD_DIM} wide in steps of 4, got {head_dim}"
            )));
        }
        let constants = [("HEAD_QUADS", (head_dim / 4) as f64)];
        let compiled = compile(gpu, "attention", SOURCE, &constants).await?;
        Ok(Self { compiled, head_dim })
    }

    /// Uploads one problem. `bias` is added to every score of a key (0 to use it, a
    /// large negative number to mask it), one row per batch item.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] for inconsistent sizes,
    /// [`EngineError::LimitExceeded`] / [`EngineError::GpuRejected`] as for the matmul.
    pub async fn prepare(
        &self,
        gpu: &Gpu,
        shape: AttentionShape,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        bias: &[f32],
    ) -> Result<PreparedAttention, EngineError> {
        if shape.head_dim != self.head_dim {
            return Err(EngineError::InvalidShape(format!(
                "heads of {} given to the kernel for {}",
                shape.head_dim, self.head_dim
            )));
        }
        shape.check(q, k, v, bias)?;
        let meta = AttentionMeta {
            n: shape.queries as u32,
            m: shape.keys as u32,
            heads: shape.heads as u32,
            scale: 1.0 / (shape.head_dim as f32).sqrt(),
        };
        let largest = 4 * q.len().max(k.len()) as u64; // u64: wasm's usize is 32 bits
        let grid = (meta.n.div_ceil(ROWS_PER_GROUP), shape.groups() as u32, 1);
        check_limits(gpu, largest, grid)?;
        captured(gpu, || {
            let out = output(gpu, "attention out", 4 * q.len() as u64);
            let buffers = [
                &storage(gpu, "attention q", bytemuck::cast_slice(q)),
                &storage(gpu, "attention k", bytemuck::cast_slice(k)),
                &storage(gpu, "attention v", bytemuck::cast_slice(v)),
                &storage(gpu, "attention bias", bytemuck::cast_slice(bias)),
                &out,
                &uniform(gpu, "attention meta", bytemuck::bytes_of(&meta)),
            ];
            Prepared::new(gpu, &self.compiled, &buffers, out.clone(), grid, q.len())
        })
        .await
    }

    /// Submits `repeats` dispatches of a prepared problem.
    pub fn dispatch(&self, gpu: &Gpu, problem: &PreparedAttention, repeats: u32) {
        dispatch(gpu, &self.compiled, problem, repeats);
    }

    /// One-shot convenience.
    pub async fn run(
        &self,
        gpu: &Gpu,
        shape: AttentionShape,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        bias: &[f32],
    ) -> Result<Vec<f32>, EngineError> {
        let problem = self.prepare(gpu, shape, q, k, v, bias).await?;
        self.dispatch(gpu, &problem, 1);
        problem.read_output(gpu).await
    }
}

/// Scalar reference: the full score matrix row by row, softmax in f64.
pub fn attention_reference(
    shape: AttentionShape,
    q: &[f32],
    k: &[f32],
    v: &[f32],
    bias: &[f32],
) -> Vec<f32> {
    let AttentionShape {
        heads,
        queries: n,
        keys: m,
        head_dim: d,
        ..
    } = shape;
    let scale = 1.0 / (d as f64).sqrt();
    let mut out = vec![0.0f32; shape.groups() * n * d];
    for g in 0..shape.groups() {
        for i in 0..n {
            let qi = &q[(g * n + i) * d..(g * n + i + 1) * d];
            let scores: Vec<f64> = (0..m)
                .map(|j| {
                    let kj = &k[(g * m + j) * d..(g * m + j + 1) * d];
                    let dot: f64 = qi.iter().zip(kj).map(|(a, b)| f64::from(a * b)).sum();
                    dot * scale + f64::from(bias[(g / heads) * m + j])
                })
                .collect();
            let best = scores.iter().copied().fold(f64::MIN, f64::max);
            let weights: Vec<f64> = scores.iter().map(|s| (s - best).exp()).collect();
            let total: f64 = weights.iter().sum();
            for (j, w) in weights.iter().enumerate() {
                let vj = &v[(g * m + j) * d..(g * m + j + 1) * d];
                for (o, x) in out[(g * n + i) * d..(g * n + i + 1) * d].iter_mut().zip(vj) {
                    *o += (w / total * f64::from(*x)) as f32;
                }
            }
        }
    }
    out
}
