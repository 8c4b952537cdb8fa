//! Stage 2: the video VAE, on 8-frame windows of the clips that have 128×128 frames (the
//! convolutions are shift-equivariant in time, so short windows teach the whole clip),
//! cropped to 32×32 around an object (and in space too, so a crop teaches the whole frame:
//! a quarter of the compute per window, and objects — what the judge looks at and what a
//! full-frame loss under-weights — in every sample).
//! The reconstruction loss is weighted ×16 on object pixels (masks rendered by the world):
//! an object is ~2% of a frame, and a plain loss lets the latents forget it.

use super::common::{CsvLog, host, learning_rate, progress, save_checkpoint, warm_start};
use super::data::{BASE, FRAMES, HIGH, VideoSet, clip_bytes};
use super::schema::decoder_features;
use super::trajectory::world_trajectory;
use anyhow::Result;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use kinora_engine::models::layout::{SLOTS, SlotFrame, Trajectory, object_maps_tensor};
use kinora_engine::models::vae::{VideoVae, VideoVaeConfig};
use kinora_world::rng::Rng;
use std::path::Path;

/// Share of training windows whose decoder gets no layout maps (all zeros), so it still
/// decodes latents alone (the live preview has no plan).
pub const LAYOUT_DROPOUT: f32 = 0.1;

/// Weight of object pixels in the reconstruction loss (default of [`VaeRun`]).
pub const OBJECT_WEIGHT: f32 = 8.0;

/// One VAE training run's settings.
#[derive(Debug, Clone, Copy)]
pub struct VaeRun {
    /// Optimizer steps.
    pub steps: usize,
    /// Windows per step.
    pub batch: usize,
    /// Peak learning rate (warm-up, then cosine).
    pub peak_lr: f64,
    /// Train the decoder alone (the encoder, and so the DiT's latents, stay as they are).
    pub decoder_only: bool,
    /// Extra weight of object pixels in the per-pixel loss.
    pub object_weight: f32,
    /// Weight of the objects' mean-colour error (see `object_colour_error`).
    pub colour_weight: f32,
    /// Weight of the edge error (see `edge_error`).
    pub edge_weight: f32,
}
/// KL weight (small: the latents should keep detail; the DiT normalizes them anyway).
pub const KL_WEIGHT: f32 = 1e-4;

/// `[n, 3, t, side, side]` in −1..1 from RGB8 frames `t×side×side×3` per clip.
pub fn video_tensor(clips: &[&[u8]], t: usize, side: usize, device: &Device) -> Tensor<5> {
    let n = clips.len();
    let values: Vec<f32> = clips
        .iter()
        .flat_map(|c| c.iter().map(|&v| v as f32 / 127.5 - 1.0))
        .collect();
    Tensor::<1>::from_data(TensorData::new(values, [n * t * side * side * 3]), device)
        .reshape([n, t, side, side, 3])
        .permute([0, 4, 1, 2, 3])
}

/// Loss weights `[n, 1, t, side, side]` from 0/1 masks `t×side×side` per clip.
pub fn weight_tensor(
    masks: &[&[u8]],
    t: usize,
    side: usize,
    object_weight: f32,
    device: &Device,
) -> Tensor<5> {
    let values: Vec<f32> = masks
        .iter()
        .flat_map(|m| m.iter().map(|&v| 1.0 + object_weight * v as f32))
        .collect();
    Tensor::<1>::from_data(
        TensorData::new(values, [masks.len() * t * side * side]),
        device,
    )
    .reshape([masks.len(), 1, t, side, side])
}

/// A random window of `len` frames (start a multiple of 4) of clip `i`: (frames64, mask64, frames128).
fn window(set: &VideoSet, i: usize, start: usize, len: usize) -> (&[u8], &[u8], &[u8]) {
    let (b64, m64, b128) = (
        clip_bytes(BASE, 3),
        clip_bytes(BASE, 1),
        clip_bytes(HIGH, 3),
    );
    let frame = |bytes: usize| bytes / FRAMES;
    (
        &set.frames64[i * b64 + start * frame(b64)..i * b64 + (start + len) * frame(b64)],
        &set.mask64[i * m64 + start * frame(m64)..i * m64 + (start + len) * frame(m64)],
        &set.frames128[i * b128 + start * frame(b128)..i * b128 + (start + len) * frame(b128)],
    )
}

/// Side of the training crops at 64×64 (a multiple of 8, so crops keep the latent grid).
pub const CROP: usize = 32;

/// The crop of `len` frames `t×side×side×ch` at (`x`, `y`) in units of the frame's side/64.
fn crop(bytes: &[u8], len: usize, side: usize, ch: usize, x: usize, y: usize) -> Vec<u8> {
    let scale = side / BASE;
    let (cs, x0, y0) = (CROP * scale, x * scale, y * scale);
    let mut out = Vec::with_capacity(len * cs * cs * ch);
    for f in 0..len {
        for row in y0..y0 + cs {
            let at = ((f * side + row) * side + x0) * ch;
            out.extend_from_slice(&bytes[at..at + cs * ch]);
        }
    }
    out
}

/// Where to crop a window: centred on the object pixels of its middle frame (grid-aligned),
/// or anywhere when no object is in view.
fn crop_origin(mask: &[u8], len: usize, rng: &mut Rng) -> (usize, usize) {
    let frame = &mask[(len / 2) * BASE * BASE..(len / 2 + 1) * BASE * BASE];
    let (mut sx, mut sy, mut n) = (0usize, 0usize, 0usize);
    for (i, &m) in frame.iter().enumerate() {
        if m != 0 {
            sx += i % BASE;
            sy += i / BASE;
            n += 1;
        }
    }
    let span = BASE - CROP;
    let place = |centre: usize, rng: &mut Rng| {
        // Jitter by up to a latent cell so objects are seen at every phase of the grid.
        let jitter = rng.index(9);
        let at = (centre + jitter).saturating_sub(CROP / 2 + 4).min(span);
        at / 8 * 8
    };
    if n == 0 {
        return (8 * rng.index(span / 8 + 1), 8 * rng.index(span / 8 + 1));
    }
    (place(sx / n, rng), place(sy / n, rng))
}

/// The part of a clip's trajectory a crop window sees, in the crop's own frame units:
/// frames `start..start + len`, positions relative to the crop at (`x`, `y`) (64×64
/// pixels), radii scaled to the crop's height.
fn crop_trajectory(full: &Trajectory, start: usize, len: usize, x: usize, y: usize) -> Trajectory {
    let scale = BASE as f32 / CROP as f32;
    let (ox, oy) = (x as f32 / BASE as f32, y as f32 / BASE as f32);
    let slots = (start..start + len)
        .flat_map(|f| (0..SLOTS).map(move |s| (f, s)))
        .map(|(f, s)| {
            let p = full.at(f, s);
            SlotFrame {
                x: (p.x - ox) * scale,
                y: (p.y - oy) * scale,
                radius: p.radius * scale,
                presence: p.presence,
            }
        })
        .collect();
    Trajectory { frames: len, slots }
}

/// Mean absolute error of each object's average colour per frame (the object pixels'
/// mean RGB in the output vs the target), over the frames where an object is in view:
/// a blurred object keeps its shape but drifts towards the background's colour, which
/// per-pixel losses barely charge for and a viewer (and the judge) notices first.
///
/// # Shapes
/// out, target `[B, 3, T, H, W]`, mask `[B, 1, T, H, W]` (0/1) → `[1]`
fn object_colour_error(out: Tensor<5>, target: Tensor<5>, mask: Tensor<5>) -> Tensor<1> {
    let area = |t: Tensor<5>| t.sum_dim(4).sum_dim(3);
    let pixels = area(mask.clone());
    let present = pixels.clone().clamp_max(1.0);
    let mean_of = |t: Tensor<5>| area(t * mask.clone()) / (pixels.clone() + 1e-3);
    let error = (mean_of(out) - mean_of(target)).abs() * present.clone();
    error.sum() / (present.sum().mul_scalar(3.0) + 1e-3)
}

/// Weighted L1 between the horizontal and vertical pixel differences of output and
/// target: a blurred edge has small differences where the target has one large one, so
/// this charges for blur that a per-pixel L1 (which a soft average nearly satisfies)
/// lets through. Why it matters here: the judge names an object's colour from its
/// brighter pixels, and a blurred dark object's brighter pixels are its halo of mixed
/// background — red, blue, green and black objects were found far less often than
/// white, pink or yellow ones.
///
/// # Shapes
/// out, target `[B, 3, T, H, W]`, weight `[B, 1, T, H, W]` → `[1]`
fn edge_error(out: Tensor<5>, target: Tensor<5>, weight: Tensor<5>) -> Tensor<1> {
    let [_, _, _, h, w] = out.dims();
    let dx = |t: Tensor<5>| t.clone().narrow(4, 1, w - 1) - t.narrow(4, 0, w - 1);
    let dy = |t: Tensor<5>| t.clone().narrow(3, 1, h - 1) - t.narrow(3, 0, h - 1);
    let ex = (dx(out.clone()) - dx(target.clone())).abs() * weight.clone().narrow(4, 1, w - 1);
    let ey = (dy(out) - dy(target)).abs() * weight.narrow(3, 1, h - 1);
    ex.mean() + ey.mean()
}

/// Nearest 2× spatial upsampling of weights.
fn up2(w: Tensor<5>) -> Tensor<5> {
    let [n, c, t, h, wd] = w.dims();
    w.reshape([n, c, t, h, 1, wd, 1])
        .expand([n, c, t, h, 2, wd, 2])
        .reshape([n, c, t, 2 * h, 2 * wd])
}

/// Trains the VAE (or, with `decoder_only`, fine-tunes its decoder) and writes its
/// checkpoint to `out`.
pub fn train(out: &Path, config: &VideoVaeConfig, set: &VideoSet, run: VaeRun) -> Result<VideoVae> {
    let VaeRun {
        steps,
        batch,
        peak_lr,
        decoder_only,
        object_weight,
        colour_weight,
        edge_weight,
    } = run;
    anyhow::ensure!(
        set.n128 >= batch,
        "the data cache has only {} clips at 128×128",
        set.n128
    );
    let device = Device::flex().autodiff();
    let mut model = config.init(&device);
    if out.join("manifest.json").exists() {
        // Continue from the last checkpoint (a fresh schedule over `steps` more steps);
        // tensors the checkpoint lacks (new layout projections) keep their zero start.
        let (m, fresh) = warm_start(model, "vae", out)?;
        model = m;
        println!("continuing the VAE from {} (new: {fresh:?})", out.display());
    }
    // A frozen encoder runs outside autodiff: its graph is never built, so nothing of it
    // is kept alive from step to step (detaching alone let memory grow ~20 MB a step).
    let frozen_encoder = decoder_only.then(|| {
        let plain = Device::flex();
        let tensors = kinora_engine::models::weights::collect_tensors(&model, "vae")
            .into_iter()
            .collect();
        kinora_engine::models::weights::load_tensors(config.init(&plain), "vae", &tensors)
            .map(|vae| vae.encoder)
    });
    let frozen_encoder = frozen_encoder.transpose()?;
    let slots = config.layout_slots();
    // Per clip, once: its world trajectory and what the decoder is told of its objects.
    let objects: Vec<(Trajectory, Vec<Vec<f32>>)> = if slots > 0 {
        set.meta
            .iter()
            .map(|m| {
                (
                    world_trajectory(&m.scene, m.seed, FRAMES, 12),
                    decoder_features(&m.labels),
                )
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut optim = AdamWConfig::new().init();
    let mut log = CsvLog::open(&out.with_extension("csv"), "step,loss,lr,samples_per_s")?;
    let mut rng = Rng::new(0x7AE0_0001);
    let bar = progress(steps, "vae");
    let start = std::time::Instant::now();
    const LEN: usize = 8;
    for step in 0..steps {
        let picks: Vec<(usize, usize)> = (0..batch)
            .map(|_| (rng.index(set.n128), 4 * rng.index((FRAMES - LEN) / 4 + 1)))
            .collect();
        let mut plans = Vec::new();
        let wins: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = picks
            .iter()
            .map(|&(i, s)| {
                let (f64, m64, f128) = window(set, i, s, LEN);
                let (x, y) = crop_origin(m64, LEN, &mut rng);
                if slots > 0 {
                    let (trajectory, features) = &objects[i];
                    let mut plan = crop_trajectory(trajectory, s, LEN, x, y);
                    if rng.f32() < LAYOUT_DROPOUT {
                        plan.slots.iter_mut().for_each(|p| p.presence = 0.0);
                    }
                    plans.push((plan, features.clone()));
                }
                (
                    crop(f64, LEN, BASE, 3, x, y),
                    crop(m64, LEN, BASE, 1, x, y),
                    crop(f128, LEN, HIGH, 3, x, y),
                )
            })
            .collect();
        // The decoder's per-frame object maps at the crop's base resolution.
        let maps = (slots > 0)
            .then(|| object_maps_tensor(&plans, config.layout_features(), CROP, &device));
        let x64 = video_tensor(
            &wins.iter().map(|w| w.0.as_slice()).collect::<Vec<_>>(),
            LEN,
            CROP,
            &device,
        );
        let w64 = weight_tensor(
            &wins.iter().map(|w| w.1.as_slice()).collect::<Vec<_>>(),
            LEN,
            CROP,
            object_weight,
            &device,
        );
        let x128 = video_tensor(
            &wins.iter().map(|w| w.2.as_slice()).collect::<Vec<_>>(),
            LEN,
            2 * CROP,
            &device,
        );
        let (mean, log_var) = match &frozen_encoder {
            // The encoder (hence the latents a DiT was trained on) stays as it is.
            Some(encoder) => {
                let plain = video_tensor(
                    &wins.iter().map(|w| w.0.as_slice()).collect::<Vec<_>>(),
                    LEN,
                    CROP,
                    &Device::flex(),
                );
                let (m, v) = encoder.forward(plain);
                let lift = |t: Tensor<5>| {
                    let dims = t.dims();
                    Tensor::<5>::from_data(TensorData::new(host(t), dims), &device)
                };
                (lift(m), lift(v))
            }
            None => model.encoder.forward(x64.clone()),
        };
        let eps = mean.random_like(burn::tensor::Distribution::Normal(0.0, 1.0));
        let z = mean.clone() + log_var.clone().mul_scalar(0.5).exp() * eps;
        let (base, high) = model.decoder.forward(z, maps);
        // Object pixels are where w64 > 1.
        let mask = (w64.clone() - 1.0).div_scalar(object_weight);
        let colour = if colour_weight > 0.0 {
            (object_colour_error(base.clone(), x64.clone(), mask.clone())
                + object_colour_error(high.clone(), x128.clone(), up2(mask)))
            .mul_scalar(colour_weight)
        } else {
            Tensor::<1>::zeros([1], &device)
        };
        let edges = if edge_weight > 0.0 {
            (edge_error(base.clone(), x64.clone(), w64.clone())
                + edge_error(high.clone(), x128.clone(), up2(w64.clone())))
            .mul_scalar(edge_weight)
        } else {
            Tensor::<1>::zeros([1], &device)
        };
        let l64 = ((base - x64).abs() * w64.clone()).mean();
        let l128 = ((high - x128).abs() * up2(w64)).mean();
        let kl = (mean.powi_scalar(2) + log_var.clone().exp() - log_var - 1.0)
            .mean()
            .mul_scalar(0.5);
        let loss = l64 + l128 + kl.mul_scalar(KL_WEIGHT) + colour + edges;
        let loss_value = host(loss.clone())[0];
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let lr = learning_rate(step, steps, peak_lr, 50);
        model = optim.step(lr, model, grads);
        let rate = ((step + 1) * batch) as f64 / start.elapsed().as_secs_f64();
        bar.set_message(format!("loss {loss_value:.4} {rate:.1} windows/s"));
        bar.inc(1);
        log.row(&[
            step.to_string(),
            format!("{loss_value:.5}"),
            format!("{lr:.6}"),
            format!("{rate:.2}"),
        ])?;
        if (step + 1) % 200 == 0 {
            save_checkpoint(&model, "vae", out, serde_json::json!({ "step": step + 1 }))?;
        }
    }
    bar.finish();
    save_checkpoint(&model, "vae", out, serde_json::json!({ "step": steps }))?;
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(values: Vec<f32>, side: usize) -> Tensor<5> {
        Tensor::<1>::from_data(TensorData::new(values, [side * side]), &Device::flex())
            .reshape([1, 1, 1, side, side])
            .repeat_dim(1, 3)
    }

    /// A sharp step and the same step blurred over three pixels.
    fn step_and_blur(side: usize) -> (Tensor<5>, Tensor<5>) {
        let row = |x: usize, blur: bool| match (x, blur) {
            (x, false) if x < side / 2 => -1.0,
            (_, false) => 1.0,
            (x, true) if x + 1 < side / 2 => -1.0,
            (x, true) if x > side / 2 => 1.0,
            (x, true) => (x as f32 - (side as f32 / 2.0 - 0.5)) * 0.8,
        };
        let make = |blur: bool| {
            frame(
                (0..side * side).map(|i| row(i % side, blur)).collect(),
                side,
            )
        };
        (make(false), make(true))
    }

    #[test]
    fn edge_error_charges_for_blur_that_l1_barely_sees() {
        let side = 8;
        let (sharp, blurred) = step_and_blur(side);
        let ones = Tensor::<5>::ones([1, 1, 1, side, side], &Device::flex());
        let same = host(edge_error(sharp.clone(), sharp.clone(), ones.clone()))[0];
        assert_eq!(same, 0.0);
        let edge = host(edge_error(blurred.clone(), sharp.clone(), ones))[0];
        let l1 = host((blurred - sharp).abs().mean())[0];
        assert!(edge > l1, "edge {edge} vs per-pixel {l1}");
    }

    #[test]
    fn object_colour_error_is_the_masked_mean_difference() {
        let side = 4;
        let target = frame(vec![0.5; side * side], side);
        // The output is right except for one object pixel that is 0.4 too dark.
        let mut out = vec![0.5; side * side];
        out[5] = 0.1;
        let out = frame(out, side);
        let mut mask = vec![0.0; side * side];
        mask[5] = 1.0;
        mask[6] = 1.0;
        let mask = Tensor::<1>::from_data(TensorData::new(mask, [side * side]), &Device::flex())
            .reshape([1, 1, 1, side, side]);
        let e = host(object_colour_error(out, target, mask))[0];
        assert!(
            (e - 0.2).abs() < 1e-3,
            "mean over 2 object pixels of 0.4: {e}"
        );
    }

    #[test]
    fn crops_see_the_trajectory_in_their_own_frame() {
        let full = Trajectory {
            frames: 2,
            slots: (0..2 * SLOTS)
                .map(|i| {
                    if i % SLOTS == 0 {
                        SlotFrame {
                            x: 0.5,
                            y: 0.25,
                            radius: 0.1,
                            presence: 1.0,
                        }
                    } else {
                        SlotFrame::EMPTY
                    }
                })
                .collect(),
        };
        // A 32-pixel crop at (16, 0) of the 64-pixel frame.
        let c = crop_trajectory(&full, 0, 2, 16, 0);
        let p = c.at(1, 0);
        assert!(
            (p.x - 0.5).abs() < 1e-6,
            "centre 32 px is the crop's middle: {}",
            p.x
        );
        assert!((p.y - 0.5).abs() < 1e-6);
        assert!(
            (p.radius - 0.2).abs() < 1e-6,
            "twice the fraction of a half-size crop"
        );
    }
}
