//! Test material: rendered clips as I420, ffmpeg round trips, luma statistics.
#![allow(dead_code)]

use kinora_provenance::watermark::{Detection, Detector, Embedder, WatermarkKey};
use kinora_world::clip::make_clip;
use kinora_world::render::RenderConfig;
use kinora_world::sample::{Split, sample_scene};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A clip of I420 frames (Y, then U, then V; chroma at half resolution rounded up).
#[derive(Clone)]
pub struct Clip420 {
    pub width: usize,
    pub height: usize,
    pub fps: u32,
    pub frames: Vec<Vec<u8>>,
}

impl Clip420 {
    pub fn luma_len(&self) -> usize {
        self.width * self.height
    }
    pub fn luma(&self, i: usize) -> &[u8] {
        &self.frames[i][..self.luma_len()]
    }
}

/// Render scene `seed` (training split) at the given size, converted to BT.601 I420.
pub fn render(seed: u64, width: u32, height: u32, fps: u32, duration: f32) -> Clip420 {
    let cfg = RenderConfig {
        width,
        height,
        fps,
        duration,
        sample_rate: 24_000,
    };
    let scene = sample_scene(seed, Split::Train);
    let clip = make_clip(&scene, seed, &cfg);
    let frames = clip
        .frames
        .iter()
        .map(|f| rgb_to_i420(&f.rgb, width as usize, height as usize))
        .collect();
    Clip420 {
        width: width as usize,
        height: height as usize,
        fps,
        frames,
    }
}

/// BT.601 limited-range ("TV") RGB → I420 with 2×2 chroma averaging.
pub fn rgb_to_i420(rgb: &[u8], w: usize, h: usize) -> Vec<u8> {
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let mut out = vec![0u8; w * h + 2 * cw * ch];
    let px = |x: usize, y: usize| {
        let i = 3 * (y * w + x);
        (rgb[i] as f32, rgb[i + 1] as f32, rgb[i + 2] as f32)
    };
    for y in 0..h {
        for x in 0..w {
            let (r, g, b) = px(x, y);
            out[y * w + x] = (16.0 + (65.481 * r + 128.553 * g + 24.966 * b) / 255.0).round() as u8;
        }
    }
    for cy in 0..ch {
        for cx in 0..cw {
            let (mut u, mut v, mut n) = (0.0, 0.0, 0.0);
            for y in 2 * cy..(2 * cy + 2).min(h) {
                for x in 2 * cx..(2 * cx + 2).min(w) {
                    let (r, g, b) = px(x, y);
                    u += 128.0 + (-37.797 * r - 74.203 * g + 112.0 * b) / 255.0;
                    v += 128.0 + (112.0 * r - 93.786 * g - 18.214 * b) / 255.0;
                    n += 1.0;
                }
            }
            out[w * h + cy * cw + cx] = (u / n).round() as u8;
            out[w * h + cw * ch + cy * cw + cx] = (v / n).round() as u8;
        }
    }
    out
}

/// Mark every frame's luma in place; returns the PSNR (dB) of marked vs original luma
/// over the whole clip and the largest per-pixel change.
pub fn mark(clip: &mut Clip420, key: &WatermarkKey) -> (f64, u8) {
    let (w, h) = (clip.width as u32, clip.height as u32);
    let n = clip.luma_len();
    let mut embedder = Embedder::new(key);
    let (mut sq, mut count, mut max_diff) = (0.0f64, 0usize, 0u8);
    for frame in &mut clip.frames {
        let original = frame[..n].to_vec();
        embedder.embed(&mut frame[..n], w, h).unwrap();
        for (a, b) in original.iter().zip(&frame[..n]) {
            let d = a.abs_diff(*b);
            max_diff = max_diff.max(d);
            sq += (d as f64).powi(2);
        }
        count += n;
    }
    let mse = sq / count as f64;
    let psnr = if mse == 0.0 {
        f64::INFINITY
    } else {
        10.0 * (255.0f64 * 255.0 / mse).log10()
    };
    (psnr, max_diff)
}

/// Detect `key` in a sequence of luma planes.
pub fn detect(frames: &[Vec<u8>], w: usize, h: usize, key: &WatermarkKey) -> (Detection, Detector) {
    let mut d = Detector::new(key);
    for f in frames {
        d.add_luma(&f[..w * h], w as u32, h as u32).unwrap();
    }
    (d.finish(), d)
}

/// A scratch directory removed on drop.
pub struct Scratch(PathBuf);

impl Scratch {
    pub fn new() -> Scratch {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "wm_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    pub fn path(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn ffmpeg(args: &[&str]) {
    let out = Command::new("ffmpeg")
        .args(["-hide_banner", "-loglevel", "error", "-y"])
        .args(args)
        .output()
        .expect("ffmpeg not runnable");
    assert!(
        out.status.success(),
        "ffmpeg {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Encode a clip to H.264 MP4 with libx264 and extra encoder `args`.
pub fn encode(clip: &Clip420, dir: &Scratch, name: &str, args: &[&str]) -> PathBuf {
    let raw = dir.path(&format!("{name}.yuv"));
    std::fs::write(&raw, clip.frames.concat()).unwrap();
    let out = dir.path(&format!("{name}.mp4"));
    let size = format!("{}x{}", clip.width, clip.height);
    let fps = clip.fps.to_string();
    let mut all = vec![
        "-f",
        "rawvideo",
        "-pix_fmt",
        "yuv420p",
        "-s",
        &size,
        "-r",
        &fps,
        "-i",
        raw.to_str().unwrap(),
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
    ];
    all.extend_from_slice(args);
    all.push(out.to_str().unwrap());
    ffmpeg(&all);
    out
}

/// Re-encode an MP4 with libx264 and extra `args` (e.g. a scale filter, a bitrate).
pub fn transcode(input: &Path, dir: &Scratch, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.path(&format!("{name}.mp4"));
    let mut all = vec![
        "-i",
        input.to_str().unwrap(),
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
    ];
    all.extend_from_slice(args);
    all.push(out.to_str().unwrap());
    ffmpeg(&all);
    out
}

/// Decode an MP4 to 8-bit gray frames: (width, height, frames).
pub fn decode_gray(input: &Path, dir: &Scratch) -> (usize, usize, Vec<Vec<u8>>) {
    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
        ])
        .args(["-of", "csv=p=0"])
        .arg(input)
        .output()
        .unwrap();
    let text = String::from_utf8(probe.stdout).unwrap();
    let dims: Vec<usize> = text.trim().split(',').map(|s| s.parse().unwrap()).collect();
    let (w, h) = (dims[0], dims[1]);
    let raw = dir.path("decoded.gray");
    ffmpeg(&[
        "-i",
        input.to_str().unwrap(),
        "-pix_fmt",
        "gray",
        "-f",
        "rawvideo",
        raw.to_str().unwrap(),
    ]);
    let bytes = std::fs::read(&raw).unwrap();
    let frames = bytes.chunks_exact(w * h).map(|c| c.to_vec()).collect();
    (w, h, frames)
}

/// The attacks of the acceptance test, each applied to the plain H.264 encode.
pub const ATTACKS: &[(&str, &[&str])] = &[
    ("h264-crf23", &[]),
    ("reencode-150k", &["-b:v", "150k"]),
    ("reencode-crf35", &["-crf", "35"]),
    ("half-size", &["-vf", "scale=iw/2:ih/2"]),
    ("half+150k", &["-vf", "scale=iw/2:ih/2", "-b:v", "150k"]),
    ("half+crf35", &["-vf", "scale=iw/2:ih/2", "-crf", "35"]),
];

/// Encode (CRF 23, "normal quality") then apply attack `args`; decode to gray.
/// The first attack (no args) is the plain encode itself.
pub fn attack(clip: &Clip420, args: &[&str]) -> (usize, usize, Vec<Vec<u8>>) {
    let dir = Scratch::new();
    let first = encode(clip, &dir, "first", &["-crf", "23"]);
    let last = if args.is_empty() {
        first
    } else {
        transcode(&first, &dir, "second", args)
    };
    decode_gray(&last, &dir)
}

/// The key used for marking in tests, and other keys for the null.
pub fn key(n: u64) -> WatermarkKey {
    let mut k = [0u8; 32];
    k[..8].copy_from_slice(&n.to_le_bytes());
    k[8] = 0x5a;
    WatermarkKey(k)
}

/// Writes a world clip as the `.y4m` + `.wav` pair that `kinora export` reads.
pub fn write_clip_files(
    clip: &kinora_world::clip::Clip,
    cfg: &RenderConfig,
    y4m: &Path,
    wav: &Path,
) {
    kinora_world::io::write_y4m(
        &clip.frames,
        cfg.fps,
        std::fs::File::create(y4m).expect("y4m"),
    )
    .expect("y4m");
    kinora_world::io::write_wav(
        &clip.audio,
        cfg.sample_rate,
        std::fs::File::create(wav).expect("wav"),
    )
    .expect("wav");
}
