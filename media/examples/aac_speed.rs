//! Measures native AAC encode speed:
//! `cargo run --release -p kinora-media --example aac_speed`.
use kinora_media::aac::{AacConfig, encode_mono};
use std::time::Instant;

fn main() {
    for (rate, bitrate) in [(48_000u32, 64_000u32), (48_000, 128_000), (24_000, 64_000)] {
        let seconds = 10usize;
        let mut seed = 1u64;
        let pcm: Vec<f32> = (0..rate as usize * seconds)
            .map(|i| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let noise = (seed >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
                let t = i as f64 / f64::from(rate);
                let tone: f32 = (1..=8)
                    .map(|h| {
                        (0.2 / h as f64
                            * (2.0 * std::f64::consts::PI * (220.0 * h as f64 * t).fract()).sin())
                            as f32
                    })
                    .sum();
                tone + 0.05 * noise
            })
            .collect();
        let start = Instant::now();
        let frames = encode_mono(
            &pcm,
            AacConfig {
                sample_rate: rate,
                bitrate,
            },
        )
        .expect("valid config");
        let elapsed = start.elapsed().as_secs_f64();
        let bytes: usize = frames.iter().map(Vec::len).sum();
        println!(
            "{rate} Hz {} kbit/s: {seconds} s of audio in {elapsed:.3} s = {:.0}x realtime ({} frames, {} bytes)",
            bitrate / 1000,
            seconds as f64 / elapsed,
            frames.len(),
            bytes
        );
    }
}
