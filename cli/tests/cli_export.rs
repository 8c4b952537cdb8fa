//! The `kinora` binary end to end: a world render (.y4m + .wav) exported by the CLI is a
//! standard MP4 with the watermark in it, `kinora watermark` finds it (and does not find
//! it in an unmarked encode of the same frames), and bad input is an error message, not
//! a panic.

mod support;

use kinora_world::clip::make_clip;
use kinora_world::parse::parse;
use kinora_world::render::RenderConfig;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_export");
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// Run `kinora watermark FILE` and return what it printed.
fn watermark_verdict(file: &Path) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kinora"))
        .arg("watermark")
        .arg(file)
        .output()
        .expect("kinora runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn cli_exports_a_world_render_that_ffmpeg_reads_and_the_detector_finds() {
    let d = dir();
    let cfg = RenderConfig {
        width: 160,
        height: 128,
        fps: 12,
        duration: 2.0,
        sample_rate: 24_000,
    };
    let scene = parse("a blue cube rolls on the sand, camera pans right slowly")
        .expect("prompt parses")
        .scene;
    let clip = make_clip(&scene, 3, &cfg);
    let (y4m, wav) = (d.join("cube.y4m"), d.join("cube.wav"));
    support::write_clip_files(&clip, &cfg, &y4m, &wav);
    let key = d.join("device-key");
    let _ = std::fs::remove_file(&key);
    let out = d.join("cube.mp4");

    let run = Command::new(env!("CARGO_BIN_EXE_kinora"))
        .args(["export", "--video"])
        .arg(&y4m)
        .arg("--audio")
        .arg(&wav)
        .arg("--out")
        .arg(&out)
        .args(["--prompt", "a blue cube rolls on the sand", "--key"])
        .arg(&key)
        .output()
        .expect("kinora runs");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let report = String::from_utf8_lossy(&run.stdout);
    assert!(report.contains("24 frames"), "{report}");
    assert_eq!(std::fs::read(&key).expect("key created").len(), 32);

    let probe = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_name,width,height",
            "-of",
            "csv=p=0",
        ])
        .arg(&out)
        .output()
        .expect("ffprobe runs");
    assert_eq!(
        String::from_utf8_lossy(&probe.stdout).trim(),
        "h264,160,128\naac"
    );

    let text = watermark_verdict(&out);
    assert!(text.contains("watermark: present"), "{text}");

    // The same frames encoded by ffmpeg without Kinora: no watermark.
    let plain = d.join("cube-plain.mp4");
    let status = Command::new("ffmpeg")
        .args(["-v", "error", "-y", "-i"])
        .arg(&y4m)
        .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
        .arg(&plain)
        .status()
        .expect("ffmpeg runs");
    assert!(status.success());
    let text = watermark_verdict(&plain);
    assert!(text.contains("watermark: not found"), "{text}");
}

#[test]
fn bad_input_is_a_clear_error() {
    let d = dir();
    let junk = d.join("junk.y4m");
    std::fs::write(&junk, b"YUV4MPEG2 W99999 H2 F12:1\n").expect("write");
    let key = d.join("key-bad-input");
    let run = Command::new(env!("CARGO_BIN_EXE_kinora"))
        .args(["export", "--video"])
        .arg(&junk)
        .arg("--out")
        .arg(d.join("never.mp4"))
        .arg("--key")
        .arg(&key)
        .output()
        .expect("kinora runs");
    assert!(!run.status.success());
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(err.contains("Error: invalid clip: the video"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    let refused = Command::new(env!("CARGO_BIN_EXE_kinora"))
        .args(["recipe", "#recipe=1.%%%"])
        .output()
        .expect("kinora runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("damaged"));
}
