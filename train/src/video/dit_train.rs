//! Stage 3: the DiT, on precomputed latents (the frozen VAE's means, normalized per
//! channel) and precomputed text conditions (the frozen encoder's outputs for the world's
//! prompt and one augmented paraphrase of every clip). All compute goes to the DiT.
//!
//! Sample-efficiency levers (DESIGN.md §5): the loss is weighted ×(1 + 8·object fraction)
//! per latent cell (world masks), flow times are drawn logit-normal (more weight mid-way,
//! where layout is decided), learning rate 1e-3 with warm-up, EMA weights for sampling,
//! and the condition is the encoder's disentangled attribute probabilities.

use super::common::{CsvLog, Ema, host, learning_rate, load_checkpoint, progress, save_checkpoint};
use super::data::{BASE, ClipMeta, FRAMES, VideoSet, clip_bytes};
use super::vae_train::video_tensor;
use anyhow::Result;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use kinora_engine::models::dit::{DitCondition, VideoDit, VideoDitConfig};
use kinora_engine::models::layers::key_bias;
use kinora_engine::models::layout::{PLAN_CHANNELS, SLOTS, Trajectory};
use kinora_engine::models::pipeline::FRAMES_PER_LATENT;
use kinora_engine::models::pipeline::VideoModel;
use kinora_engine::models::text::{WordLookup, group_probabilities};
use kinora_engine::models::vae::VideoVae;
use kinora_world::rng::Rng;
use std::path::Path;

/// Condition-dropout probability (classifier-free guidance).
pub const DROPOUT: f32 = 0.1;
/// Extra loss weight of a latent cell fully covered by an object.
pub const OBJECT_WEIGHT: f32 = 8.0;
/// Weight of the motion term: the error of the clean latents' frame-to-frame differences
/// as implied by the predicted velocity. The plain loss is dominated by what stays still
/// (sky, ground); this term only sees what changes between latent frames.
pub const MOTION_WEIGHT: f32 = 1.0;

/// Precomputed training inputs.
pub struct Prepared {
    /// Normalized latents, `[C, T, H, W]` per clip.
    pub latents: Vec<f32>,
    /// Loss weight per latent cell, `[T, H, W]` per clip.
    pub weights: Vec<f32>,
    /// Text tokens per (clip, variant): `M × D`.
    pub tokens: Vec<f32>,
    /// Token validity per (clip, variant): `M`.
    pub valid: Vec<bool>,
    /// Pooled vector per (clip, variant): `D`.
    pub pooled: Vec<f32>,
    /// Attribute probabilities per (clip, variant).
    pub attributes: Vec<f32>,
    /// Camera (direction, speed) label per clip.
    pub camera: Vec<(usize, usize)>,
    /// Per-channel latent mean and std.
    pub stats: (Vec<f32>, Vec<f32>),
    /// Shape of one latent `[C, T, H, W]`.
    pub shape: [usize; 4],
    /// Clips.
    pub clips: usize,
    /// Layout maps per clip, `[layout_channels, T, H, W]` (empty: the DiT takes none).
    pub layouts: Vec<f32>,
    /// Channels of the layout maps.
    pub layout_channels: usize,
}

/// Condition-dropout probability of the layout maps alone (so the DiT also works, if less
/// well, without a plan).
pub const LAYOUT_DROPOUT: f32 = 0.1;

impl Prepared {
    /// Adds the layout maps of each clip's world trajectory.
    pub fn add_layouts(&mut self, trajectories: &[Trajectory]) {
        let [_, _, _, side] = self.shape;
        self.layouts = trajectories
            .iter()
            .flat_map(|t| t.rasterize(FRAMES_PER_LATENT, side))
            .collect();
        self.layout_channels = SLOTS * FRAMES_PER_LATENT;
    }

    /// The planner's training set: the same text conditions and cameras, with each clip's
    /// normalized trajectory `[PLAN_CHANNELS, frames, 1, 1]` in place of its latents.
    pub fn planner_set(&self, trajectories: &[Trajectory]) -> Prepared {
        let frames = trajectories.first().map_or(0, |t| t.frames);
        Prepared {
            latents: trajectories
                .iter()
                .flat_map(Trajectory::normalized)
                .collect(),
            weights: vec![1.0; trajectories.len() * frames],
            tokens: self.tokens.clone(),
            valid: self.valid.clone(),
            pooled: self.pooled.clone(),
            attributes: self.attributes.clone(),
            camera: self.camera.clone(),
            stats: (vec![0.0; PLAN_CHANNELS], vec![1.0; PLAN_CHANNELS]),
            shape: [PLAN_CHANNELS, frames, 1, 1],
            clips: self.clips,
            layouts: Vec::new(),
            layout_channels: 0,
        }
    }
}

/// Prompt variants per clip.
pub const VARIANTS: usize = 2;

/// Encodes every clip with the frozen VAE and every prompt with the frozen encoder.
pub fn prepare(
    model: &VideoModel,
    set: &VideoSet,
    words: &dyn WordLookup,
    camera_groups: (usize, usize),
) -> Result<Prepared> {
    let device = model.device().clone();
    let n = set.meta.len();
    let b64 = clip_bytes(BASE, 3);
    let bar = progress(n, "encode");
    let mut raw = Vec::new();
    let mut shape = [0; 4];
    for start in (0..n).step_by(8) {
        let end = (start + 8).min(n);
        let clips: Vec<&[u8]> = (start..end)
            .map(|i| &set.frames64[i * b64..(i + 1) * b64])
            .collect();
        let (mean, _) = model
            .vae
            .encoder
            .forward(video_tensor(&clips, FRAMES, BASE, &device));
        let [_, c, t, h, w] = mean.dims();
        shape = [c, t, h, w];
        raw.extend(host(mean));
        bar.inc((end - start) as u64);
    }
    bar.finish();
    let [c, t, h, w] = shape;
    let per = c * t * h * w;
    let mut mean = vec![0.0f32; c];
    let mut std = vec![0.0f32; c];
    for clip in raw.chunks(per) {
        for ch in 0..c {
            for v in &clip[ch * t * h * w..(ch + 1) * t * h * w] {
                mean[ch] += v;
            }
        }
    }
    let count = (n * t * h * w) as f32;
    mean.iter_mut().for_each(|m| *m /= count);
    for clip in raw.chunks(per) {
        for ch in 0..c {
            for v in &clip[ch * t * h * w..(ch + 1) * t * h * w] {
                std[ch] += (v - mean[ch]).powi(2);
            }
        }
    }
    std.iter_mut()
        .for_each(|s| *s = (*s / count).sqrt().max(1e-3));
    let mut latents = raw;
    for clip in latents.chunks_mut(per) {
        for ch in 0..c {
            for v in &mut clip[ch * t * h * w..(ch + 1) * t * h * w] {
                *v = (*v - mean[ch]) / std[ch];
            }
        }
    }
    // Object fraction per latent cell: the max over its 4 frames of the share of its 8×8
    // pixels an object covers.
    let m64 = clip_bytes(BASE, 1);
    let cell = BASE / h;
    let mut weights = Vec::with_capacity(n * t * h * w);
    for i in 0..n {
        let mask = &set.mask64[i * m64..(i + 1) * m64];
        for lt in 0..t {
            for cy in 0..h {
                for cx in 0..w {
                    let mut best = 0.0f32;
                    for f in lt * 4..lt * 4 + 4 {
                        let mut s = 0usize;
                        for y in cy * cell..(cy + 1) * cell {
                            for x in cx * cell..(cx + 1) * cell {
                                s += mask[(f * BASE + y) * BASE + x] as usize;
                            }
                        }
                        best = best.max(s as f32 / (cell * cell) as f32);
                    }
                    weights.push(1.0 + OBJECT_WEIGHT * best);
                }
            }
        }
    }
    let mut prep = text_conditions(model, &set.meta, words, camera_groups);
    prep.latents = latents;
    prep.weights = weights;
    prep.stats = (mean, std);
    prep.shape = shape;
    Ok(prep)
}

/// The text conditions (the world's prompt and one paraphrase per clip, through the frozen
/// encoder) and cameras of `meta`, with no latents yet: what the planner's sets are made
/// from without encoding any video.
pub fn text_conditions(
    model: &VideoModel,
    meta: &[ClipMeta],
    words: &dyn WordLookup,
    camera_groups: (usize, usize),
) -> Prepared {
    let n = meta.len();
    let mut rng = Rng::new(0xC0D1);
    let (mut tokens, mut valid, mut pooled, mut attributes) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let bar = progress(n, "text");
    for start in (0..n).step_by(64) {
        let end = (start + 64).min(n);
        let mut prompts = Vec::new();
        for m in &meta[start..end] {
            prompts.push(m.prompt.clone());
            prompts.push(super::augment::augment(&m.prompt, &mut rng));
        }
        let refs: Vec<&str> = prompts.iter().map(String::as_str).collect();
        let (enc, tok) = model.encode_text(&refs, words);
        tokens.extend(host(enc.tokens));
        pooled.extend(host(enc.pooled));
        attributes.extend(host(group_probabilities(enc.logits, model.text.groups())));
        for t in tok {
            valid.push(true);
            valid.extend(t.valid);
        }
        bar.inc((end - start) as u64);
    }
    bar.finish();
    let camera = meta
        .iter()
        .map(|m| (m.labels[camera_groups.0], m.labels[camera_groups.1]))
        .collect();
    Prepared {
        latents: Vec::new(),
        weights: Vec::new(),
        tokens,
        valid,
        pooled,
        attributes,
        camera,
        stats: (Vec::new(), Vec::new()),
        shape: [0; 4],
        clips: n,
        layouts: Vec::new(),
        layout_channels: 0,
    }
}

/// Options of a DiT run.
pub struct DitRun<'a> {
    /// Checkpoint folder (raw weights; EMA beside it with `-ema`).
    pub out: &'a Path,
    /// Steps the learning-rate schedule spans (the whole training, over all runs).
    pub total_steps: usize,
    /// Stop after this many minutes of wall time.
    pub minutes: f64,
    /// Batch size.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// A checkpoint to start a new run from: every tensor whose name and shape still
    /// match is copied (the rest keep their fresh initialization).
    pub warm_start: Option<&'a Path>,
}

/// Trains (or resumes) the DiT on one set; returns the EMA model.
pub fn train(
    run: &DitRun,
    config: &VideoDitConfig,
    prep: &Prepared,
    camera_sizes: (usize, usize),
) -> Result<VideoDit> {
    train_on_sets(run, config, &[prep], camera_sizes)
}

/// Trains (or resumes) the DiT on several sets of different shapes (the planner's paths of
/// several lengths), each step's batch from the next set in turn; returns the EMA model.
pub fn train_on_sets(
    run: &DitRun,
    config: &VideoDitConfig,
    sets: &[&Prepared],
    camera_sizes: (usize, usize),
) -> Result<VideoDit> {
    anyhow::ensure!(!sets.is_empty(), "no training set");
    let device = Device::flex().autodiff();
    let ema_dir = run.out.with_file_name(format!(
        "{}-ema",
        run.out
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("dit")
    ));
    let mut step = 0usize;
    let mut model = config.init(&device);
    let mut ema = Ema::default();
    if run.out.join("manifest.json").exists() {
        let (m, extra) = load_checkpoint(model, "dit", run.out)?;
        model = m;
        step = extra["step"].as_u64().unwrap_or(0) as usize;
        let (e, _) = load_checkpoint(model.clone(), "dit", &ema_dir)?;
        ema.update(&e, 0.0);
        println!("resumed the DiT at step {step}");
    } else {
        if let Some(dir) = run.warm_start {
            let (m, skipped) = super::common::warm_start(model, "dit", dir)?;
            model = m;
            println!(
                "warm start from {}: every tensor but {skipped:?} (new shapes)",
                dir.display()
            );
        }
        ema.update(&model, 0.0);
    }
    let mut optim = AdamWConfig::new().with_weight_decay(0.0).init();
    let mut log = CsvLog::open(
        &run.out.with_extension("csv"),
        "step,loss,lr,samples_per_s,minutes",
    )?;
    let mut rng = Rng::new(0xD17 ^ step as u64);
    let cam_width = camera_sizes.0 + camera_sizes.1;
    let b = run.batch;
    let bar = progress(run.total_steps, "dit");
    bar.set_position(step as u64);
    let start = std::time::Instant::now();
    let first = step;
    let mut last_save = std::time::Instant::now();
    while step < run.total_steps && start.elapsed().as_secs_f64() < run.minutes * 60.0 {
        let prep = sets[step % sets.len()];
        let [c, t, h, w] = prep.shape;
        let per = c * t * h * w;
        let cells = t * h * w;
        let m = prep.valid.len() / (prep.clips * VARIANTS);
        let d = prep.pooled.len() / (prep.clips * VARIANTS);
        let a = prep.attributes.len() / (prep.clips * VARIANTS);
        let lc = prep.layout_channels;
        let layout_per = lc * cells;
        let (mut x0, mut wts, mut tok, mut val, mut pool, mut attr, mut cam) = (
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            Vec::new(),
            vec![0.0f32; b * cam_width],
        );
        let mut times = Vec::with_capacity(b);
        let mut layouts = Vec::with_capacity(b * layout_per);
        for r in 0..b {
            let i = rng.index(prep.clips);
            if lc > 0 {
                if rng.chance(LAYOUT_DROPOUT) {
                    layouts.extend(std::iter::repeat_n(0.0, layout_per));
                } else {
                    layouts.extend_from_slice(&prep.layouts[i * layout_per..(i + 1) * layout_per]);
                }
            }
            x0.extend_from_slice(&prep.latents[i * per..(i + 1) * per]);
            for v in &prep.weights[i * cells..(i + 1) * cells] {
                wts.push(*v);
            }
            let k = i * VARIANTS + rng.index(VARIANTS);
            if rng.chance(DROPOUT) {
                tok.extend(std::iter::repeat_n(0.0, m * d));
                val.extend((0..m).map(|j| j == 0));
                pool.extend(std::iter::repeat_n(0.0, d));
                attr.extend(std::iter::repeat_n(0.0, a));
            } else {
                tok.extend_from_slice(&prep.tokens[k * m * d..(k + 1) * m * d]);
                val.extend_from_slice(&prep.valid[k * m..(k + 1) * m]);
                pool.extend_from_slice(&prep.pooled[k * d..(k + 1) * d]);
                attr.extend_from_slice(&prep.attributes[k * a..(k + 1) * a]);
                let (cm, cs) = prep.camera[i];
                cam[r * cam_width + cm] = 1.0;
                cam[r * cam_width + camera_sizes.0 + cs] = 1.0;
            }
            // Logit-normal flow time.
            let z = normal(&mut rng);
            times.push(1.0 / (1.0 + (-z).exp()));
        }
        let x0 = Tensor::<1>::from_data(TensorData::new(x0, [b * per]), &device)
            .reshape([b, c, t, h, w]);
        let weights = Tensor::<1>::from_data(TensorData::new(wts, [b * cells]), &device)
            .reshape([b, 1, t, h, w]);
        let noise = x0.random_like(burn::tensor::Distribution::Normal(0.0, 1.0));
        let tt = tt_grid(&times, &device);
        let xt = x0.clone() * (tt.clone().neg() + 1.0) + noise.clone() * tt;
        let cond = DitCondition {
            tokens: Tensor::<1>::from_data(TensorData::new(tok, [b * m * d]), &device)
                .reshape([b, m, d]),
            bias: key_bias(&val, b, m, &device),
            pooled: Tensor::<1>::from_data(TensorData::new(pool, [b * d]), &device).reshape([b, d]),
            attributes: Tensor::<1>::from_data(TensorData::new(attr, [b * a]), &device)
                .reshape([b, a]),
            camera: Tensor::<1>::from_data(TensorData::new(cam, [b * cam_width]), &device)
                .reshape([b, cam_width]),
            layout: (lc > 0).then(|| {
                Tensor::<1>::from_data(TensorData::new(layouts, [b * layout_per]), &device)
                    .reshape([b, lc, t, h, w])
            }),
        };
        let v = model.forward(xt, &times, &cond);
        let error = v - (noise - x0);
        // x̂₀ = x_t − t·v̂, so x̂₀ − x₀ = −t·(v̂ − v): its frame differences are t·Δ(error).
        let x0_error = error.clone() * tt_grid(&times, &device);
        let motion = (x0_error.clone().narrow(2, 1, t - 1) - x0_error.narrow(2, 0, t - 1))
            .powi_scalar(2)
            * weights.clone().narrow(2, 1, t - 1);
        let loss =
            (error.powi_scalar(2) * weights).mean() + motion.mean().mul_scalar(MOTION_WEIGHT);
        let loss_value = host(loss.clone())[0];
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let lr = learning_rate(step, run.total_steps, run.lr, 200);
        model = optim.step(lr, model, grads);
        let decay = (0.999f32).min((1 + step) as f32 / (10 + step) as f32);
        ema.update(&model, decay);
        step += 1;
        let rate = ((step - first) * b) as f64 / start.elapsed().as_secs_f64();
        bar.set_message(format!("loss {loss_value:.4} {rate:.1} samples/s"));
        bar.set_position(step as u64);
        log.row(&[
            step.to_string(),
            format!("{loss_value:.5}"),
            format!("{lr:.6}"),
            format!("{rate:.2}"),
            format!("{:.2}", start.elapsed().as_secs_f64() / 60.0),
        ])?;
        if last_save.elapsed().as_secs() > 300 {
            save_both(&model, &ema, run.out, &ema_dir, step)?;
            last_save = std::time::Instant::now();
        }
    }
    bar.finish();
    save_both(&model, &ema, run.out, &ema_dir, step)?;
    Ok(ema.apply(model))
}

/// Flow times as a `[B, 1, 1, 1, 1]` tensor.
fn tt_grid(times: &[f32], device: &Device) -> Tensor<5> {
    Tensor::<1>::from_data(TensorData::new(times.to_vec(), [times.len()]), device).reshape([
        times.len(),
        1,
        1,
        1,
        1,
    ])
}

fn save_both(model: &VideoDit, ema: &Ema, out: &Path, ema_dir: &Path, step: usize) -> Result<()> {
    save_checkpoint(model, "dit", out, serde_json::json!({ "step": step }))?;
    save_checkpoint(
        &ema.apply(model.clone()),
        "dit",
        ema_dir,
        serde_json::json!({ "step": step }),
    )
}

fn normal(rng: &mut Rng) -> f32 {
    let u1 = rng.f32().max(1e-7);
    let u2 = rng.f32();
    (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos()
}

/// Loads the frozen VAE from its checkpoint onto `device`.
pub fn frozen_vae(vae: VideoVae, dir: &Path) -> Result<VideoVae> {
    Ok(load_checkpoint(vae, "vae", dir)?.0)
}
