//! H.264 encoding speed:
//! `cargo run --release -p kinora-media --example h264_speed -- [width height frames qp]`.

use kinora_media::h264::{EncoderConfig, H264Encoder, I420};
use std::time::Instant;

fn main() {
    let args: Vec<u32> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let (w, h, frames, qp) = match args.as_slice() {
        [w, h, f, q, ..] => (*w as usize, *h as usize, *f as usize, *q as u8),
        _ => (256, 256, 150, 26),
    };
    // Gradient + moving textured square + light noise, generated up front.
    let mut seed = 7u32;
    let clip: Vec<(Vec<u8>, Vec<u8>, Vec<u8>)> = (0..frames)
        .map(|t| {
            let side = w.min(h) / 3;
            let (sx, sy) = ((10 + 3 * t) % (w - side), (6 + 2 * t) % (h - side));
            let y = (0..w * h)
                .map(|i| {
                    let (x, yy) = (i % w, i / w);
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    let base = if (sx..sx + side).contains(&x) && (sy..sy + side).contains(&yy) {
                        if ((x - sx) / 4 + (yy - sy) / 4) % 2 == 0 {
                            200
                        } else {
                            70
                        }
                    } else {
                        40 + x * 150 / w + yy * 50 / h
                    };
                    (base as i32 + (seed % 7) as i32 - 3).clamp(0, 255) as u8
                })
                .collect();
            (y, vec![128; w * h / 4], vec![128; w * h / 4])
        })
        .collect();
    let mut enc =
        H264Encoder::new(EncoderConfig::new(w as u32, h as u32, 30, qp)).expect("valid config");
    let start = Instant::now();
    let mut bytes = 0;
    for (y, u, v) in &clip {
        let frame = I420 {
            y,
            u,
            v,
            width: w as u32,
            height: h as u32,
        };
        bytes += enc.encode(&frame).expect("encode").annexb.len();
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{w}x{h} qp{qp}: {frames} frames in {secs:.3} s = {:.1} fps, {:.0} B/frame",
        frames as f64 / secs,
        bytes as f64 / frames as f64
    );
}
