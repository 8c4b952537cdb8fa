//! End-to-end checks: encode with `kinora_media::aac`, decode with the system
//! ffmpeg (an independent AAC decoder), compare. Requires /usr/bin/ffmpeg and
//! ffprobe; every test fails with a clear message when they are missing.

use kinora_media::aac::{AacConfig, AacEncoder, SAMPLES_PER_FRAME, encode_mono};
use std::path::PathBuf;
use std::process::Command;

const CONFIGS: [(u32, u32); 4] = [
    (24_000, 64_000),
    (24_000, 128_000),
    (48_000, 64_000),
    (48_000, 128_000),
];

fn tool(name: &str) -> String {
    let ok = Command::new(name)
        .arg("-version")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    assert!(
        ok,
        "`{name}` not found on PATH: these tests decode with ffmpeg; install it (apt-get install ffmpeg)"
    );
    name.to_string()
}

fn write_adts(frames: &[Vec<u8>], tag: &str) -> PathBuf {
    let path = std::env::temp_dir().join(format!("kinora_aac_{}_{tag}.aac", std::process::id()));
    std::fs::write(&path, frames.concat()).expect("write temp file");
    path
}

/// Decodes an ADTS file to mono f32 samples with ffmpeg.
fn decode(frames: &[Vec<u8>], tag: &str) -> Vec<f32> {
    let path = write_adts(frames, tag);
    let out = Command::new(tool("ffmpeg"))
        .args(["-v", "error", "-f", "aac", "-i"])
        .arg(&path)
        .args(["-f", "f32le", "-ac", "1", "-"])
        .output()
        .expect("run ffmpeg");
    std::fs::remove_file(&path).ok();
    assert!(
        out.status.success(),
        "ffmpeg failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.stderr.is_empty(),
        "ffmpeg reported: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Phase is computed in f64 and wrapped: an f32 phase of 2π·f·t loses precision
/// after a second and turns a pure tone into tone + broadband noise.
fn tone(rate: u32, hz: f64, i: usize) -> f32 {
    let cycles = hz * i as f64 / f64::from(rate);
    (2.0 * std::f64::consts::PI * cycles.fract()).sin() as f32
}

fn sine(rate: u32, hz: f64, amp: f32, len: usize) -> Vec<f32> {
    (0..len).map(|i| amp * tone(rate, hz, i)).collect()
}

fn chord(rate: u32, len: usize) -> Vec<f32> {
    let notes = [261.63f64, 329.63, 392.0, 523.25];
    let mut out = vec![0.0; len];
    for (n, hz) in notes.iter().enumerate() {
        for (o, s) in out
            .iter_mut()
            .zip(sine(rate, *hz, 0.15 / (n as f32 + 1.0).sqrt(), len))
        {
            *o += s;
        }
    }
    out
}

/// Deterministic xorshift noise in -1..1.
struct Noise(u64);
impl Noise {
    fn next(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

/// Harmonic tones with vibrato-free partials + broadband noise + note changes.
fn music_like(rate: u32, len: usize) -> Vec<f32> {
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let roots = [110.0f64, 146.83, 164.81, 196.0];
    (0..len)
        .map(|i| {
            let t = i as f64 / f64::from(rate);
            let root = roots[(t * 2.0) as usize % roots.len()];
            let mut s = 0.0;
            for h in 1..=12 {
                let f = root * f64::from(h);
                if f < f64::from(rate) / 2.0 {
                    s += 0.25 / h as f32 * tone(rate, f, i);
                }
            }
            s + 0.05 * noise.next()
        })
        .collect()
}

/// SNR (dB) of decoded vs input over samples [from, input.len()).
fn snr_db(input: &[f32], decoded: &[f32], from: usize) -> f64 {
    let (mut signal, mut error) = (0.0f64, 0.0f64);
    for i in from..input.len() {
        let x = f64::from(input[i]);
        signal += x * x;
        error += (x - f64::from(decoded[i])).powi(2);
    }
    10.0 * (signal / error.max(1e-30)).log10()
}

/// Encodes `input`, decodes it with ffmpeg (files tagged `tag`) and checks the decoded
/// length: (the ADTS frames, the decoded samples).
fn round_trip(input: &[f32], cfg: AacConfig, tag: &str) -> (Vec<Vec<u8>>, Vec<f32>) {
    let frames = encode_mono(input, cfg).unwrap();
    let decoded = decode(&frames, tag);
    check_length(input.len(), decoded.len());
    (frames, decoded)
}

fn check_length(input_len: usize, decoded_len: usize) {
    assert!(
        decoded_len >= input_len,
        "decoded {decoded_len} < input {input_len}"
    );
    assert!(
        decoded_len < input_len + 2048,
        "decoded {decoded_len} >= input {input_len} + 2048"
    );
}

#[test]
fn sine_and_chord_decode_with_snr_above_20_db() {
    for (rate, bitrate) in CONFIGS {
        let cfg = AacConfig {
            sample_rate: rate,
            bitrate,
        };
        let len = rate as usize * 2;
        for (name, input) in [
            ("sine1k", sine(rate, 1000.0, 0.5, len)),
            ("chord", chord(rate, len)),
        ] {
            let (_, decoded) = round_trip(&input, cfg, &format!("{name}_{rate}_{bitrate}"));
            // The first frame has no preceding block to cancel its aliasing (documented).
            let snr = snr_db(&input, &decoded, SAMPLES_PER_FRAME as usize);
            println!(
                "SNR {name} {rate} Hz {} kbit/s: {snr:.1} dB",
                bitrate / 1000
            );
            assert!(snr >= 20.0, "{name} at {rate}/{bitrate}: SNR {snr:.1} dB");
        }
    }
}

#[test]
fn click_lands_on_its_input_sample() {
    for (rate, bitrate) in CONFIGS {
        let cfg = AacConfig {
            sample_rate: rate,
            bitrate,
        };
        for (len, click_at) in [
            (20_000usize, 5_000usize),
            (30_001, 12_345),
            (9_000, 8_999),
            (4_100, 1_500),
        ] {
            let mut input = vec![0.0f32; len];
            input[click_at] = 0.9;
            let (_, decoded) =
                round_trip(&input, cfg, &format!("click_{rate}_{bitrate}_{click_at}"));
            let peak = decoded
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(i, _)| i)
                .unwrap();
            println!(
                "click {rate} Hz {} kbit/s at {click_at}: peak at {peak} (len {len} -> {})",
                bitrate / 1000,
                decoded.len()
            );
            assert!(
                peak.abs_diff(click_at) <= 2,
                "click at {click_at} decoded at {peak}"
            );
        }
    }
}

#[test]
fn silence_stays_silent() {
    for (rate, bitrate) in CONFIGS {
        let input = vec![0.0f32; rate as usize];
        let cfg = AacConfig {
            sample_rate: rate,
            bitrate,
        };
        let (frames, decoded) = round_trip(&input, cfg, &format!("silence_{rate}_{bitrate}"));
        let peak = decoded.iter().fold(0.0f32, |a, b| a.max(b.abs()));
        let bytes: usize = frames.iter().map(Vec::len).sum();
        println!(
            "silence {rate} Hz: peak {peak}, {bytes} bytes for {} frames",
            frames.len()
        );
        assert_eq!(peak, 0.0);
    }
}

#[test]
fn bitrate_tracks_target_on_music_like_input() {
    for (rate, bitrate) in CONFIGS {
        let seconds = 5.0;
        let input = music_like(rate, (rate as f64 * seconds) as usize);
        let frames = encode_mono(
            &input,
            AacConfig {
                sample_rate: rate,
                bitrate,
            },
        )
        .unwrap();
        let adts_bytes: usize = frames.iter().map(Vec::len).sum();
        let payload_bytes = adts_bytes - 7 * frames.len();
        let duration = frames.len() as f64 * f64::from(SAMPLES_PER_FRAME) / f64::from(rate);
        let payload_rate = payload_bytes as f64 * 8.0 / duration;
        let adts_rate = adts_bytes as f64 * 8.0 / duration;
        let decoded = decode(&frames, &format!("music_{rate}_{bitrate}"));
        let snr = snr_db(&input, &decoded, SAMPLES_PER_FRAME as usize);
        println!(
            "music-like {rate} Hz target {} kbit/s: payload {:.1} kbit/s, with ADTS headers {:.1} kbit/s, SNR {snr:.1} dB",
            bitrate / 1000,
            payload_rate / 1000.0,
            adts_rate / 1000.0
        );
        let ratio = payload_rate / f64::from(bitrate);
        assert!(
            (0.75..=1.25).contains(&ratio),
            "payload bitrate {payload_rate:.0} vs target {bitrate}"
        );
        let ratio = adts_rate / f64::from(bitrate);
        assert!(
            (0.75..=1.25).contains(&ratio),
            "ADTS bitrate {adts_rate:.0} vs target {bitrate}"
        );
    }
}

#[test]
fn ffprobe_sees_mono_aac_lc() {
    for (rate, bitrate) in CONFIGS {
        let frames = encode_mono(
            &chord(rate, rate as usize),
            AacConfig {
                sample_rate: rate,
                bitrate,
            },
        )
        .unwrap();
        let path = write_adts(&frames, &format!("probe_{rate}_{bitrate}"));
        let out = Command::new(tool("ffprobe"))
            .args([
                "-v",
                "error",
                "-show_entries",
                "stream=codec_name,profile,sample_rate,channels",
                "-of",
                "default=nw=1",
            ])
            .arg(&path)
            .output()
            .expect("run ffprobe");
        std::fs::remove_file(&path).ok();
        let text = String::from_utf8_lossy(&out.stdout);
        println!("ffprobe {rate}: {}", text.replace('\n', " "));
        assert!(
            out.status.success(),
            "ffprobe failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        for want in [
            "codec_name=aac",
            "profile=LC",
            &format!("sample_rate={rate}"),
            "channels=1",
        ] {
            assert!(
                text.lines().any(|l| l == want),
                "missing `{want}` in {text}"
            );
        }
    }
}

#[test]
fn garbage_input_never_panics_and_stays_decodable() {
    let mut noise = Noise(12345);
    let specials = [
        f32::NAN,
        f32::INFINITY,
        f32::NEG_INFINITY,
        1e30,
        -1e30,
        f32::MIN_POSITIVE,
        -0.0,
        1.0,
        -1.0,
    ];
    for (rate, bitrate) in CONFIGS {
        let mut enc = AacEncoder::new(AacConfig {
            sample_rate: rate,
            bitrate,
        })
        .unwrap();
        let mut frames = Vec::new();
        let mut total = 0usize;
        for round in 0..40 {
            let chunk_len = (noise.next().abs() * 3000.0) as usize;
            let chunk: Vec<f32> = (0..chunk_len)
                .map(|i| match (round + i) % 5 {
                    0 => specials[i % specials.len()],
                    1 => noise.next() * 100.0,
                    2 => f32::from_bits((noise.next().to_bits()).rotate_left(i as u32)),
                    3 => {
                        if i % 2 == 0 {
                            1.0
                        } else {
                            -1.0
                        }
                    }
                    _ => noise.next(),
                })
                .collect();
            total += chunk.len();
            frames.extend(enc.push(&chunk));
        }
        frames.extend(enc.finish());
        assert_eq!(frames.len(), total.div_ceil(1024));
        let decoded = decode(&frames, &format!("garbage_{rate}_{bitrate}"));
        check_length(total, decoded.len());
        assert!(decoded.iter().all(|s| s.is_finite()));
    }
}

#[test]
fn every_supported_rate_round_trips() {
    use kinora_media::aac::SUPPORTED_SAMPLE_RATES;
    for rate in SUPPORTED_SAMPLE_RATES {
        for bitrate in [32_000, 64_000] {
            let input = chord(rate, rate as usize);
            let cfg = AacConfig {
                sample_rate: rate,
                bitrate,
            };
            let (_, decoded) = round_trip(&input, cfg, &format!("rates_{rate}_{bitrate}"));
            let snr = snr_db(&input, &decoded, SAMPLES_PER_FRAME as usize);
            println!(
                "rate {rate} Hz {} kbit/s chord SNR {snr:.1} dB",
                bitrate / 1000
            );
            assert!(snr >= 20.0, "{rate}/{bitrate}: SNR {snr:.1} dB");
        }
        let frames = encode_mono(
            &chord(rate, 4096),
            AacConfig {
                sample_rate: rate,
                bitrate: 64_000,
            },
        )
        .unwrap();
        let path = write_adts(&frames, &format!("rates_probe_{rate}"));
        let out = Command::new(tool("ffprobe"))
            .args([
                "-v",
                "error",
                "-show_entries",
                "stream=sample_rate",
                "-of",
                "csv=p=0",
            ])
            .arg(&path)
            .output()
            .expect("run ffprobe");
        std::fs::remove_file(&path).ok();
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            rate.to_string()
        );
    }
}
