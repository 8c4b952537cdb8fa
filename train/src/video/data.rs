//! The video training set: world clips rendered once and cached on disk — 64×64 frames
//! with per-pixel object masks for every clip, and 128×128 frames for the first few
//! hundred (the VAE's upsampler targets). Clip `i` is a pure function of `(seed, i)`.
//!
//! Files in the cache folder: `meta.jsonl` (prompt, scene, labels per clip),
//! `frames64.bin` (`T×64×64×3` bytes per clip), `mask64.bin` (`T×64×64`, 0/1),
//! `frames128.bin` (`T×128×128×3`, first `n128` clips).

use super::schema::scene_labels;
use anyhow::{Context, Result};
use kinora_world::render::{RenderConfig, render_frames};
use kinora_world::rng::mix;
use kinora_world::sample::{Split, sample_scene};
use kinora_world::scene::Scene;
use kinora_world::text::describe;
use serde::{Deserialize, Serialize};
use std::io::{BufRead, Write};
use std::path::Path;

/// Frames per clip (2 s at 12 fps).
pub const FRAMES: usize = 24;
/// Base side.
pub const BASE: usize = 64;
/// Upsampled side.
pub const HIGH: usize = 128;

/// One clip's metadata.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ClipMeta {
    /// Render seed.
    pub seed: u64,
    /// The world's prompt for the scene.
    pub prompt: String,
    /// The scene.
    pub scene: Scene,
    /// Label per attribute group.
    pub labels: Vec<usize>,
}

/// The cached training set in memory.
pub struct VideoSet {
    /// Metadata per clip.
    pub meta: Vec<ClipMeta>,
    /// 64×64 frames, clip-major.
    pub frames64: Vec<u8>,
    /// 64×64 object masks.
    pub mask64: Vec<u8>,
    /// 128×128 frames of the first `n128` clips.
    pub frames128: Vec<u8>,
    /// Clips with 128×128 frames.
    pub n128: usize,
}

/// Bytes per clip at a side.
pub fn clip_bytes(side: usize, channels: usize) -> usize {
    FRAMES * side * side * channels
}

/// Renders one clip: (meta, frames64, mask64, frames128 if wanted).
pub fn render_clip(seed: u64, split: Split, high: bool) -> (ClipMeta, Vec<u8>, Vec<u8>, Vec<u8>) {
    let (meta, frames, mask, high, _) = render_clip_and_plate(seed, split, high);
    (meta, frames, mask, high)
}

/// [`render_clip`], plus the clip's plate: its 64×64 frames with no object drawn (what the
/// scene model generates when the object layer draws the objects).
pub fn render_clip_and_plate(
    seed: u64,
    split: Split,
    high: bool,
) -> (ClipMeta, Vec<u8>, Vec<u8>, Vec<u8>, Vec<u8>) {
    let scene = sample_scene(seed, split);
    let prompt = describe(&scene, seed);
    let cfg = |side: usize| RenderConfig {
        width: side as u32,
        height: side as u32,
        ..RenderConfig::default()
    };
    let with = render_frames(&scene, seed, &cfg(BASE), None);
    let hide_all = |_: usize, _: usize| true;
    let without = render_frames(&scene, seed, &cfg(BASE), Some(&hide_all));
    let mut frames = Vec::with_capacity(clip_bytes(BASE, 3));
    let mut plate = Vec::with_capacity(clip_bytes(BASE, 3));
    let mut mask = Vec::with_capacity(clip_bytes(BASE, 1));
    for (a, b) in with.iter().zip(&without) {
        frames.extend_from_slice(&a.rgb);
        plate.extend_from_slice(&b.rgb);
        for (pa, pb) in a.rgb.chunks(3).zip(b.rgb.chunks(3)) {
            let d = (0..3).map(|k| pa[k].abs_diff(pb[k])).max().unwrap_or(0);
            mask.push(u8::from(d > 8));
        }
    }
    let high_frames = if high {
        render_frames(&scene, seed, &cfg(HIGH), None)
            .into_iter()
            .flat_map(|f| f.rgb)
            .collect()
    } else {
        Vec::new()
    };
    let labels = scene_labels(&scene);
    (
        ClipMeta {
            seed,
            prompt,
            scene,
            labels,
        },
        frames,
        mask,
        high_frames,
        plate,
    )
}

/// Seed of training clip `i`.
pub fn train_seed(base: u64, i: usize) -> u64 {
    mix(base ^ (i as u64).wrapping_mul(0x9E37_79B9))
}

/// Renders `n` training clips (the first `n128` also at 128×128) into `dir` on `threads`;
/// with `plates`, `frames64.bin` holds the clips' plates (no objects) instead, the scene
/// model's training set when an object layer draws the objects (masks stay the objects').
pub fn build(
    dir: &Path,
    n: usize,
    n128: usize,
    seed: u64,
    threads: usize,
    plates: bool,
) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let bar = indicatif::ProgressBar::new(n as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "rendering {bar:40} {pos}/{len} clips, {per_sec}, ETA {eta}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let results: Vec<_> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let bar = bar.clone();
                s.spawn(move || {
                    (t..n)
                        .step_by(threads)
                        .map(|i| {
                            let (meta, frames, mask, high, plate) =
                                render_clip_and_plate(train_seed(seed, i), Split::Train, i < n128);
                            let shown = if plates { plate } else { frames };
                            let r = (i, (meta, shown, mask, high));
                            bar.inc(1);
                            r
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    });
    bar.finish();
    let mut results = results;
    results.sort_by_key(|r| r.0);
    let mut meta = std::fs::File::create(dir.join("meta.jsonl"))?;
    let mut f64 = std::io::BufWriter::new(std::fs::File::create(dir.join("frames64.bin"))?);
    let mut m64 = std::io::BufWriter::new(std::fs::File::create(dir.join("mask64.bin"))?);
    let mut f128 = std::io::BufWriter::new(std::fs::File::create(dir.join("frames128.bin"))?);
    for (_, (m, frames, mask, high)) in &results {
        writeln!(meta, "{}", serde_json::to_string(m)?)?;
        f64.write_all(frames)?;
        m64.write_all(mask)?;
        f128.write_all(high)?;
    }
    anyhow::ensure!(
        results.len() == n,
        "rendered {} of {n} clips",
        results.len()
    );
    Ok(())
}

/// Loads the cache.
pub fn load(dir: &Path) -> Result<VideoSet> {
    let read = |name: &str| {
        std::fs::read(dir.join(name)).with_context(|| {
            format!(
                "reading {}/{name} (run `train-video data` first)",
                dir.display()
            )
        })
    };
    let meta_file = std::fs::File::open(dir.join("meta.jsonl")).with_context(|| {
        format!(
            "opening {}/meta.jsonl (run `train-video data` first)",
            dir.display()
        )
    })?;
    let meta: Vec<ClipMeta> = std::io::BufReader::new(meta_file)
        .lines()
        .map(|l| Ok(serde_json::from_str(&l?)?))
        .collect::<Result<_>>()?;
    let frames64 = read("frames64.bin")?;
    let mask64 = read("mask64.bin")?;
    let frames128 = read("frames128.bin")?;
    anyhow::ensure!(
        frames64.len() == meta.len() * clip_bytes(BASE, 3),
        "frames64.bin has the wrong size"
    );
    anyhow::ensure!(
        mask64.len() == meta.len() * clip_bytes(BASE, 1),
        "mask64.bin has the wrong size"
    );
    let n128 = frames128.len() / clip_bytes(HIGH, 3);
    Ok(VideoSet {
        meta,
        frames64,
        mask64,
        frames128,
        n128,
    })
}
