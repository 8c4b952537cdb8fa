//! The exported MP4 is a standard file: ffprobe reads it, ffmpeg decodes every frame and
//! sample without an error, the audio and video durations agree within a frame, and the
//! first frame's moov comes before mdat (fast start). ffmpeg/ffprobe are test-only
//! (Debian packages installed by `cargo xtask test`).

use kinora_media::clip::Clip;
use kinora_media::export::{ExportOptions, export_mp4};
use kinora_provenance::watermark::Detector;
use kinora_provenance::{Provenance, product_watermark_key};
use std::path::PathBuf;
use std::process::Command;

fn ffmpeg_available() {
    for tool in ["ffmpeg", "ffprobe"] {
        let ok = Command::new(tool).arg("-version").output().is_ok();
        assert!(
            ok,
            "{tool} is needed for this test: apt-get install ffmpeg (cargo xtask test does it)"
        );
    }
}

/// A moving square over a gradient, with a click on every frame where the square bounces
/// and a quiet tone underneath.
fn synthetic_clip(width: u32, height: u32, fps: u32, seconds: u32, sample_rate: u32) -> Clip {
    let frames_n = (fps * seconds) as usize;
    let side = (width.min(height) / 4) as usize;
    let frames = (0..frames_n)
        .map(|i| {
            let mut rgb = vec![0u8; (width * height * 3) as usize];
            let travel = width as usize - side;
            let phase = (i * 7) % (2 * travel);
            let x0 = if phase < travel {
                phase
            } else {
                2 * travel - phase
            };
            let y0 = (height as usize - side) / 2;
            for y in 0..height as usize {
                for x in 0..width as usize {
                    let o = (y * width as usize + x) * 3;
                    let inside = (x0..x0 + side).contains(&x) && (y0..y0 + side).contains(&y);
                    rgb[o] = if inside {
                        220
                    } else {
                        (x * 255 / width as usize) as u8
                    };
                    rgb[o + 1] = if inside {
                        40
                    } else {
                        (y * 255 / height as usize) as u8
                    };
                    rgb[o + 2] = if inside { 30 } else { 120 };
                }
            }
            rgb
        })
        .collect();
    let samples = (frames_n as u64 * u64::from(sample_rate) / u64::from(fps)) as usize;
    let audio = (0..samples)
        .map(|n| {
            let t = n as f32 / sample_rate as f32;
            let click = if n % (sample_rate as usize / 2) < 48 {
                0.8
            } else {
                0.0
            };
            0.2 * (2.0 * std::f32::consts::PI * 330.0 * t).sin() + click
        })
        .collect();
    Clip {
        width,
        height,
        fps,
        frames,
        sample_rate,
        audio,
    }
}

fn provenance() -> Provenance {
    let key = ed25519_dalek::SigningKey::from_bytes(&[7; 32]);
    Provenance::for_prompt("a red square bounces between two walls", vec![], key)
}

fn probe(path: &PathBuf, stream: &str, entry: &str) -> String {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", stream, "-show_entries"])
        .arg(format!("stream={entry}"))
        .args(["-of", "default=nw=1:nk=1"])
        .arg(path)
        .output()
        .expect("ffprobe runs");
    assert!(
        out.status.success(),
        "ffprobe failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("mp4_export");
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

#[test]
fn exported_mp4s_probe_decode_and_keep_audio_with_video() {
    ffmpeg_available();
    // (width, height, fps, seconds, sample rate): square and wide, 8–30 fps, 2–10 s.
    let cases = [
        (128, 128, 12, 2, 24_000),
        (256, 144, 24, 3, 48_000),
        (96, 160, 8, 10, 16_000),
        (64, 64, 30, 10, 44_100),
    ];
    for (w, h, fps, secs, rate) in cases {
        let clip = synthetic_clip(w, h, fps, secs, rate);
        let options = ExportOptions {
            visible_label: true,
            provenance: provenance(),
        };
        let exported = export_mp4(&clip, &options, &mut |_, _| {}).expect("export");
        let name = format!("{w}x{h}_{fps}fps_{secs}s_{rate}.mp4");
        let path = out_dir().join(&name);
        std::fs::write(&path, &exported.mp4).expect("write");

        // Fast start: moov before mdat.
        let moov = find(&exported.mp4, b"moov").expect("moov");
        let mdat = find(&exported.mp4, b"mdat").expect("mdat");
        assert!(moov < mdat, "{name}: moov after mdat");

        assert_eq!(probe(&path, "v:0", "codec_name"), "h264", "{name}");
        assert_eq!(probe(&path, "a:0", "codec_name"), "aac", "{name}");
        assert_eq!(probe(&path, "v:0", "width"), w.to_string());
        assert_eq!(probe(&path, "v:0", "height"), h.to_string());
        assert_eq!(
            probe(&path, "v:0", "avg_frame_rate"),
            format!("{fps}/1"),
            "{name}"
        );
        assert_eq!(probe(&path, "a:0", "sample_rate"), rate.to_string());
        assert_eq!(
            probe(&path, "v:0", "nb_frames"),
            (fps * secs).to_string(),
            "{name}"
        );

        let video_s: f64 = probe(&path, "v:0", "duration").parse().expect("duration");
        let audio_s: f64 = probe(&path, "a:0", "duration").parse().expect("duration");
        let frame_s = 1.0 / f64::from(fps);
        assert!(
            (video_s - f64::from(secs)).abs() < 1e-3,
            "{name}: video {video_s}"
        );
        assert!(
            (audio_s - video_s).abs() <= frame_s,
            "{name}: audio {audio_s} s vs video {video_s} s differ by more than a frame"
        );

        // Every frame and sample decodes without a single error message.
        let decode = Command::new("ffmpeg")
            .args(["-v", "error", "-xerror", "-i"])
            .arg(&path)
            .args(["-f", "null", "-"])
            .output()
            .expect("ffmpeg runs");
        assert!(
            decode.status.success() && decode.stderr.is_empty(),
            "{name}: ffmpeg decode: {}",
            String::from_utf8_lossy(&decode.stderr)
        );
        // Marked as AI-generated: the manifest validates (only "untrusted signer", since a
        // device key has no CA) and names the source type; the watermark is in the frames.
        let (state, failures, json) = read_manifest(&exported.mp4);
        assert_eq!(failures, ["signingCredential.untrusted"], "{name}: {state}");
        assert!(json.contains("trainedAlgorithmicMedia"), "{name}");
        let score = watermark_score(&path, w, h);
        assert!(score.present, "{name}: watermark score {}", score.score);
        eprintln!(
            "{name}: {} bytes, video {video_s:.3} s, audio {audio_s:.3} s, watermark z = {:.1}",
            exported.mp4.len(),
            score.score
        );
    }
}

#[test]
fn invalid_clips_are_refused_with_a_reason() {
    let mut clip = synthetic_clip(64, 64, 12, 2, 24_000);
    clip.frames[3].pop();
    let options = ExportOptions {
        visible_label: true,
        provenance: provenance(),
    };
    let err = export_mp4(&clip, &options, &mut |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("frame 3"), "{err}");
    let mut odd = synthetic_clip(64, 64, 12, 2, 24_000);
    odd.width = 63;
    assert!(export_mp4(&odd, &options, &mut |_, _| {}).is_err());
    let mut long_audio = synthetic_clip(64, 64, 12, 2, 24_000);
    long_audio.audio.extend(vec![0.0; 24_000]);
    let err = export_mp4(&long_audio, &options, &mut |_, _| {})
        .unwrap_err()
        .to_string();
    assert!(err.contains("soundtrack"), "{err}");
}

/// Validation state, failure codes and JSON of the file's C2PA manifest, read by the
/// reference implementation (the `c2pa` crate).
fn read_manifest(mp4: &[u8]) -> (String, Vec<String>, String) {
    let reader = c2pa::Reader::from_context(c2pa::Context::new())
        .with_stream("video/mp4", std::io::Cursor::new(mp4.to_vec()))
        .expect("the c2pa crate reads the manifest");
    let results = reader.validation_results().expect("validation ran");
    let failures = results
        .active_manifest()
        .expect("active manifest")
        .failure()
        .iter()
        .map(|s| s.code().to_string())
        .collect();
    (
        format!("{:?}", reader.validation_state()),
        failures,
        reader.json(),
    )
}

/// Decode the file's luma with ffmpeg and run the watermark detector.
fn watermark_score(path: &PathBuf, w: u32, h: u32) -> kinora_provenance::watermark::Detection {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .output()
        .expect("ffmpeg runs");
    assert!(out.status.success());
    let mut detector = Detector::new(&product_watermark_key());
    for frame in out.stdout.chunks_exact((w * h) as usize) {
        detector.add_luma(frame, w, h).expect("frame size");
    }
    detector.finish()
}

#[test]
fn unlabelled_export_still_carries_watermark_and_manifest_but_no_corner_mark() {
    let clip = synthetic_clip(128, 128, 12, 2, 24_000);
    let export = |visible_label| {
        let options = ExportOptions {
            visible_label,
            provenance: provenance(),
        };
        export_mp4(&clip, &options, &mut |_, _| {}).expect("export")
    };
    let (labelled, plain) = (export(true), export(false));
    for (name, file) in [("labelled", &labelled), ("plain", &plain)] {
        let path = out_dir().join(format!("label_{name}.mp4"));
        std::fs::write(&path, &file.mp4).expect("write");
        assert!(watermark_score(&path, 128, 128).present, "{name}");
        assert!(
            read_manifest(&file.mp4)
                .2
                .contains("trainedAlgorithmicMedia")
        );
    }
    // The corner mark is white ink on a dark box (15×11 px at 128×128, from (110, 114)):
    // the labelled file's bottom-right corner is much darker on average, and has the ink.
    let corner = |name: &str| {
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(out_dir().join(format!("label_{name}.mp4")))
            .args([
                "-frames:v",
                "1",
                "-vf",
                "crop=15:11:110:114",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-",
            ])
            .output()
            .expect("ffmpeg runs");
        out.stdout
    };
    let (with, without) = (corner("labelled"), corner("plain"));
    let mean = |p: &[u8]| p.iter().map(|&v| f64::from(v)).sum::<f64>() / p.len().max(1) as f64;
    assert!(
        mean(&with) + 40.0 < mean(&without),
        "no dark label box: {} vs {}",
        mean(&with),
        mean(&without)
    );
    assert!(with.iter().any(|&v| v > 200), "no white ink");
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
