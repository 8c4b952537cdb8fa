//! Shared helpers for the ffmpeg round-trip tests: synthetic video, ffmpeg
//! decoding and PSNR.
#![allow(dead_code)]

use kinora_media::h264::{EncoderConfig, H264Encoder, I420, MbStats};
use std::io::Write;
use std::process::{Command, Stdio};

/// Deterministic xorshift noise so runs are reproducible.
pub struct Noise(u32);

impl Noise {
    pub fn new(seed: u32) -> Self {
        Self(seed.max(1))
    }
    pub fn next(&mut self) -> u32 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.0 = x;
        x
    }
}

pub struct Yuv {
    pub y: Vec<u8>,
    pub u: Vec<u8>,
    pub v: Vec<u8>,
}

/// Gradient background, a textured square moving 3 px right / 2 px down per
/// frame, and ±`noise` luma noise.
pub fn synthetic_frame(w: usize, h: usize, t: usize, noise: &mut Noise, amplitude: u32) -> Yuv {
    let mut y = vec![0u8; w * h];
    let side = (w.min(h) / 3).max(8);
    let sx = (10 + 3 * t) % (w.saturating_sub(side).max(1));
    let sy = (6 + 2 * t) % (h.saturating_sub(side).max(1));
    for row in 0..h {
        for col in 0..w {
            let mut v = (40 + col * 150 / w + row * 50 / h) as i32;
            if (sx..sx + side).contains(&col) && (sy..sy + side).contains(&row) {
                let (lx, ly) = (col - sx, row - sy);
                v = if ((lx / 4) + (ly / 4)) % 2 == 0 {
                    200
                } else {
                    70
                } + ((lx * 7 + ly * 3) % 20) as i32;
            }
            if amplitude > 0 {
                v += (noise.next() % (2 * amplitude + 1)) as i32 - amplitude as i32;
            }
            y[row * w + col] = v.clamp(0, 255) as u8;
        }
    }
    let (cw, ch) = (w / 2, h / 2);
    let mut u = vec![0u8; cw * ch];
    let mut v = vec![0u8; cw * ch];
    for row in 0..ch {
        for col in 0..cw {
            let inside = (sx / 2..(sx + side) / 2).contains(&col)
                && (sy / 2..(sy + side) / 2).contains(&row);
            u[row * cw + col] = if inside {
                90
            } else {
                (100 + col * 60 / cw) as u8
            };
            v[row * cw + col] = if inside {
                170
            } else {
                (140 - row * 40 / ch) as u8
            };
        }
    }
    Yuv { y, u, v }
}

/// Smooth texture translated by a fractional amount per frame
/// (0.75 px right, 0.5 px down), sampled analytically so motion is sub-pixel.
pub fn subpixel_pan_frame(w: usize, h: usize, t: usize) -> Yuv {
    let (dx, dy) = (0.75 * t as f64, 0.5 * t as f64);
    let y = (0..w * h)
        .map(|i| {
            let (x, yy) = ((i % w) as f64 + dx, (i / w) as f64 + dy);
            (128.0 + 50.0 * (x / 6.0).sin() * (yy / 9.0).cos() + 30.0 * ((x + yy) / 17.0).sin())
                as u8
        })
        .collect();
    let c = (0..w * h / 4)
        .map(|i| (128.0 + 30.0 * (((i % (w / 2)) as f64 + dx / 2.0) / 8.0).sin()) as u8)
        .collect::<Vec<u8>>();
    Yuv {
        y,
        u: c.clone(),
        v: c,
    }
}

/// Decodes an Annex B stream with ffmpeg; panics on any decoder complaint.
pub fn ffmpeg_decode(stream: &[u8], name: &str) -> Vec<u8> {
    let path = std::env::temp_dir().join(format!("kinora_h264_{name}_{}.h264", std::process::id()));
    std::fs::File::create(&path)
        .unwrap()
        .write_all(stream)
        .unwrap();
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-xerror", "-f", "h264", "-i"])
        .arg(&path)
        .args(["-f", "rawvideo", "-pix_fmt", "yuv420p", "-"])
        .stdin(Stdio::null())
        .output()
        .expect("ffmpeg must be installed");
    let _ = std::fs::remove_file(&path);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "ffmpeg failed: {stderr}");
    assert!(stderr.trim().is_empty(), "ffmpeg reported: {stderr}");
    out.stdout
}

pub fn psnr(a: &[u8], b: &[u8]) -> f64 {
    let mse = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| {
            let d = f64::from(x) - f64::from(y);
            d * d
        })
        .sum::<f64>()
        / a.len() as f64;
    if mse == 0.0 {
        99.0
    } else {
        10.0 * (255.0 * 255.0 / mse).log10()
    }
}

pub struct RoundTrip {
    pub frames: usize,
    pub decoded_frames: usize,
    pub bytes: usize,
    pub idr_bytes: usize,
    pub mean_luma_psnr: f64,
    pub min_luma_psnr: f64,
    pub recon_matches_decoder: bool,
    /// Macroblock statistics summed over all frames.
    pub stats: MbStats,
}

/// Encodes `frames`, decodes them with ffmpeg and compares with the input and
/// with the encoder's own reconstruction.
pub fn round_trip(cfg: EncoderConfig, inputs: &[Yuv], name: &str) -> RoundTrip {
    let (w, h) = (cfg.width as usize, cfg.height as usize);
    let mut enc = H264Encoder::new(cfg).unwrap();
    let mut stream = Vec::new();
    let mut recons = Vec::new();
    let mut idr_bytes = 0;
    let mut stats = MbStats::default();
    for f in inputs {
        let out = enc
            .encode(&I420 {
                y: &f.y,
                u: &f.u,
                v: &f.v,
                width: w as u32,
                height: h as u32,
            })
            .unwrap();
        if out.keyframe {
            idr_bytes += out.annexb.len();
        }
        stats.intra += out.stats.intra;
        stats.inter += out.stats.inter;
        stats.skip += out.stats.skip;
        stats.intra4x4 += out.stats.intra4x4;
        stats.pcm += out.stats.pcm;
        stats.fractional_mv += out.stats.fractional_mv;
        stream.extend_from_slice(&out.annexb);
        let (y, u, v) = enc.reconstruction().unwrap();
        recons.push([y, u, v].concat());
    }
    let decoded = ffmpeg_decode(&stream, name);
    let frame_size = w * h * 3 / 2;
    let decoded_frames = decoded.len() / frame_size;
    let mut psnrs = Vec::new();
    let mut matches = decoded.len() == frame_size * inputs.len();
    for (i, f) in inputs.iter().enumerate().take(decoded_frames) {
        let dec = &decoded[i * frame_size..(i + 1) * frame_size];
        psnrs.push(psnr(&f.y, &dec[..w * h]));
        if dec != recons[i].as_slice() && matches {
            let pos = dec
                .iter()
                .zip(&recons[i])
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            let diffs = dec.iter().zip(&recons[i]).filter(|(a, b)| a != b).count();
            let (plane, off) = if pos < w * h {
                ("y", pos)
            } else if pos < w * h * 5 / 4 {
                ("u", pos - w * h)
            } else {
                ("v", pos - w * h * 5 / 4)
            };
            let pw = if plane == "y" { w } else { w / 2 };
            eprintln!(
                "first mismatch frame {i} plane {plane} x {} y {} ({diffs} samples differ)",
                off % pw,
                off / pw
            );
            matches = false;
        }
    }
    RoundTrip {
        frames: inputs.len(),
        decoded_frames,
        bytes: stream.len(),
        idr_bytes,
        mean_luma_psnr: psnrs.iter().sum::<f64>() / psnrs.len().max(1) as f64,
        min_luma_psnr: psnrs.iter().cloned().fold(f64::INFINITY, f64::min),
        recon_matches_decoder: matches,
        stats,
    }
}
