//! `kinora check` end to end: a world render exported by `kinora export` (our H.264 and
//! AAC, decoded back by ffmpeg) gets a report; a cut spliced into it is found and written
//! to JSON; a file that is not a video is a clear error, not a panic.

mod support;

use kinora_world::clip::make_clip;
use kinora_world::render::RenderConfig;
use kinora_world::sample::{Split, sample_scene};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir() -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli_check");
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

fn kinora(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kinora"))
        .args(args)
        .output()
        .expect("kinora runs")
}

/// Render seed `seed`, splice in another clip from `cut` on if given, export to MP4.
fn export(d: &Path, name: &str, seed: u64, cut: Option<usize>) -> PathBuf {
    let cfg = RenderConfig {
        width: 128,
        height: 128,
        fps: 12,
        duration: 3.0,
        sample_rate: 24_000,
    };
    let mut clip = make_clip(&sample_scene(seed, Split::Any), seed, &cfg);
    if let Some(k) = cut {
        let other = make_clip(&sample_scene(seed + 1, Split::Any), seed + 1, &cfg);
        clip.frames[k..].clone_from_slice(&other.frames[k..]);
    }
    let (y4m, wav, mp4) = (
        d.join(format!("{name}.y4m")),
        d.join(format!("{name}.wav")),
        d.join(format!("{name}.mp4")),
    );
    support::write_clip_files(&clip, &cfg, &y4m, &wav);
    let key = d.join("device-key");
    let run = kinora(&[
        "export".as_ref(),
        "--video".as_ref(),
        y4m.as_os_str(),
        "--audio".as_ref(),
        wav.as_os_str(),
        "--out".as_ref(),
        mp4.as_os_str(),
        "--key".as_ref(),
        key.as_os_str(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    mp4
}

#[test]
fn check_reports_an_exported_clip_and_finds_a_cut() {
    let d = dir();
    let clean = export(&d, "clean", 7, None);
    let run = kinora(&["check".as_ref(), clean.as_os_str()]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(
        text.contains("36 frames 128×128 at 12.00 fps, with sound"),
        "{text}"
    );
    assert!(text.contains("heat  "), "{text}");
    assert!(!text.contains("Jump"), "{text}");

    let cut = export(&d, "cut", 7, Some(20));
    let json = d.join("cut.json");
    let run = kinora(&[
        "check".as_ref(),
        cut.as_os_str(),
        "--json".as_ref(),
        json.as_os_str(),
    ]);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(text.contains("Jump"), "{text}");
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("json written")).expect("json");
    let findings = report["findings"].as_array().expect("findings");
    assert!(
        findings
            .iter()
            .any(|f| f["kind"] == "jump" && f["frames"]["start"] == 20),
        "{report}"
    );
    assert_eq!(report["heat"].as_array().expect("heat").len(), 36);
}

#[test]
fn check_on_a_bad_file_is_a_clear_error() {
    let d = dir();
    let junk = d.join("junk.mp4");
    std::fs::write(&junk, b"not a video at all").expect("write");
    for file in [junk, d.join("missing.mp4")] {
        let run = kinora(&["check".as_ref(), file.as_os_str()]);
        assert!(!run.status.success());
        let err = String::from_utf8_lossy(&run.stderr);
        assert!(err.starts_with("Error: "), "{err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}
