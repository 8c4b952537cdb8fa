//! The object layer's appearance decoder (`kinora_engine::models::sprite`), trained on
//! world objects rendered alone.
//!
//! Each example is one object in one frame of a training-split scene at 128×128: the frame
//! with only that object drawn (its contact shadow included) and the frame with no object,
//! both resampled onto the sprite grid of the object's box — the same box the engine
//! draws into ([`SpriteBox`]), from the same world trajectory the planner learns. The loss
//! composites the predicted sprite over the empty frame and compares it with the frame
//! that has the object (L1), so alpha and colour are learned together and no mask
//! threshold decides what belongs to the object.

use super::common::{CsvLog, host, learning_rate, progress, save_checkpoint};
use super::schema::{decoder_features, decoder_features_per_slot, schema};
use super::trajectory::world_trajectory;
use anyhow::Result;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use kinora_engine::models::layout::SLOTS;
use kinora_engine::models::pipeline::{SPRITE_SCENE_GROUPS, VideoModelConfig};
use kinora_engine::models::sprite::{
    POSE_INPUTS, SpriteBox, SpriteDecoder, SpriteDecoderConfig, visibility,
};
use kinora_engine::models::weights::load_tensors;
use kinora_world::physics::Plan;
use kinora_world::render::{Frame, RenderConfig, render_frame};
use kinora_world::rng::{Rng, mix};
use kinora_world::sample::{Split, sample_scene};
use kinora_world::scene::{Kind, Scene};
use kinora_world::speech::{mouth_open, schedule};
use std::path::Path;

/// Frames sampled per clip.
const FRAMES_PER_CLIP: usize = 3;
/// Extra frames per clip with a spoken line, mid-syllable.
const SPEAKING_FRAMES: usize = 3;
/// Weight of mean alpha in the loss: among explanations of equal error, the one that
/// covers less (so flat background inside the box stays the decoder's).
const ALPHA_WEIGHT: f32 = 0.003;

/// One object in one frame, on the sprite grid (channel-major, −1..1).
pub struct SpriteExample {
    /// Colour, kind and scene one-hots (the look the text encoder's probabilities
    /// approximate at generation).
    pub look: Vec<f32>,
    /// Facing, sine and cosine of the wing phase, and how open the mouth is.
    pub pose: [f32; POSE_INPUTS + 1],
    /// The frame with the object, `3 × side × side`.
    pub target: Vec<f32>,
    /// The frame without objects.
    pub background: Vec<f32>,
    /// 1 where the sprite pixel lies inside the frame, `side × side`.
    pub valid: Vec<f32>,
}

/// The decoder's configuration for the world's schema.
pub fn sprite_config() -> SpriteDecoderConfig {
    let per_slot = decoder_features_per_slot();
    let schema = schema();
    let count = |name: &str| {
        schema
            .iter()
            .find(|g| g.name == name)
            .map_or(0, |g| g.labels.len())
    };
    let colours = count("object1_colour") - 1;
    let scene = SPRITE_SCENE_GROUPS.iter().map(|g| count(g)).sum();
    SpriteDecoderConfig::new(colours, per_slot - colours, scene).with_mouth(Some(true))
}

/// Scene one-hots in [`SPRITE_SCENE_GROUPS`] order.
fn scene_features(labels: &[usize]) -> Vec<f32> {
    let schema = schema();
    let mut out = Vec::new();
    for name in SPRITE_SCENE_GROUPS {
        if let Some(g) = schema.iter().position(|g| g.name == name) {
            let mut one_hot = vec![0.0f32; schema[g].labels.len()];
            if let Some(&i) = labels.get(g) {
                one_hot[i] = 1.0;
            }
            out.extend(one_hot);
        }
    }
    out
}

/// Bilinear sample of an RGB8 frame at pixel coordinates (clamped to the edge), −1..1.
fn sample(frame: &Frame, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let fx = (x - 0.5).clamp(0.0, (w - 1) as f32);
    let fy = (y - 0.5).clamp(0.0, (h - 1) as f32);
    let (x0, y0) = (fx.floor() as usize, fy.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (ax, ay) = (fx - x0 as f32, fy - y0 as f32);
    let px = |x: usize, y: usize, c: usize| frame.rgb[(y * w + x) * 3 + c] as f32;
    let mut out = [0.0f32; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let top = px(x0, y0, c) * (1.0 - ax) + px(x1, y0, c) * ax;
        let bottom = px(x0, y1, c) * (1.0 - ax) + px(x1, y1, c) * ax;
        *o = (top * (1.0 - ay) + bottom * ay) / 127.5 - 1.0;
    }
    out
}

/// A frame resampled onto a box's sprite grid: (`3 × side²` channel-major, validity).
fn crop(frame: &Frame, b: SpriteBox, side: usize) -> (Vec<f32>, Vec<f32>) {
    let (w, h) = (frame.width as f32, frame.height as f32);
    let mut rgb = vec![0.0f32; 3 * side * side];
    let mut valid = vec![0.0f32; side * side];
    for v in 0..side {
        let y = b.frame_coordinate(b.cy, v, side);
        for u in 0..side {
            let x = b.frame_coordinate(b.cx, u, side);
            let i = v * side + u;
            valid[i] = f32::from(u8::from((0.0..w).contains(&x) && (0.0..h).contains(&y)));
            let s = sample(frame, x, y);
            for c in 0..3 {
                rgb[c * side * side + i] = s[c];
            }
        }
    }
    (rgb, valid)
}

/// The examples of one training-split clip.
fn clip_examples(seed: u64, side: usize) -> Vec<SpriteExample> {
    let scene: Scene = sample_scene(seed, Split::Train);
    let labels = super::schema::scene_labels(&scene);
    let looks = decoder_features(&labels);
    let scene_look = scene_features(&labels);
    let cfg = RenderConfig::default();
    let frames = cfg.frames();
    let plan = Plan::new(&scene, seed, cfg.duration, 1.0);
    let trajectory = world_trajectory(&scene, seed, frames, cfg.fps);
    let mut rng = Rng::new(seed ^ 0x5B41_7E00);
    let line = scene.speech.as_deref().map(schedule).unwrap_or_default();
    let mut out = Vec::new();
    // A speaking character's mouth is open in few random frames: each clip with a line
    // adds frames in the middle of its syllables, where the mouth is widest.
    let speaking: Vec<usize> = if scene.speaker().is_some() {
        (0..SPEAKING_FRAMES)
            .filter_map(|_| {
                let s = line.get(rng.index(line.len().max(1)))?;
                let f = ((s.start + s.dur / 2.0) * cfg.fps as f32).round() as usize;
                (f < frames).then_some(f)
            })
            .collect()
    } else {
        Vec::new()
    };
    let picked: Vec<usize> = (0..FRAMES_PER_CLIP)
        .map(|_| rng.index(frames))
        .chain(speaking)
        .collect();
    for f in picked {
        let hide_all = |_: usize, _: usize| true;
        let empty = render_frame(&scene, seed, &plan, &cfg, f, Some(&hide_all));
        for (s, object) in scene.objects.iter().enumerate().take(SLOTS) {
            let slot = trajectory.at(f, s);
            if visibility(slot) < 1.0 {
                continue;
            }
            let only = |i: usize, _: usize| i != s;
            let with = render_frame(&scene, seed, &plan, &cfg, f, Some(&only));
            let b = SpriteBox::of(slot, cfg.width as usize, cfg.height as usize);
            let (target, valid) = crop(&with, b, side);
            let (background, _) = crop(&empty, b, side);
            let pose = plan.pose(s, f as f32 / cfg.fps as f32);
            // Only birds flap: others see a random phase, so they learn to ignore it.
            let phase = if object.kind == Kind::Bird {
                pose.flap
            } else {
                rng.range(0.0, std::f32::consts::TAU)
            };
            let mut look = looks[s].clone();
            look.extend_from_slice(&scene_look);
            // The speaker's mouth as the world draws it (the engine's schedule is the
            // world's: `the_engines_line_and_timing_are_the_worlds`).
            let mouth = if scene.speaker() == Some(s) {
                mouth_open(&line, f as f32 / cfg.fps as f32)
            } else {
                0.0
            };
            out.push(SpriteExample {
                look,
                pose: [pose.facing, phase.sin(), phase.cos(), mouth],
                target,
                background,
                valid,
            });
        }
    }
    out
}

/// Renders the examples of `clips` training clips on two threads.
pub fn examples(clips: usize, seed: u64, side: usize) -> Vec<SpriteExample> {
    let half = clips / 2;
    std::thread::scope(|scope| {
        let part = |range: std::ops::Range<usize>| {
            move || {
                range
                    .flat_map(|i| clip_examples(mix(seed ^ (i as u64 + 1)), side))
                    .collect::<Vec<_>>()
            }
        };
        let a = scope.spawn(part(0..half));
        let mut out = part(half..clips)();
        let mut first = a.join().unwrap_or_default();
        first.append(&mut out);
        first
    })
}

/// Stacks examples into tensors: (look, pose, target, background, valid).
fn batch(
    examples: &[&SpriteExample],
    side: usize,
    device: &Device,
) -> (Tensor<2>, Tensor<2>, Tensor<4>, Tensor<4>, Tensor<4>) {
    let n = examples.len();
    let features = examples[0].look.len();
    let flat = |f: &dyn Fn(&SpriteExample) -> &[f32], len: usize| {
        let v: Vec<f32> = examples.iter().flat_map(|e| f(e).iter().copied()).collect();
        Tensor::<1>::from_data(TensorData::new(v, [n * len]), device)
    };
    let px = side * side;
    (
        flat(&|e| &e.look, features).reshape([n, features]),
        flat(&|e| &e.pose, POSE_INPUTS + 1).reshape([n, POSE_INPUTS + 1]),
        flat(&|e| &e.target, 3 * px).reshape([n, 3, side, side]),
        flat(&|e| &e.background, 3 * px).reshape([n, 3, side, side]),
        flat(&|e| &e.valid, px).reshape([n, 1, side, side]),
    )
}

/// The composite loss of sprites over their backgrounds against the targets.
fn loss(
    decoder: &SpriteDecoder,
    examples: &[&SpriteExample],
    side: usize,
    device: &Device,
) -> Tensor<1> {
    let (look, pose, target, background, valid) = batch(examples, side, device);
    let sprite = decoder.forward(look, pose);
    let rgb = sprite.clone().narrow(1, 0, 3);
    let alpha = sprite.narrow(1, 3, 1);
    let composite = rgb + background * (alpha.clone().neg() + 1.0);
    let l1 = ((composite - target).abs() * valid.clone()).sum() / (valid.sum() * 3.0 + 1.0);
    l1 + alpha.mean().mul_scalar(ALPHA_WEIGHT)
}

/// The object layer of the model in `dir` on `device`, given a mouth input (at zero) if it
/// has none: a warm start that keeps the shipped look and learns the mouth.
fn shipped_layer(dir: &Path, device: &Device) -> Result<SpriteDecoder> {
    let (manifest, tensors) = super::common::read_weights(dir)?;
    let config: VideoModelConfig = serde_json::from_value(manifest.config)?;
    let old = config
        .sprites
        .ok_or_else(|| anyhow::anyhow!("{} has no object layer", dir.display()))?;
    let decoder = load_tensors(old.init(device), "sprites", &tensors)?;
    Ok(if old.has_mouth() {
        decoder
    } else {
        decoder.with_mouth_input()
    })
}

/// Trains the decoder (from `warm`'s object layer when given); returns (the held-out L1 of its composites, the train L1).
pub fn train(
    out: &Path,
    config: &SpriteDecoderConfig,
    clips: usize,
    steps: usize,
    batch_size: usize,
    peak_lr: f64,
    warm: Option<&Path>,
) -> Result<(f32, f32)> {
    let side = config.side;
    let start = std::time::Instant::now();
    let train_set = examples(clips, 0x5B41_7E51, side);
    let check_set = examples(clips / 10 + 1, 0x5B41_7E52, side);
    anyhow::ensure!(train_set.len() >= batch_size, "too few examples");
    println!(
        "{} training and {} check examples rendered in {:.1} s",
        train_set.len(),
        check_set.len(),
        start.elapsed().as_secs_f64()
    );
    let device = Device::flex().autodiff();
    let mut model = match warm {
        Some(dir) => shipped_layer(dir, &device)?,
        None => config.init(&device),
    };
    let mut optim = AdamWConfig::new().init();
    let mut log = CsvLog::open(&out.with_extension("csv"), "step,loss,lr,samples_per_s")?;
    let mut rng = Rng::new(0x5B41_7E53);
    let bar = progress(steps, "sprites");
    let start = std::time::Instant::now();
    let mut last = f32::NAN;
    for step in 0..steps {
        let picks: Vec<&SpriteExample> = (0..batch_size)
            .map(|_| &train_set[rng.index(train_set.len())])
            .collect();
        let l = loss(&model, &picks, side, &device);
        last = host(l.clone())[0];
        let grads = GradientsParams::from_grads(l.backward(), &model);
        let lr = learning_rate(step, steps, peak_lr, 100);
        model = optim.step(lr, model, grads);
        let rate = ((step + 1) * batch_size) as f64 / start.elapsed().as_secs_f64();
        bar.set_message(format!("loss {last:.4} {rate:.0} sprites/s"));
        bar.inc(1);
        log.row(&[
            step.to_string(),
            format!("{last:.5}"),
            format!("{lr:.6}"),
            format!("{rate:.1}"),
        ])?;
        if (step + 1) % 500 == 0 {
            save_checkpoint(
                &model,
                "sprites",
                out,
                serde_json::json!({ "step": step + 1 }),
            )?;
        }
    }
    bar.finish();
    save_checkpoint(&model, "sprites", out, serde_json::json!({ "step": steps }))?;
    let plain = model.valid();
    let plain_device = Device::flex();
    let mut held = 0.0;
    let checks: Vec<&SpriteExample> = check_set.iter().collect();
    for c in checks.chunks(256) {
        held += host(loss(&plain, c, side, &plain_device))[0] * c.len() as f32;
    }
    Ok((held / check_set.len() as f32, last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn examples_put_the_object_inside_its_box() {
        let side = 16;
        let set = examples(6, 3, side);
        assert!(!set.is_empty());
        for e in &set {
            assert_eq!(e.look.len(), sprite_config().look_features());
        }
        // The object is drawn at the centre of its box, so the centre differs from the
        // empty frame (unless the object has the background's colour there; few do).
        let changed = set
            .iter()
            .filter(|e| {
                let c = (side / 2) * side + side / 2;
                (0..3).any(|k| {
                    (e.target[k * side * side + c] - e.background[k * side * side + c]).abs() > 0.1
                })
            })
            .count();
        assert!(changed * 10 >= set.len() * 8, "{changed} of {}", set.len());
    }

    #[test]
    fn a_few_steps_lower_the_composite_loss() {
        let config = sprite_config().with_hidden(32).with_side(8);
        let set = examples(4, 5, 8);
        let device = Device::flex().autodiff();
        let mut model = config.init(&device);
        let picks: Vec<&SpriteExample> = set.iter().collect();
        let first = host(loss(&model, &picks, 8, &device))[0];
        let mut optim = AdamWConfig::new().init();
        for _ in 0..40 {
            let l = loss(&model, &picks, 8, &device);
            let grads = GradientsParams::from_grads(l.backward(), &model);
            model = optim.step(3e-3, model, grads);
        }
        let last = host(loss(&model, &picks, 8, &device))[0];
        assert!(last < 0.7 * first, "loss {first} → {last}");
    }
}
