//! The kernel self-test the status panel runs: correctness of the q8 dequant-matmul
//! against the scalar reference on several shapes (including sizes that are not
//! multiples of the 64×64 workgroup tile), then a throughput measurement.

use crate::EngineError;
use crate::cpu_ops::BurnQ8Matmul;
use crate::device::{Gpu, cpu_device};
use crate::kernels::q8_matmul::Q8Matmul;
use crate::quant::{BlockQ8Matrix, SplitMix64, max_scaled_error, q8_matmul_reference};
use web_time::Instant;

/// Where the self-test runs.
#[derive(Debug, Clone)]
pub enum Compute {
    /// Our WGSL kernel on the GPU (boxed: a device handle is large, `Cpu` is empty).
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

/// `(m, n, k)` shapes checked for correctness. Odd sizes exercise partial tiles.
pub const CHECK_SHAPES: &[(usize, usize, usize)] = &[
    (1, 1, 32),
    (17, 33, 64),
    (5, 130, 96),
    (64, 96, 256),
    (33, 16, 32),
    (70, 65, 64),
];

/// Largest accepted `|y - ref| / (1 + |ref|)`: f32 accumulation over K ≤ 512 of values in
/// [-1, 1] stays orders of magnitude below this; a wrong index or sign does not.
pub const TOLERANCE: f32 = 1e-4;

/// One correctness case.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseReport {
    /// Problem shape `(m, n, k)`.
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
}

impl SelfTestReport {
    /// All cases within tolerance.
    pub fn passed(&self) -> bool {
        !self.cases.is_empty() && self.cases.iter().all(|c| c.passed)
    }
}

fn problem(
    seed: u64,
    m: usize,
    n: usize,
    k: usize,
) -> Result<(Vec<f32>, BlockQ8Matrix), EngineError> {
    let mut rng = SplitMix64::new(seed);
    let x = rng.signed_units(m * k);
    let w = BlockQ8Matrix::quantize(&rng.signed_units(n * k), n, k)?;
    Ok((x, w))
}

/// Runs the q8 matmul of one problem on `compute`.
pub async fn q8_matmul_on(
    compute: &Compute,
    kernel: Option<&Q8Matmul>,
    x: &[f32],
    m: usize,
    w: &BlockQ8Matrix,
) -> Result<Vec<f32>, EngineError> {
    match (compute, kernel) {
        (Compute::Gpu(gpu), Some(kernel)) => kernel.run(gpu, x, m, w).await,
        (Compute::Gpu(gpu), None) => Q8Matmul::new(gpu).run(gpu, x, m, w).await,
        (Compute::Cpu, _) => BurnQ8Matmul::prepare(&cpu_device(), x, m, w)?.run().await,
    }
}

/// Runs the correctness cases and the benchmark (`bench_shape`, `repeats` timed runs).
pub async fn run_self_test(
    compute: &Compute,
    bench_shape: (usize, usize, usize),
    repeats: u32,
) -> Result<SelfTestReport, EngineError> {
    let kernel = match compute {
        Compute::Gpu(gpu) => Some(Q8Matmul::new(gpu)),
        Compute::Cpu => None,
    };
    let mut cases = Vec::new();
    for (i, &(m, n, k)) in CHECK_SHAPES.iter().enumerate() {
        let (x, w) = problem(i as u64 + 1, m, n, k)?;
        let y = q8_matmul_on(compute, kernel.as_ref(), &x, m, &w).await?;
        let max_error = max_scaled_error(&y, &q8_matmul_reference(&x, m, &w));
        cases.push(CaseReport {
            shape: (m, n, k),
            max_error,
            passed: max_error <= TOLERANCE,
        });
    }
    let bench = bench(compute, kernel.as_ref(), bench_shape, repeats).await?;
    Ok(SelfTestReport {
        label: compute.label(),
        cases,
        bench,
    })
}

async fn bench(
    compute: &Compute,
    kernel: Option<&Q8Matmul>,
    (m, n, k): (usize, usize, usize),
    repeats: u32,
) -> Result<BenchReport, EngineError> {
    let (x, w) = problem(99, m, n, k)?;
    let repeats = repeats.max(1);
    let seconds = match (compute, kernel) {
        (Compute::Gpu(gpu), Some(kernel)) => {
            let prepared = kernel.prepare(gpu, &x, m, &w)?;
            // Warm-up: pipeline compilation and first-touch allocation are not throughput.
            kernel.dispatch(gpu, &prepared, 1);
            kernel.read_output(gpu, &prepared).await?;
            let start = Instant::now();
            kernel.dispatch(gpu, &prepared, repeats);
            kernel.read_output(gpu, &prepared).await?;
            start.elapsed().as_secs_f64()
        }
        _ => {
            let device = match compute {
                Compute::Gpu(gpu) => gpu.burn_device.clone(),
                Compute::Cpu => cpu_device(),
            };
            let prepared = BurnQ8Matmul::prepare(&device, &x, m, &w)?;
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
