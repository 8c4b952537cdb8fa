//! Our own WGSL compute kernels (sources in `shaders/`), each with a Rust wrapper that
//! states its bindings, checks its shapes against the adapter's limits, and dispatches it
//! on our wgpu device (natively also burn's; in the browser burn's GPU backend is not
//! compiled in).
//!
//! Why raw wgpu pipelines rather than burn custom kernels: burn 0.22 writes kernels in
//! CubeCL (Rust), not WGSL, and its quantized matmul dequantizes through its own layout.
//! Our kernels are WGSL files shared verbatim by the browser and native builds, so we run
//! them through wgpu directly; natively on the very device and queue burn was given (see
//! [`crate::device`]), which keeps one device and one memory budget there.
//!
//! Every pipeline is compiled and every problem uploaded inside wgpu error scopes, so a
//! validation error or an allocation the device refuses comes back as
//! [`EngineError::GpuRejected`] instead of reaching the device's uncaptured-error
//! handler (burn's panics).

pub mod attention;
pub mod block_matmul;
pub mod conv3d;

use crate::EngineError;
use crate::device::Gpu;
use wgpu::util::DeviceExt;

/// Runs `work` with validation and out-of-memory errors captured; the first one captured
/// becomes [`EngineError::GpuRejected`].
pub(crate) async fn captured<T>(gpu: &Gpu, work: impl FnOnce() -> T) -> Result<T, EngineError> {
    let memory = gpu.device.push_error_scope(wgpu::ErrorFilter::OutOfMemory);
    let validation = gpu.device.push_error_scope(wgpu::ErrorFilter::Validation);
    let value = work();
    // Scopes pop in reverse order of their pushes.
    let invalid = validation.pop().await;
    let out_of_memory = memory.pop().await;
    match invalid.or(out_of_memory) {
        Some(error) => Err(EngineError::GpuRejected(error.to_string())),
        None => Ok(value),
    }
}

/// A compiled compute pipeline and its bind group layout (group 0).
#[derive(Debug)]
pub(crate) struct Compiled {
    pub pipeline: wgpu::ComputePipeline,
    pub layout: wgpu::BindGroupLayout,
}

/// Compiles `source`'s `main` with the given pipeline-overridable constants.
pub(crate) async fn compile(
    gpu: &Gpu,
    label: &str,
    source: &str,
    constants: &[(&str, f64)],
) -> Result<Compiled, EngineError> {
    captured(gpu, || {
        let module = gpu
            .device
            .create_shader_module(wgpu::ShaderModuleDescriptor {
                label: Some(label),
                source: wgpu::ShaderSource::Wgsl(source.into()),
            });
        let pipeline = gpu
            .device
            .create_compute_pipeline(&wgpu::ComputePipelineDescriptor {
                label: Some(label),
                layout: None,
                module: &module,
                entry_point: Some("main"),
                compilation_options: wgpu::PipelineCompilationOptions {
                    constants,
                    ..Default::default()
                },
                cache: None,
            });
        let layout = pipeline.get_bind_group_layout(0);
        Compiled { pipeline, layout }
    })
    .await
}

/// A read-only storage buffer holding `contents`.
pub(crate) fn storage(gpu: &Gpu, label: &str, contents: &[u8]) -> wgpu::Buffer {
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::STORAGE,
        })
}

/// A uniform buffer holding `contents`.
pub(crate) fn uniform(gpu: &Gpu, label: &str, contents: &[u8]) -> wgpu::Buffer {
    gpu.device
        .create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some(label),
            contents,
            usage: wgpu::BufferUsages::UNIFORM,
        })
}

/// An output buffer of `bytes` that can be read back.
pub(crate) fn output(gpu: &Gpu, label: &str, bytes: u64) -> wgpu::Buffer {
    gpu.device.create_buffer(&wgpu::BufferDescriptor {
        label: Some(label),
        size: bytes,
        usage: wgpu::BufferUsages::STORAGE | wgpu::BufferUsages::COPY_SRC,
        mapped_at_creation: false,
    })
}

/// Binds `buffers` to bindings 0, 1, … of `compiled`'s group 0.
pub(crate) fn bind(gpu: &Gpu, compiled: &Compiled, buffers: &[&wgpu::Buffer]) -> wgpu::BindGroup {
    let entries: Vec<wgpu::BindGroupEntry<'_>> = buffers
        .iter()
        .enumerate()
        .map(|(i, b)| wgpu::BindGroupEntry {
            binding: i as u32,
            resource: b.as_entire_binding(),
        })
        .collect();
    gpu.device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: None,
        layout: &compiled.layout,
        entries: &entries,
    })
}

/// A problem whose inputs are already on the GPU, for kernel `K`: its bindings, its
/// output buffer and its dispatch grid. Dispatch it as often as you like.
#[derive(Debug)]
pub struct Prepared<K> {
    bind_group: wgpu::BindGroup,
    output: wgpu::Buffer,
    /// Workgroups per dimension (checked against the adapter when prepared).
    grid: (u32, u32, u32),
    /// f32 values in the output.
    len: usize,
    kernel: std::marker::PhantomData<K>,
}

impl<K> Prepared<K> {
    /// Binds `buffers` (the output among them, as `output`) for a dispatch of `grid`.
    pub(crate) fn new(
        gpu: &Gpu,
        compiled: &Compiled,
        buffers: &[&wgpu::Buffer],
        output: wgpu::Buffer,
        grid: (u32, u32, u32),
        len: usize,
    ) -> Self {
        Self {
            bind_group: bind(gpu, compiled, buffers),
            output,
            grid,
            len,
            kernel: std::marker::PhantomData,
        }
    }

    /// Reads the output back (asynchronously).
    pub async fn read_output(&self, gpu: &Gpu) -> Result<Vec<f32>, EngineError> {
        crate::readback::read_f32(&gpu.device, &gpu.queue, &self.output, self.len).await
    }
}

/// Submits `repeats` dispatches of `problem` in one command buffer.
pub(crate) fn dispatch<K>(gpu: &Gpu, compiled: &Compiled, problem: &Prepared<K>, repeats: u32) {
    let (bind_group, grid) = (&problem.bind_group, problem.grid);
    let mut encoder = gpu
        .device
        .create_command_encoder(&wgpu::CommandEncoderDescriptor { label: None });
    {
        let mut pass = encoder.begin_compute_pass(&wgpu::ComputePassDescriptor {
            label: None,
            timestamp_writes: None,
        });
        pass.set_pipeline(&compiled.pipeline);
        pass.set_bind_group(0, bind_group, &[]);
        for _ in 0..repeats {
            pass.dispatch_workgroups(grid.0, grid.1, grid.2);
        }
    }
    gpu.queue.submit([encoder.finish()]);
}

/// Checks a storage binding of `bytes` and a dispatch of `grid` against the adapter.
pub(crate) fn check_limits(
    gpu: &Gpu,
    bytes: u64,
    grid: (u32, u32, u32),
) -> Result<(), EngineError> {
    let limits = &gpu.report.limits;
    if bytes > limits.max_storage_buffer_binding_size {
        return Err(EngineError::LimitExceeded {
            limit: "max_storage_buffer_binding_size",
            needed: bytes,
            allowed: limits.max_storage_buffer_binding_size,
        });
    }
    let largest = grid.0.max(grid.1).max(grid.2);
    if largest > limits.max_compute_workgroups_per_dimension {
        return Err(EngineError::LimitExceeded {
            limit: "max_compute_workgroups_per_dimension",
            needed: u64::from(largest),
            allowed: u64::from(limits.max_compute_workgroups_per_dimension),
        });
    }
    Ok(())
}

/// Compiles arbitrary WGSL the way every kernel is compiled, so tests can show that a
/// shader the device rejects becomes [`EngineError::GpuRejected`].
#[doc(hidden)]
pub async fn compile_for_test(gpu: &Gpu, source: &str) -> Result<(), EngineError> {
    compile(gpu, "test shader", source, &[]).await.map(|_| ())
}
