//! Our WGSL kernels (block-quantized int8/int4 matmul, attention, the VAE's convolution) on a real GPU adapter
//! (Mesa lavapipe in CI), checked against scalar CPU references and against burn's own
//! ops on the very same device. These tests fail (never skip) when no adapter is found:
//! CI installs `mesa-vulkan-drivers` so that one always is.

use kinora_engine::EngineError;
use kinora_engine::cpu_ops::{BurnAttention, BurnBlockMatmul};
use kinora_engine::device::Gpu;
use kinora_engine::kernels::attention::{Attention, AttentionShape, attention_reference};
use kinora_engine::kernels::block_matmul::BlockMatmul;
use kinora_engine::kernels::conv3d::{Conv3d, Conv3dShape, conv3d_reference};
use kinora_engine::quant::{
    BlockQMatrix, QuantBits, SplitMix64, block_matmul_reference, max_scaled_error,
};
use kinora_engine::selftest::{Compute, TOLERANCE, attention_problem, run_self_test};
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

fn problem(seed: u64, m: usize, n: usize, k: usize, bits: QuantBits) -> (Vec<f32>, BlockQMatrix) {
    let mut rng = SplitMix64::new(seed);
    let x = rng.signed_units(m * k);
    let w = BlockQMatrix::quantize(&rng.signed_units(n * k), n, k, bits).unwrap();
    (x, w)
}

const BOTH: [QuantBits; 2] = [QuantBits::Eight, QuantBits::Four];

#[test]
fn adapter_reports_real_limits() {
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
fn matmul_matches_reference_on_many_shapes() {
    let gpu = gpu();
    // Sizes around the 8×8 per-invocation block and the 128×32 workgroup tile: below, at,
    // just above, and far from multiples.
    let shapes = [
        (1, 1, 32),
        (1, 17, 64),
        (7, 9, 32),
        (8, 8, 32),
        (17, 15, 96),
        (31, 47, 128),
        (100, 3, 64),
        (3, 100, 320),
        (128, 128, 512),
        (127, 33, 64),
        (129, 31, 96),
        (200, 70, 160),
    ];
    for bits in BOTH {
        let kernel = pollster::block_on(BlockMatmul::new(gpu, bits)).unwrap();
        for (i, &(m, n, k)) in shapes.iter().enumerate() {
            let (x, w) = problem(i as u64 * 31 + 5, m, n, k, bits);
            let y = pollster::block_on(kernel.run(gpu, &x, m, &w)).unwrap();
            let err = max_scaled_error(&y, &block_matmul_reference(&x, m, &w));
            assert!(
                err <= TOLERANCE,
                "{bits:?} shape {:?}: error {err}",
                (m, n, k)
            );
        }
    }
}

#[test]
fn matmul_agrees_with_burn_on_the_same_device() {
    let gpu = gpu();
    let (m, n, k) = (37, 70, 192);
    for bits in BOTH {
        let (x, w) = problem(11, m, n, k, bits);
        let kernel = pollster::block_on(BlockMatmul::new(gpu, bits)).unwrap();
        let ours = pollster::block_on(kernel.run(gpu, &x, m, &w)).unwrap();
        let burn = BurnBlockMatmul::prepare(&gpu.burn_device, &x, m, &w).unwrap();
        let theirs = pollster::block_on(burn.run()).unwrap();
        assert!(max_scaled_error(&ours, &theirs) <= TOLERANCE, "{bits:?}");
    }
}

#[test]
fn matmul_rejects_bad_shapes_and_the_other_bit_width() {
    let gpu = gpu();
    let kernel = pollster::block_on(BlockMatmul::new(gpu, QuantBits::Eight)).unwrap();
    let (x, w) = problem(3, 4, 8, 64, QuantBits::Eight);
    let err = pollster::block_on(kernel.prepare(gpu, &x[..10], 4, &w)).unwrap_err();
    assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
    let err = pollster::block_on(kernel.prepare(gpu, &[], 0, &w)).unwrap_err();
    assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
    let (x, w4) = problem(3, 4, 8, 64, QuantBits::Four);
    let err = pollster::block_on(kernel.prepare(gpu, &x, 4, &w4)).unwrap_err();
    assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
}

#[test]
fn attention_matches_reference_and_burn() {
    let gpu = gpu();
    let shapes = [
        AttentionShape {
            batch: 1,
            heads: 1,
            queries: 1,
            keys: 1,
            head_dim: 4,
        },
        AttentionShape {
            batch: 1,
            heads: 4,
            queries: 64,
            keys: 64,
            head_dim: 32,
        },
        AttentionShape {
            batch: 2,
            heads: 4,
            queries: 65,
            keys: 7,
            head_dim: 32,
        },
        AttentionShape {
            batch: 3,
            heads: 2,
            queries: 130,
            keys: 301,
            head_dim: 24,
        },
        AttentionShape {
            batch: 1,
            heads: 4,
            queries: 9,
            keys: 1000,
            head_dim: 32,
        },
    ];
    for (i, &shape) in shapes.iter().enumerate() {
        let data = attention_problem(i as u64 + 7, shape);
        let [q, k, v, bias] = &data;
        let kernel = pollster::block_on(Attention::new(gpu, shape.head_dim)).unwrap();
        let ours = pollster::block_on(kernel.run(gpu, shape, q, k, v, bias)).unwrap();
        let want = attention_reference(shape, q, k, v, bias);
        let err = max_scaled_error(&ours, &want);
        assert!(err <= TOLERANCE, "{shape:?}: error {err}");
        let burn = BurnAttention::prepare(&gpu.burn_device, shape, q, k, v, bias).unwrap();
        let theirs = pollster::block_on(burn.run()).unwrap();
        assert!(
            max_scaled_error(&ours, &theirs) <= TOLERANCE,
            "{shape:?} vs burn"
        );
    }
}

#[test]
fn attention_survives_scores_far_from_zero() {
    // Large scores overflow a naive exp; the online softmax subtracts the running
    // maximum, so the result is still the reference's.
    let gpu = gpu();
    let shape = AttentionShape {
        batch: 1,
        heads: 1,
        queries: 3,
        keys: 50,
        head_dim: 8,
    };
    let [q, k, v, _] = attention_problem(3, shape);
    let q: Vec<f32> = q.iter().map(|x| x * 300.0).collect();
    let bias: Vec<f32> = (0..50).map(|j| j as f32 * 10.0).collect();
    let kernel = pollster::block_on(Attention::new(gpu, 8)).unwrap();
    let ours = pollster::block_on(kernel.run(gpu, shape, &q, &k, &v, &bias)).unwrap();
    assert!(ours.iter().all(|x| x.is_finite()));
    let err = max_scaled_error(&ours, &attention_reference(shape, &q, &k, &v, &bias));
    assert!(err <= TOLERANCE, "error {err}");
}

#[test]
fn attention_rejects_bad_heads_and_sizes() {
    let gpu = gpu();
    for bad in [0, 6, 36] {
        let err = pollster::block_on(Attention::new(gpu, bad)).unwrap_err();
        assert!(matches!(err, EngineError::InvalidShape(_)), "{bad}: {err}");
    }
    let kernel = pollster::block_on(Attention::new(gpu, 32)).unwrap();
    let shape = AttentionShape {
        batch: 1,
        heads: 2,
        queries: 3,
        keys: 4,
        head_dim: 32,
    };
    let [q, k, v, bias] = attention_problem(1, shape);
    let err = pollster::block_on(kernel.prepare(gpu, shape, &q[1..], &k, &v, &bias)).unwrap_err();
    assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
    let wide = AttentionShape {
        head_dim: 16,
        ..shape
    };
    let err = pollster::block_on(kernel.prepare(gpu, wide, &q, &k, &v, &bias)).unwrap_err();
    assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
}

#[test]
fn a_shader_the_device_rejects_is_an_error_not_a_panic() {
    // burn's uncaptured-error handler panics; our kernels compile inside error scopes.
    let gpu = gpu();
    let err = pollster::block_on(kinora_engine::kernels::compile_for_test(gpu, "fn main() {"))
        .unwrap_err();
    assert!(matches!(err, EngineError::GpuRejected(_)), "{err}");
}

#[test]
fn self_test_passes_on_gpu_and_cpu() {
    for compute in [Compute::Gpu(Box::new(gpu().clone())), Compute::Cpu] {
        let report = pollster::block_on(run_self_test(&compute, (64, 64, 128), 2)).unwrap();
        println!("{}: {:?}", report.label, report.bench);
        assert!(report.passed(), "{report:#?}");
        assert!(report.cases.iter().any(|c| c.kernel == "int4 matmul"));
        assert!(report.cases.iter().any(|c| c.kernel == "attention"));
        assert!(report.bench.gflops > 0.0);
    }
}

/// The decoder's own layer shapes (48 channels 1×3×3 at 16×16, 128 channels 3×3×3 at
/// 8×8, the 16-channel latent input), and edges: output channels not a multiple of four,
/// widths not a multiple of the 32-pixel tile, one frame, 1×1×1 kernels, and a flat
/// weight count that is not a multiple of 32 (its blocks span output channels).
const CONV_SHAPES: [Conv3dShape; 7] = [
    conv(48, 48, 2, 16, 16, [1, 3, 3]),
    conv(128, 128, 2, 8, 8, [3, 3, 3]),
    conv(16, 128, 3, 8, 8, [3, 3, 3]),
    conv(5, 7, 3, 9, 35, [3, 3, 3]),
    conv(3, 6, 1, 5, 3, [1, 1, 1]),
    conv(7, 3, 4, 6, 40, [2, 5, 3]),
    conv(1, 1, 5, 1, 1, [3, 1, 1]),
];

const fn conv(
    cin: usize,
    cout: usize,
    frames: usize,
    height: usize,
    width: usize,
    kernel: [usize; 3],
) -> Conv3dShape {
    Conv3dShape {
        cin,
        cout,
        frames,
        height,
        width,
        kernel,
    }
}

#[test]
fn conv3d_matches_reference_on_the_decoders_shapes_and_edges() {
    let gpu = gpu();
    for bits in BOTH {
        let kernel = pollster::block_on(Conv3d::new(gpu, bits)).unwrap();
        for (i, &shape) in CONV_SHAPES.iter().enumerate() {
            let mut rng = SplitMix64::new(i as u64 * 17 + 3);
            let x = rng.signed_units(shape.input_len());
            let values = rng.signed_units(shape.cout * shape.row());
            let bias = if i % 2 == 0 {
                rng.signed_units(shape.cout)
            } else {
                Vec::new()
            };
            let w = BlockQMatrix::flat(&values, bits).unwrap();
            let y = pollster::block_on(kernel.run(gpu, &x, shape, &w, &bias)).unwrap();
            let dequantized = &w.dequantize()[..values.len()];
            let expected = conv3d_reference(&x, shape, dequantized, &bias);
            let err = max_scaled_error(&y, &expected);
            assert!(err <= TOLERANCE, "{bits:?} {shape:?}: error {err}");
        }
    }
}

#[test]
fn conv3d_rejects_bad_shapes_and_weights() {
    let gpu = gpu();
    let kernel = pollster::block_on(Conv3d::new(gpu, QuantBits::Eight)).unwrap();
    let shape = conv(2, 3, 2, 4, 4, [3, 3, 3]);
    let x = vec![0.0; shape.input_len()];
    let w = BlockQMatrix::flat(&vec![0.5; shape.cout * shape.row()], QuantBits::Eight).unwrap();
    let run = |x: &[f32], shape, w: &BlockQMatrix, bias: &[f32]| {
        pollster::block_on(kernel.prepare(gpu, x, shape, w, bias)).unwrap_err()
    };
    for err in [
        run(&x[1..], shape, &w, &[]),
        run(&x, conv(2, 3, 2, 4, 4, [3, 2, 3]), &w, &[]),
        run(&x, shape, &w, &[1.0]),
        run(
            &x,
            shape,
            &BlockQMatrix::flat(&vec![0.5; shape.cout * shape.row()], QuantBits::Four).unwrap(),
            &[],
        ),
        run(
            &x,
            shape,
            &BlockQMatrix::flat(&[0.5; 64], QuantBits::Eight).unwrap(),
            &[],
        ),
    ] {
        assert!(matches!(err, EngineError::InvalidShape(_)), "{err}");
    }
}
