//! Fused int8 dequantize + matmul on the GPU (`shaders/q8_matmul.wgsl`).
//!
//! Bindings (group 0): 0 `x` f32 `[M, K]`, 1 packed int8 weights `[N, K/4]` u32,
//! 2 scales `[N, K/32]` f32, 3 output `y` f32 `[M, N]`, 4 uniform [`Q8MatmulMeta`].
//! Workgroup 16×16, a 4×4 output block per invocation (64×64 per workgroup, 16 KiB of
//! workgroup memory); dispatch `(⌈N/64⌉, ⌈M/64⌉, 1)`.
//! Supported: any M, N ≥ 1; K a non-zero multiple of 32 (see [`crate::quant`]).
//!
//! Why a raw wgpu pipeline rather than a burn custom kernel: burn 0.22 writes kernels in
//! CubeCL (Rust), not WGSL, and its quantized matmul dequantizes through its own layout.
//! Our kernels are WGSL files shared verbatim by the browser and native builds, so we
//! run them through wgpu directly, on the very device and queue burn was given
//! (see [`crate::device`]), which keeps one device and one memory budget.

use crate::device::Gpu;
use crate::quant::{BlockQ8Matrix, check_q8_shape};
use crate::{EngineError, readback};
use burn::tensor::wgpu::wgpu;
use burn::tensor::wgpu::wgpu::util::DeviceExt;

const SOURCE: &str = include_str!("../../../shaders/q8_matmul.wgsl");
/// Output tile edge of one workgroup (16×16 invocations × 4×4 outputs each).
pub const TILE: u32 = 64;

/// The uniform block of the kernel (`struct Params` in the WGSL; `meta` is a reserved word in WGSL).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Q8MatmulMeta {
    /// Rows of `x` and `y`.
    pub m: u32,
    /// Rows of the weight matrix, columns of `y`.
    pub n: u32,
    /// Inner dimension.
    pub k: u32,
    /// `k / 32`.
    pub blocks_per_row: u32,
}
const _: () = assert!(std::mem::size_of::<Q8MatmulMeta>() == 16);

/// The compiled pipeline; build once per device and reuse.
#[derive(Debug)]
pub struct Q8Matmul {
    pipeline: wgpu::ComputePipeline,
    layout: wgpu::BindGroupLayout,
}

/// A problem whose inputs are already on the GPU: dispatch it as often as you like.
#[derive(Debug)]
pub struct PreparedQ8Matmul {
    bind_group: wgpu::BindGroup,
    output: wgpu::Buffer,
    meta: Q8MatmulMeta,
}

impl Q8Matmul {
    /// Compiles the kernel on `gpu`.
    pub fn new(gpu: &Gpu) -> Self {
        let module = gpu
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some("q8_matmul.wgsl"),
                source: wgpu::ShaderSource::Wgsl(SOURCE.into()),
            });
        let pipeline = gpu
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some("q8_matmul"),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: Default::default(),
                cache: None,
            });
        let layout = pipeline.get_bind_group_layout(0);
        Self { pipeline, layout }
    }

    /// Uploads `x` (`[m, w.k]`) and `w`, and allocates the output.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] for mismatched sizes, [`EngineError::LimitExceeded`]
    /// when a buffer or the dispatch grid is larger than the adapter allows.
    #[track_caller]
    pub fn prepare(
        &self,
        gpu: &Gpu,
        x: &[f32],
        m: usize,
        w: &BlockQ8Matrix,
    ) -> Result<PreparedQ8Matmul, EngineError> {
        check_q8_shape(w.n, w.k)?;
        if m == 0 || x.len() != m * w.k {
            return Err(EngineError::InvalidShape(format!(
                "x holds {} values, expected m·k = {m}·{} with m > 0",
                x.len(),
                w.k
            )));
        }
        let limits = &gpu.report.limits;
        let largest = (4 * m * w.k.max(w.n)).max(w.n * w.k) as u64;
        if largest > limits.max_storage_buffer_binding_size {
            return Err(EngineError::LimitExceeded {
                limit: "max_storage_buffer_binding_size",
                needed: largest,
                allowed: limits.max_storage_buffer_binding_size,
            });
        }
        let groups = (w.n as u32).div_ceil(TILE).max((m as u32).div_ceil(TILE));
        if groups > limits.max_compute_workgroups_per_dimension {
            return Err(EngineError::LimitExceeded {
                limit: "max_compute_workgroups_per_dimension",
                needed: u64::from(groups),
                allowed: u64::from(limits.max_compute_workgroups_per_dimension),
            });
        }
        let meta = Q8MatmulMeta {
            m: m as u32,
            n: w.n as u32,
            k: w.k as u32,
            blocks_per_row: w.blocks_per_row() as u32,
        };
        let device = &gpu.device;
        let storage = |label, contents: &[u8]| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage: wgpu::BufferUsages::STORAGE,
            })
        };
        let x_buf = storage("q8 x", bytemuck::cast_slice(x));
        let w_buf = storage("q8 weights", bytemuck::cast_slice(&w.packed));
        let s_buf = storage("q8 scales", bytemuck::cast_slice(&w.scales));
        let output = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("q8 y"),
            size: (4 * m * w.n) as u64,
            usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
            mapped_at_creation: false,
        });
        let meta_buf = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("q8 meta"),
            contents: bytemuck::bytes_of(&meta),
            usage: wgpu::BufferUsages::UNIFORM,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("q8_matmul bindings"),
            layout: &self.layout,
            entries: &[
                entry(0, &x_buf),
                entry(1, &w_buf),
                entry(2, &s_buf),
                entry(3, &output),
                entry(4, &meta_buf),
            ],
        });
        Ok(PreparedQ8Matmul {
            bind_group,
            output,
            meta,
        })
    }

    /// Submits `repeats` dispatches of a prepared problem (one command buffer).
    pub fn dispatch(&self, gpu: &Gpu, problem: &PreparedQ8Matmul, repeats: u32) {
        let mut encoder = gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("q8_matmul"),
            });
        {
            let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
                label: Some("q8_matmul"),
                timestamp_writes: None,
            });
            pass.set_pipeline(&self.pipeline);
            pass.set_bind_group(0, &problem.bind_group, &[]);
            for _ in 0..repeats {
                pass.dispatch_workgroups(
                    problem.meta.n.div_ceil(TILE),
                    problem.meta.m.div_ceil(TILE),
                    1,
                );
            }
        }
        gpu.queue.submit([encoder.finish()]);
    }

    /// Reads the output of a prepared problem back (asynchronously).
    pub async fn read_output(
        &self,
        gpu: &Gpu,
        problem: &PreparedQ8Matmul,
    ) -> Result<Vec<f32>, EngineError> {
        let len = (problem.meta.m * problem.meta.n) as usize;
        readback::read_f32(&gpu.device, &gpu.queue, &problem.output, len).await
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
        w: &BlockQ8Matrix,
    ) -> Result<Vec<f32>, EngineError> {
        let problem = self.prepare(gpu, x, m, w)?;
        self.dispatch(gpu, &problem, 1);
        self.read_output(gpu, &problem).await
    }
}

fn entry(binding: u32, buffer: &wgpu::Buffer) -> wgpu::BindGroupEntry<'_> {
    wgpu::BindGroupEntry {
        binding,
        resource: buffer.as_entire_binding(),
    }
}
