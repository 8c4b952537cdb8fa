//! `cargo xtask bench`: our int8 and int4 WGSL matmuls, the attention kernel and the VAE's
//! convolution against
//! burn's f32 ops on the same GPU device, and against burn `flex` on the CPU, printed as
//! ratios measured in one run;
//! then the shipped model's pipeline, stage by stage, for a 2 s and a 5 s clip on the CPU
//! backend, with the process's peak memory and the shipped bytes. Everything goes to
//! `target/bench.json` too. Timings are noisy on shared machines; the ratios are what to
//! compare.

use kinora_engine::cpu_ops::{BurnAttention, BurnBlockMatmul, BurnConv3d};
use kinora_engine::device::{Gpu, cpu_device};
use kinora_engine::kernels::attention::{Attention, AttentionShape};
use kinora_engine::kernels::block_matmul::BlockMatmul;
use kinora_engine::kernels::conv3d::{Conv3d, Conv3dShape};
use kinora_engine::models::audio::AudioSettings;
use kinora_engine::models::pipeline::{GenerateSettings, Stage, VideoModel};
use kinora_engine::models::sampler::SamplerSettings;
use kinora_engine::quant::{BlockQMatrix, QuantBits, SplitMix64};
use kinora_engine::selftest::attention_problem;
use kinora_safety::classifier::PromptClassifier;
use serde_json::json;
use std::path::Path;
use std::time::Instant;

const REPEATS: u32 = 5;

/// GFLOP/s of `flop` per run, timing `repeats` runs of `run` after one warm-up run.
fn gflops(
    flop: f64,
    mut run: impl FnMut(u32) -> Result<(), Box<dyn std::error::Error>>,
) -> Result<f64, Box<dyn std::error::Error>> {
    run(1)?;
    let t = Instant::now();
    run(REPEATS)?;
    Ok(flop * f64::from(REPEATS) / t.elapsed().as_secs_f64() / 1e9)
}

/// [`gflops`] of an op that computes and reads its result back once per call (burn's).
fn gflops_per_call<F>(flop: f64, call: impl Fn() -> F) -> Result<f64, Box<dyn std::error::Error>>
where
    F: std::future::Future<Output = Result<Vec<f32>, kinora_engine::EngineError>>,
{
    gflops(flop, |repeats| {
        for _ in 0..repeats {
            pollster::block_on(call())?;
        }
        Ok(())
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let gpu = pollster::block_on(Gpu::init())?;
    println!(
        "adapter: {} ({}, {})",
        gpu.report.name, gpu.report.backend, gpu.report.device_type
    );
    let matmuls = matmul_rows(&gpu)?;
    let attention = attention_rows(&gpu)?;
    let conv = conv_rows(&gpu)?;
    // `--kernels-only OUT`: the kernel rows alone, for a second adapter (xtask runs this
    // on SwiftShader, the browser's own adapter here, so the page's self-test can be
    // compared with native on the same adapter).
    let args: Vec<String> = std::env::args().collect();
    if let [_, flag, out] = args.as_slice()
        && flag == "--kernels-only"
    {
        let report = json!({ "adapter": gpu.report.name, "kernels": matmuls, "attention": attention, "conv3d": conv });
        std::fs::write(out, serde_json::to_string_pretty(&report)?)?;
        println!("written to {out}");
        return Ok(());
    }
    let pipeline = pipeline_stages()?;
    let report = json!({
        "adapter": gpu.report.name,
        "kernels": matmuls,
        "attention": attention,
        "conv3d": conv,
        "pipeline_cpu": pipeline,
        "peak_memory_mib": peak_memory_mib(),
        "shipped_bytes": shipped_bytes(),
    });
    std::fs::create_dir_all("target")?;
    std::fs::write("target/bench.json", serde_json::to_string_pretty(&report)?)?;
    println!(
        "peak memory {:.0} MiB; written to target/bench.json",
        peak_memory_mib()
    );
    Ok(())
}

/// The shipped model on burn's CPU backend: seconds per stage of a 2 s and a 5 s clip at
/// the page's 8 steps (8 for the sound too), the clip made once before to warm up.
fn pipeline_stages() -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let dir = Path::new("public/models/kinora-video");
    let device = cpu_device();
    let t = Instant::now();
    let model = VideoModel::from_dir(dir, &device)?;
    let load_s = t.elapsed().as_secs_f64();
    let words = PromptClassifier::builtin_word_vectors()?;
    let prompt = "a red ball bounces on the grass, camera pans left slowly, gentle guitar";
    println!("\npipeline (burn flex CPU, 8 steps; model loaded in {load_s:.2} s)");
    println!(
        "{:>6} {:>8} {:>8} {:>9} {:>8} {:>8} {:>8} {:>10}",
        "clip", "text", "plan", "denoise", "decode", "sound", "total", "s per s"
    );
    let mut rows = Vec::new();
    for (i, seconds) in [2.0f32, 2.0, 5.0].into_iter().enumerate() {
        let settings = GenerateSettings {
            seconds,
            sampler: SamplerSettings {
                steps: 8,
                seed: 7,
                ..SamplerSettings::default()
            },
            ..GenerateSettings::default()
        };
        // Time from each stage's start to the next; denoising spans every window's steps
        // and the joins between them.
        let start = Instant::now();
        let mut marks: Vec<(&'static str, f64)> = Vec::new();
        let video = model.generate(prompt, &settings, &words, |stage| {
            let name = match stage {
                Stage::Text => "text",
                Stage::Plan => "plan",
                Stage::Denoise(..) => "denoise",
                Stage::Decode => "decode",
            };
            if marks.last().map(|m| m.0) != Some(name) {
                marks.push((name, start.elapsed().as_secs_f64()));
            }
            true
        })?;
        let video_s = start.elapsed().as_secs_f64();
        let sound_start = Instant::now();
        let audio = AudioSettings {
            steps: 8,
            ..AudioSettings::default()
        };
        model.soundtrack(prompt, &video, &words, &audio, |_, _| true)?;
        let sound_s = sound_start.elapsed().as_secs_f64();
        if i == 0 {
            continue; // warm-up
        }
        let span = |name: &str| {
            let at = marks.iter().position(|m| m.0 == name);
            at.map_or(0.0, |k| {
                marks.get(k + 1).map_or(video_s, |n| n.1) - marks[k].1
            })
        };
        let total = video_s + sound_s;
        println!(
            "{:>5}s {:>7.2}s {:>7.2}s {:>8.2}s {:>7.2}s {:>7.2}s {:>7.2}s {:>10.2}",
            seconds,
            span("text"),
            span("plan"),
            span("denoise"),
            span("decode"),
            sound_s,
            total,
            total / f64::from(seconds)
        );
        rows.push(json!({
            "seconds": seconds, "text_s": span("text"), "plan_s": span("plan"),
            "denoise_s": span("denoise"), "decode_s": span("decode"), "sound_s": sound_s,
            "total_s": total, "frames": video.frames.len(),
        }));
    }
    Ok(json!({ "load_s": load_s, "clips": rows }))
}

/// The process's peak resident memory (Linux `VmHWM`), MiB; 0 where unknown.
fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// Bytes the page downloads: the model's shards, the guard's fetched files, and the wasm
/// module of the last release build in `dist/` (raw), when there is one.
fn shipped_bytes() -> serde_json::Value {
    let size = |p: &Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let sum_dir = |dir: &str, ext: &str| -> u64 {
        std::fs::read_dir(dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.to_string_lossy().ends_with(ext))
                    .map(|p| size(&p))
                    .sum()
            })
            .unwrap_or(0)
    };
    json!({
        "model_shards": sum_dir("public/models/kinora-video", ".bin"),
        "guard_files": kinora_safety::assets::FETCHED
            .iter()
            .map(|f| size(&Path::new("safety/data").join(f)))
            .sum::<u64>(),
        "wasm_raw": sum_dir("dist", "_bg.wasm"),
    })
}

/// Our int8 and int4 WGSL matmuls against burn's f32 matmul on the same device and on
/// the CPU (flex): GFLOP/s, and GB/s of the bytes a matmul must move at least once
/// (activations, packed weights and scales, output).
fn matmul_rows(gpu: &Gpu) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let int8 = pollster::block_on(BlockMatmul::new(gpu, QuantBits::Eight))?;
    let int4 = pollster::block_on(BlockMatmul::new(gpu, QuantBits::Four))?;
    println!(
        "{:>16} {:>15} {:>15} {:>13} {:>11} {:>9} {:>9} {:>9}",
        "m×n×k",
        "int8 wgsl",
        "int4 wgsl",
        "burn f32 gpu",
        "burn flex",
        "int8/f32",
        "int4/f32",
        "gpu/cpu"
    );
    let mut rows = Vec::new();
    for &(m, n, k) in &[(256, 256, 512), (512, 512, 512), (1024, 1024, 1024)] {
        let mut rng = SplitMix64::new(1);
        let x = rng.signed_units(m * k);
        let weights = rng.signed_units(n * k);
        let flop = 2.0 * (m * n * k) as f64;
        let mut ours = Vec::new();
        for kernel in [&int8, &int4] {
            let w = BlockQMatrix::quantize(&weights, n, k, kernel.bits())?;
            let prepared = pollster::block_on(kernel.prepare(gpu, &x, m, &w))?;
            let g = gflops(flop, |repeats| {
                kernel.dispatch(gpu, &prepared, repeats);
                pollster::block_on(prepared.read_output(gpu))?;
                Ok(())
            })?;
            let bytes = 4 * (m * k + m * n + w.scales.len() + w.packed.len());
            ours.push((g, g / flop * bytes as f64));
        }
        let w8 = BlockQMatrix::quantize(&weights, n, k, QuantBits::Eight)?;
        let burn = |device| {
            let p = BurnBlockMatmul::prepare(device, &x, m, &w8)?;
            gflops_per_call(flop, || p.run())
        };
        let burn_gpu = burn(&gpu.burn_device)?;
        let flex = burn(&cpu_device())?;
        let ((q8, q8_gbs), (q4, q4_gbs)) = (ours[0], ours[1]);
        println!(
            "{:>16} {:>6.2} GF/s {:>5.2} GB/s {:>5.2} GF/s {:>5.2} GB/s {:>8.2} GF/s {:>6.2} GF/s {:>8.2}x {:>8.2}x {:>8.2}x",
            format!("{m}×{n}×{k}"),
            q8,
            q8_gbs,
            q4,
            q4_gbs,
            burn_gpu,
            flex,
            q8 / burn_gpu,
            q4 / burn_gpu,
            q8 / flex
        );
        rows.push(json!({
            "shape": [m, n, k], "int8_wgsl_gflops": q8, "int8_wgsl_gbs": q8_gbs,
            "int4_wgsl_gflops": q4, "int4_wgsl_gbs": q4_gbs, "burn_f32_gpu_gflops": burn_gpu,
            "burn_flex_gflops": flex, "int8_over_burn_gpu": q8 / burn_gpu,
            "int4_over_burn_gpu": q4 / burn_gpu, "gpu_over_cpu": q8 / flex,
        }));
    }
    Ok(rows)
}

/// Our attention kernel (no score matrix) against burn's scores → softmax → mix on the
/// same device and on the CPU, at the models' head shape (4 heads of 32).
fn attention_rows(gpu: &Gpu) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    let kernel = pollster::block_on(Attention::new(gpu, 32))?;
    println!(
        "\n{:>22} {:>13} {:>14} {:>12} {:>10} {:>9}",
        "attention b×h×n×m×d", "ours wgsl", "burn f32 gpu", "burn flex", "ours/burn", "gpu/cpu"
    );
    let mut rows = Vec::new();
    for &(n, m) in &[(256, 256), (1024, 1024), (2048, 256)] {
        let shape = AttentionShape {
            batch: 1,
            heads: 4,
            queries: n,
            keys: m,
            head_dim: 32,
        };
        let data = attention_problem(5, shape);
        let [q, k, v, bias] = &data;
        // Two matmuls of n × m × d per head.
        let flop = 4.0 * (shape.groups() * n * m * shape.head_dim) as f64;
        let prepared = pollster::block_on(kernel.prepare(gpu, shape, q, k, v, bias))?;
        let ours = gflops(flop, |repeats| {
            kernel.dispatch(gpu, &prepared, repeats);
            pollster::block_on(prepared.read_output(gpu))?;
            Ok(())
        })?;
        let burn = |device| {
            let p = BurnAttention::prepare(device, shape, q, k, v, bias)?;
            gflops_per_call(flop, || p.run())
        };
        let burn_gpu = burn(&gpu.burn_device)?;
        let flex = burn(&cpu_device())?;
        println!(
            "{:>22} {:>8.2} GF/s {:>9.2} GF/s {:>7.2} GF/s {:>9.2}x {:>8.2}x",
            format!("1×4×{n}×{m}×32"),
            ours,
            burn_gpu,
            flex,
            ours / burn_gpu,
            ours / flex
        );
        rows.push(json!({
            "shape": [1, 4, n, m, 32], "wgsl_gflops": ours, "burn_f32_gpu_gflops": burn_gpu,
            "burn_flex_gflops": flex, "ours_over_burn_gpu": ours / burn_gpu,
            "gpu_over_cpu": ours / flex,
        }));
    }
    Ok(rows)
}

/// The VAE decoder's convolutions (int8 and int4 weights, read packed) against burn's f32
/// conv3d on the same device and on the CPU, at the decoder's own layer shapes.
fn conv_rows(gpu: &Gpu) -> Result<Vec<serde_json::Value>, Box<dyn std::error::Error>> {
    println!(
        "\n{:>26} {:>5} {:>13} {:>14} {:>12} {:>10} {:>9}",
        "conv3d cin→cout t×h×w k",
        "bits",
        "ours wgsl",
        "burn f32 gpu",
        "burn flex",
        "ours/burn",
        "gpu/cpu"
    );
    let mut rows = Vec::new();
    for shape in [
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
            frames: 8,
            height: 16,
            width: 16,
            kernel: [1, 3, 3],
        },
    ] {
        let mut rng = SplitMix64::new(9);
        let x = rng.signed_units(shape.input_len());
        let values = rng.signed_units(shape.cout * shape.row());
        let bias = rng.signed_units(shape.cout);
        for bits in [QuantBits::Eight, QuantBits::Four] {
            let kernel = pollster::block_on(Conv3d::new(gpu, bits))?;
            let w = BlockQMatrix::flat(&values, bits)?;
            let prepared = pollster::block_on(kernel.prepare(gpu, &x, shape, &w, &bias))?;
            let ours = gflops(shape.flops(), |repeats| {
                kernel.dispatch(gpu, &prepared, repeats);
                pollster::block_on(prepared.read_output(gpu))?;
                Ok(())
            })?;
            let burn = |device| {
                let p = BurnConv3d::prepare(device, &x, shape, &w, &bias)?;
                gflops_per_call(shape.flops(), || p.run())
            };
            let burn_gpu = burn(&gpu.burn_device)?;
            let flex = burn(&cpu_device())?;
            let name = format!(
                "{}→{} {}×{}×{} {}×{}×{}",
                shape.cin,
                shape.cout,
                shape.frames,
                shape.height,
                shape.width,
                shape.kernel[0],
                shape.kernel[1],
                shape.kernel[2]
            );
            println!(
                "{:>26} {:>5} {:>8.2} GF/s {:>9.2} GF/s {:>7.2} GF/s {:>9.2}x {:>8.2}x",
                name,
                bits.name(),
                ours,
                burn_gpu,
                flex,
                ours / burn_gpu,
                ours / flex
            );
            rows.push(json!({
                "shape": name, "bits": bits.name(), "wgsl_gflops": ours,
                "burn_f32_gpu_gflops": burn_gpu, "burn_flex_gflops": flex,
                "ours_over_burn_gpu": ours / burn_gpu, "gpu_over_cpu": ours / flex,
            }));
        }
    }
    Ok(rows)
}
