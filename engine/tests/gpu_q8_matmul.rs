//! The q8 dequant-matmul WGSL kernel on a real GPU adapter (Mesa lavapipe in CI),
//! checked against the scalar CPU reference and against burn's own matmul on the
//! very same device. These tests fail (never skip) when no adapter is found: CI
//! installs `mesa-vulkan-drivers` so that one always is.

use kinora_engine::EngineError;
use kinora_engine::cpu_ops::BurnQ8Matmul;
use kinora_engine::device::Gpu;
use kinora_engine::kernels::q8_matmul::Q8Matmul;
use kinora_engine::quant::{BlockQ8Matrix, SplitMix64, max_scaled_error, q8_matmul_reference};
use kinora_engine::selftest::{Compute, TOLERANCE, run_self_test};
use std::sync::OnceLock;

/// One device for the whole test binary: adapters are expensive to open on lavapipe.
fn gpu() -> &'static Gpu {
    static GPU: OnceLock<Gpu> = OnceLock::new();
    GPU.get_or_init(|| {
        pollster::block_on(Gpu::init()).unwrap_or_else(|e| {
            panic!("no GPU adapter; install mesa-vulkan-drivers for lavapipe: {e}")
        })
    })
}

fn problem(seed: u64, m: usize, n: usize, k: usize) -> (Vec<f32>, BlockQ8Matrix) {
    let mut rng = SplitMix64::new(seed);
    let x = rng.signed_units(m * k);
    let w = BlockQ8Matrix::quantize(&rng.signed_units(n * k), n, k).unwrap();
    (x, w)
}

#[test]
fn adapter_reports_real_limits() {
    use burn::tensor::wgpu::wgpu;
    let report = &gpu().report;
    println!("adapter: {report:#?}");
    assert!(!report.name.is_empty());
    // The device got the adapter's own limits, not WebGPU's defaults: ask the adapter
    // directly and compare.
    let instance = wgpu::Instance::new(wgpu::InstanceDescriptor {
        backends: wgpu::Backends::PRIMARY,
        ..wgpu::InstanceDescriptor::new_without_display_handle()
    });
    let adapter = pollster::block_on(instance.request_adapter(&wgpu::RequestAdapterOptions {
        power_preference: wgpu::PowerPreference::HighPerformance,
        ..Default::default()
    }))
    .unwrap();
    let l = adapter.limits();
    assert_eq!(
        report.limits.max_storage_buffer_binding_size,
        l.max_storage_buffer_binding_size
    );
    assert_eq!(report.limits.max_buffer_size, l.max_buffer_size);
    assert_eq!(
        report.limits.max_compute_invocations_per_workgroup,
        l.max_compute_invocations_per_workgroup
    );
    assert_eq!(
        report.limits.max_compute_workgroup_storage_size,
        l.max_compute_workgroup_storage_size
    );
}

#[test]
fn kernel_matches_reference_on_many_shapes() {
    let gpu = gpu();
    let kernel = Q8Matmul::new(gpu);
    // Sizes around the 4-wide per-invocation block and the 64-wide workgroup tile: below,
    // at, just above, and far from multiples.
    let shapes = [
        (1, 1, 32),
        (1, 17, 64),
        (15, 16, 32),
        (16, 16, 32),
        (17, 15, 96),
        (31, 47, 128),
        (100, 3, 64),
        (3, 100, 320),
        (128, 128, 512),
        // Around the 64-wide workgroup tile: several workgroups with partial edges.
        (63, 65, 64),
        (65, 130, 96),
        (200, 70, 160),
    ];
    for (i, &(m, n, k)) in shapes.iter().enumerate() {
        let (x, w) = problem(i as u64 * 31 + 5, m, n, k);
        let y = pollster::block_on(kernel.run(gpu, &x, m, &w)).unwrap();
        let err = max_scaled_error(&y, &q8_matmul_reference(&x, m, &w));
        assert!(err <= TOLERANCE, "shape {:?}: error {err}", (m, n, k));
    }
}

#[test]
fn kernel_agrees_with_burn_on_the_same_device() {
    let gpu = gpu();
    let (m, n, k) = (37, 70, 192);
    let (x, w) = problem(11, m, n, k);
    let ours = pollster::block_on(Q8Matmul::new(gpu).run(gpu, &x, m, &w)).unwrap();
    let burn = BurnQ8Matmul::prepare(&gpu.burn_device, &x, m, &w).unwrap();
    let theirs = pollster::block_on(burn.run()).unwrap();
    assert!(max_scaled_error(&ours, &theirs) <= TOLERANCE);
}

#[test]
fn kernel_rejects_bad_shapes() {
    let gpu = gpu();
    let kernel = Q8Matmul::new(gpu);
    let (x, w) = problem(3, 4, 8, 64);
    let err = kernel.prepare(gpu, &x[..10], 4, &w).unwrap_err();
    assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
    let err = kernel.prepare(gpu, &[], 0, &w).unwrap_err();
    assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
}

#[test]
fn self_test_passes_on_gpu_and_cpu() {
    for compute in [Compute::Gpu(Box::new(gpu().clone())), Compute::Cpu] {
        let report = pollster::block_on(run_self_test(&compute, (64, 64, 128), 2)).unwrap();
        println!("{}: {:?}", report.label, report.bench);
        assert!(report.passed(), "{report:#?}");
        assert!(report.bench.gflops > 0.0);
    }
}
