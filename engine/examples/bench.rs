//! `cargo xtask bench`: the q8 WGSL kernel against burn's f32 matmul on the same GPU
//! device, and against burn `flex` on the CPU, printed as ratios measured in one run.
//! Timings are noisy on shared machines; the ratios are what to compare.

use kinora_engine::cpu_ops::BurnQ8Matmul;
use kinora_engine::device::{Gpu, cpu_device};
use kinora_engine::kernels::q8_matmul::Q8Matmul;
use kinora_engine::quant::{BlockQ8Matrix, SplitMix64};
use std::time::Instant;

const REPEATS: u32 = 5;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let gpu = pollster::block_on(Gpu::init())?;
    println!(
        "adapter: {} ({}, {})",
        gpu.report.name, gpu.report.backend, gpu.report.device_type
    );
    let kernel = Q8Matmul::new(&gpu);
    println!(
        "{:>16} {:>12} {:>14} {:>12} {:>10} {:>10}",
        "m×n×k", "q8 wgsl", "burn f32 gpu", "burn flex", "q8/burn", "gpu/cpu"
    );
    for &(m, n, k) in &[(256, 256, 512), (512, 512, 512), (1024, 1024, 1024)] {
        let mut rng = SplitMix64::new(1);
        let x = rng.signed_units(m * k);
        let w = BlockQ8Matrix::quantize(&rng.signed_units(n * k), n, k)?;
        let flop = 2.0 * (m * n * k) as f64 * f64::from(REPEATS);

        let prepared = kernel.prepare(&gpu, &x, m, &w)?;
        kernel.dispatch(&gpu, &prepared, 1);
        pollster::block_on(kernel.read_output(&gpu, &prepared))?;
        let t = Instant::now();
        kernel.dispatch(&gpu, &prepared, REPEATS);
        pollster::block_on(kernel.read_output(&gpu, &prepared))?;
        let q8 = flop / t.elapsed().as_secs_f64() / 1e9;

        let burn_gflops = |device| -> Result<f64, Box<dyn std::error::Error>> {
            let p = BurnQ8Matmul::prepare(device, &x, m, &w)?;
            pollster::block_on(p.run())?;
            let t = Instant::now();
            for _ in 0..REPEATS {
                pollster::block_on(p.run())?;
            }
            Ok(flop / t.elapsed().as_secs_f64() / 1e9)
        };
        let burn_gpu = burn_gflops(&gpu.burn_device)?;
        let flex = burn_gflops(&cpu_device())?;
        println!(
            "{:>16} {:>8.2} GF/s {:>9.2} GF/s {:>7.2} GF/s {:>9.2}x {:>9.2}x",
            format!("{m}×{n}×{k}"),
            q8,
            burn_gpu,
            flex,
            q8 / burn_gpu,
            q8 / flex
        );
    }
    Ok(())
}
