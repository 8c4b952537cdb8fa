//! The kernel self-test the status panel runs: correctness of the int8 and int4
//! dequant-matmuls, the attention kernel and the VAE's convolution (int8 and int4
//! weights) against scalar references on several
//! shapes (including sizes that are not multiples of the workgroup tiles), then a
//! throughput measurement of the int8 matmul.

use crate::EngineError;
use crate::cpu_ops::{BurnAttention, BurnBlockMatmul, BurnConv3d};
use crate::device::{Gpu, cpu_device};
use crate::kernels::attention::{Attention, AttentionShape, attention_reference};
use crate::kernels::block_matmul::BlockMatmul;
use crate::kernels::conv3d::{Conv3d, Conv3dShape, conv3d_reference};
use crate::quant::{BlockQMatrix, QuantBits, SplitMix64, block_matmul_reference, max_scaled_error};
use web_time::Instant;

/// Where the self-test runs.
#[derive(Debug, Clone)]
pub enum Compute {
    /// Our WGSL kernels on the GPU (boxed: a device handle is large, `Cpu` is empty).
    Gpu(Box<Gpu>),
    /// burn `flex` on the CPU (no WebGPU).
    Cpu,
}

impl Compute {
    /// A short human label: "WebGPU — SwiftShader Device" or "CPU fallback".
    pub fn label(&self) -> String {
        match self {
            Compute::Gpu(gpu) => format!("{} — {}", gpu.report.backend, gpu.report.name),
            Compute::Cpu => "CPU fallback (burn flex)".to_string(),
        }
    }
}

/// `(m, n, k)` matmul shapes checked for correctness. Odd sizes exercise partial tiles.
pub const CHECK_SHAPES: &[(usize, usize, usize)] = &[
    (1, 1, 32),
    (17, 33, 64),
    (5, 130, 96),
    (64, 96, 256),
    (33, 16, 32),
    (70, 65, 64),
    (130, 40, 64),
];

/// Attention shapes checked for correctness: one head group and a partial workgroup,
/// keys not a multiple of the four the kernel takes per step, the models' own heads
/// (4 × 32) and a narrower head.
pub const ATTENTION_SHAPES: &[AttentionShape] = &[
    AttentionShape {
        batch: 1,
        heads: 1,
        queries: 1,
        keys: 1,
        head_dim: 32,
    },
    AttentionShape {
        batch: 2,
        heads: 4,
        queries: 70,
        keys: 13,
        head_dim: 32,
    },
    AttentionShape {
        batch: 1,
        heads: 4,
        queries: 5,
        keys: 130,
        head_dim: 32,
    },
    AttentionShape {
        batch: 2,
        heads: 2,
        queries: 33,
        keys: 64,
        head_dim: 24,
    },
];

/// Convolutions checked for correctness: the decoder's 128-channel 3×3×3 layer at 8×8, a
/// 48-channel 1×3×3 one (its flat weight blocks span output channels), and odd sizes.
pub const CONV_SHAPES: &[Conv3dShape] = &[
    Conv3dShape {
        cin: 128,
        cout: 128,
        frames: 2,
        height: 8,
        width: 8,
        kernel: [3, 3, 3],
    },
    Conv3dShape {
        cin: 48,
        cout: 48,
        frames: 2,
        height: 16,
        width: 16,
        kernel: [1, 3, 3],
    },
    Conv3dShape {
        cin: 5,
        cout: 7,
        frames: 3,
        height: 9,
        width: 35,
        kernel: [3, 3, 3],
    },
];

/// Largest accepted `|y - ref| / (1 + |ref|)`: f32 accumulation over K ≤ 512 of values in
/// [-1, 1] stays orders of magnitude below this; a wrong index or sign does not.
pub const TOLERANCE: f32 = 1e-4;

/// One correctness case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseReport {
    /// Which kernel: "int8 matmul", "int4 matmul", "attention", "int8 conv3d" or
    /// "int4 conv3d".
    pub kernel: &'static str,
    /// Problem shape: `(m, n, k)` for a matmul, `(queries, keys, head width)` for
    /// attention, `(positions, output channels, inputs per output)` for a convolution.
    pub shape: (usize, usize, usize),
    /// Measured [`max_scaled_error`].
    pub max_error: f32,
    /// `max_error <= TOLERANCE`.
    pub passed: bool,
}

/// The throughput measurement.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchReport {
    /// Problem shape `(m, n, k)`.
    pub shape: (usize, usize, usize),
    /// Timed runs.
    pub repeats: u32,
    /// Wall time of all timed runs including the final readback, seconds.
    pub seconds: f64,
    /// `2·m·n·k·repeats / seconds / 1e9`.
    pub gflops: f64,
}

/// Everything the status panel shows.
#[derive(Debug, Clone, PartialEq)]
pub struct SelfTestReport {
    /// Where it ran.
    pub label: String,
    /// Correctness per shape.
    pub cases: Vec<CaseReport>,
    /// Throughput.
    pub bench: BenchReport,
    /// On a GPU, the same int8 matmul timed on the CPU backend too: the measurement
    /// behind running the models where they run faster.
    pub cpu_bench: Option<BenchReport>,
}

impl SelfTestReport {
    /// All cases within tolerance.
    pub fn passed(&self) -> bool {
        !self.cases.is_empty() && self.cases.iter().all(|c| c.passed)
    }
}

fn problem(
    seed: u64,
    (m, n, k): (usize, usize, usize),
    bits: QuantBits,
) -> Result<(Vec<f32>, BlockQMatrix), EngineError> {
    let mut rng = SplitMix64::new(seed);
    let x = rng.signed_units(m * k);
    let w = BlockQMatrix::quantize(&rng.signed_units(n * k), n, k, bits)?;
    Ok((x, w))
}

/// Random q, k, v (in [-1, 1]) and a bias that masks every third key of the first item.
pub fn attention_problem(seed: u64, s: AttentionShape) -> [Vec<f32>; 4] {
    let mut rng = SplitMix64::new(seed);
    let q = rng.signed_units(s.groups() * s.queries * s.head_dim);
    let k = rng.signed_units(s.groups() * s.keys * s.head_dim);
    let v = rng.signed_units(s.groups() * s.keys * s.head_dim);
    let bias = (0..s.batch * s.keys)
        .map(|i| {
            if i < s.keys && i % 3 == 2 {
                crate::models::layers::MASKED
            } else {
                0.0
            }
        })
        .collect();
    [q, k, v, bias]
}

/// The GPU kernels the self-test checks, compiled once.
struct Kernels {
    int8: BlockMatmul,
    int4: BlockMatmul,
    conv8: Conv3d,
    conv4: Conv3d,
}

impl Kernels {
    fn matmul(&self, bits: QuantBits) -> &BlockMatmul {
        match bits {
            QuantBits::Eight => &self.int8,
            QuantBits::Four => &self.int4,
        }
    }

    fn conv(&self, bits: QuantBits) -> &Conv3d {
        match bits {
            QuantBits::Eight => &self.conv8,
            QuantBits::Four => &self.conv4,
        }
    }
}

/// Where a matmul of the self-test runs: our compiled kernels on the GPU, or burn on the
/// CPU.
enum Runner<'a> {
    Gpu(&'a Gpu, &'a Kernels),
    Cpu,
}

/// Runs a block-quantized matmul of one problem.
async fn block_matmul_on(
    runner: &Runner<'_>,
    x: &[f32],
    m: usize,
    w: &BlockQMatrix,
) -> Result<Vec<f32>, EngineError> {
    match runner {
        Runner::Gpu(gpu, kernels) => kernels.matmul(w.bits).run(gpu, x, m, w).await,
        Runner::Cpu => {
            BurnBlockMatmul::prepare(&cpu_device(), x, m, w)?
                .run()
                .await
        }
    }
}

/// Runs one convolution.
async fn conv_on(
    runner: &Runner<'_>,
    x: &[f32],
    shape: Conv3dShape,
    w: &BlockQMatrix,
    bias: &[f32],
) -> Result<Vec<f32>, EngineError> {
    match runner {
        Runner::Gpu(gpu, kernels) => kernels.conv(w.bits).run(gpu, x, shape, w, bias).await,
        Runner::Cpu => {
            BurnConv3d::prepare(&cpu_device(), x, shape, w, bias)?
                .run()
                .await
        }
    }
}

/// Runs one attention problem on `compute`.
async fn attention_on(
    compute: &Compute,
    shape: AttentionShape,
    [q, k, v, bias]: &[Vec<f32>; 4],
) -> Result<Vec<f32>, EngineError> {
    match compute {
        Compute::Gpu(gpu) => {
            Attention::new(gpu, shape.head_dim)
                .await?
                .run(gpu, shape, q, k, v, bias)
                .await
        }
        Compute::Cpu => {
            BurnAttention::prepare(&cpu_device(), shape, q, k, v, bias)?
                .run()
                .await
        }
    }
}

fn case(
    kernel: &'static str,
    shape: (usize, usize, usize),
    got: &[f32],
    want: &[f32],
) -> CaseReport {
    let max_error = max_scaled_error(got, want);
    CaseReport {
        kernel,
        shape,
        max_error,
        passed: max_error <= TOLERANCE,
    }
}

/// Runs the correctness cases and the benchmark (`bench_shape`, `repeats` timed runs).
pub async fn run_self_test(
    compute: &Compute,
    bench_shape: (usize, usize, usize),
    repeats: u32,
) -> Result<SelfTestReport, EngineError> {
    let kernels;
    let runner = match compute {
        Compute::Gpu(gpu) => {
            kernels = Kernels {
                int8: BlockMatmul::new(gpu, QuantBits::Eight).await?,
                int4: BlockMatmul::new(gpu, QuantBits::Four).await?,
                conv8: Conv3d::new(gpu, QuantBits::Eight).await?,
                conv4: Conv3d::new(gpu, QuantBits::Four).await?,
            };
            Runner::Gpu(gpu, &kernels)
        }
        Compute::Cpu => Runner::Cpu,
    };
    let mut cases = Vec::new();
    for (bits, kernel) in [
        (QuantBits::Eight, "int8 matmul"),
        (QuantBits::Four, "int4 matmul"),
    ] {
        for (i, &shape) in CHECK_SHAPES.iter().enumerate() {
            let (x, w) = problem(i as u64 + 1, shape, bits)?;
            let y = block_matmul_on(&runner, &x, shape.0, &w).await?;
            cases.push(case(
                kernel,
                shape,
                &y,
                &block_matmul_reference(&x, shape.0, &w),
            ));
        }
    }
    for (i, &shape) in ATTENTION_SHAPES.iter().enumerate() {
        let data = attention_problem(i as u64 + 50, shape);
        let got = attention_on(compute, shape, &data).await?;
        let [q, k, v, bias] = &data;
        let want = attention_reference(shape, q, k, v, bias);
        cases.push(case(
            "attention",
            (shape.queries, shape.keys, shape.head_dim),
            &got,
            &want,
        ));
    }
    for (bits, kernel) in [
        (QuantBits::Eight, "int8 conv3d"),
        (QuantBits::Four, "int4 conv3d"),
    ] {
        for (i, &shape) in CONV_SHAPES.iter().enumerate() {
            let mut rng = SplitMix64::new(i as u64 + 70);
            let x = rng.signed_units(shape.input_len());
            let values = rng.signed_units(shape.cout * shape.row());
            let bias = rng.signed_units(shape.cout);
            let w = BlockQMatrix::flat(&values, bits)?;
            let got = conv_on(&runner, &x, shape, &w, &bias).await?;
            let dequantized = &w.dequantize()[..values.len()];
            let positions = shape.frames * shape.height * shape.width;
            cases.push(case(
                kernel,
                (positions, shape.cout, shape.row()),
                &got,
                &conv3d_reference(&x, shape, dequantized, &bias),
            ));
        }
    }
    let cpu_bench = match runner {
        Runner::Gpu(..) => Some(bench(&Runner::Cpu, bench_shape, repeats).await?),
        Runner::Cpu => None,
    };
    Ok(SelfTestReport {
        label: compute.label(),
        cases,
        bench: bench(&runner, bench_shape, repeats).await?,
        cpu_bench,
    })
}

async fn bench(
    runner: &Runner<'_>,
    (m, n, k): (usize, usize, usize),
    repeats: u32,
) -> Result<BenchReport, EngineError> {
    let (x, w) = problem(99, (m, n, k), QuantBits::Eight)?;
    let repeats = repeats.max(1);
    let seconds = match runner {
        Runner::Gpu(gpu, kernels) => {
            let kernel = &kernels.int8;
            let prepared = kernel.prepare(gpu, &x, m, &w).await?;
            // Warm-up: pipeline compilation and first-touch allocation are not throughput.
            kernel.dispatch(gpu, &prepared, 1);
            prepared.read_output(gpu).await?;
            let start = Instant::now();
            kernel.dispatch(gpu, &prepared, repeats);
            prepared.read_output(gpu).await?;
            start.elapsed().as_secs_f64()
        }
        Runner::Cpu => {
            let prepared = BurnBlockMatmul::prepare(&cpu_device(), &x, m, &w)?;
            prepared.run().await?;
            let start = Instant::now();
            for _ in 0..repeats {
                prepared.run().await?;
            }
            start.elapsed().as_secs_f64()
        }
    };
    let flops = 2.0 * (m * n * k) as f64 * f64::from(repeats);
    Ok(BenchReport {
        shape: (m, n, k),
        repeats,
        seconds,
        gflops: flops / seconds.max(1e-9) / 1e9,
    })
}
