//! `kinora generate` end to end with the shipped model: an MP4 that ffprobe accepts and a
//! contact sheet; refused prompts, bad flags and corrupt or missing weights are a clear
//! message and a non-zero exit before any compute, never a panic.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn dir(name: &str) -> PathBuf {
    let d = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join("cli_generate")
        .join(name);
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}

/// The shipped model of *this* checkout (the runtime manifest dir: a test binary reused
/// from another clone sharing the cargo target dir must not read that clone's model).
fn shipped_model() -> PathBuf {
    let dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf());
    dir.join("../public/models/kinora-video")
}

fn generate(args: &[&str], out: &Path, model: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kinora"))
        .arg("generate")
        .args(args)
        .arg("--model")
        .arg(model)
        .arg("--key")
        .arg(out.with_extension("key"))
        .arg("--out")
        .arg(out)
        .output()
        .expect("kinora runs")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn generates_a_playable_mp4_and_a_contact_sheet() {
    let d = dir("ok");
    let out = d.join("x.mp4");
    let o = generate(
        &[
            "--prompt",
            "a red ball bounces on the grass at sunset, camera pans left slowly",
            "--seed",
            "1",
            "--steps",
            "4",
        ],
        &out,
        &shipped_model(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.with_extension("png").exists(), "contact sheet");
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args([
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
            "-of",
            "csv=p=0",
        ])
        .arg(&out)
        .output()
        .expect("ffprobe is installed (cargo xtask test installs ffmpeg)");
    let text = String::from_utf8_lossy(&probe.stdout);
    assert!(
        probe.status.success(),
        "{}",
        String::from_utf8_lossy(&probe.stderr)
    );
    assert_eq!(text.trim(), "h264,128,128,24", "2 s at 12 fps, 128×128");
}

/// The MP4's soundtrack, mono at 24 kHz, decoded by ffmpeg.
fn decoded_audio(mp4: &Path) -> Vec<f32> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(mp4)
        .args([
            "-map", "0:a:0", "-ac", "1", "-ar", "24000", "-f", "f32le", "-",
        ])
        .output()
        .expect("ffmpeg runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    out.stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

#[test]
fn the_clip_carries_the_models_soundtrack_at_the_stated_loudness() {
    let d = dir("sound");
    let out = d.join("x.mp4");
    let wav = d.join("x.wav");
    let prompt = "a red ball bounces on the grass at sunset, gentle guitar chords";
    let o = generate(
        &[
            "--prompt",
            prompt,
            "--steps",
            "4",
            "--sound-steps",
            "4",
            "--wav",
            wav.to_str().expect("utf-8 path"),
        ],
        &out,
        &shipped_model(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        String::from_utf8_lossy(&o.stdout).contains("LUFS"),
        "the run states the loudness"
    );
    let (rate, samples) =
        kinora_media::import::read_wav(&std::fs::read(&wav).expect("the WAV is written"))
            .expect("a readable WAV");
    assert_eq!((rate, samples.len()), (24_000, 48_000), "2 s at 24 kHz");
    let lufs = kinora_engine::models::loudness::integrated_lufs(&samples, rate);
    assert!(
        (lufs - kinora_engine::models::loudness::TARGET_LUFS).abs() < 1.5,
        "loudness {lufs} LUFS"
    );
    let mp4 = decoded_audio(&out);
    assert!(
        mp4.len() >= 47_000,
        "the MP4 holds the whole soundtrack: {}",
        mp4.len()
    );
    assert!(
        rms(&mp4) > 0.02,
        "the MP4's soundtrack is not silent: rms {}",
        rms(&mp4)
    );

    let quiet = d.join("quiet.mp4");
    let o = generate(
        &["--prompt", prompt, "--steps", "4", "--no-sound"],
        &quiet,
        &shipped_model(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        rms(&decoded_audio(&quiet)) < 1e-3,
        "--no-sound leaves the clip silent"
    );
}

/// Frames of an MP4 per ffprobe.
fn frame_count(mp4: &Path) -> usize {
    let probe = Command::new("ffprobe")
        .args(["-v", "error", "-count_frames", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=nb_read_frames", "-of", "csv=p=0"])
        .arg(mp4)
        .output()
        .expect("ffprobe runs");
    String::from_utf8_lossy(&probe.stdout)
        .trim()
        .parse()
        .unwrap_or(0)
}

#[test]
fn a_clip_remixes_and_extends_from_the_latents_kept_beside_it() {
    let d = dir("edit");
    let first = d.join("first.mp4");
    let o = generate(
        &["--prompt", "a red ball rolls to the left", "--steps", "4"],
        &first,
        &shipped_model(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(first.with_extension("kinora.json").exists(), "latents kept");
    let remixed = d.join("remixed.mp4");
    let mut args = vec!["--prompt", "a blue ball rolls to the left", "--steps", "4"];
    let source = first.to_string_lossy().into_owned();
    args.extend(["--remix", &source, "--strength", "0.6"]);
    let o = generate(&args, &remixed, &shipped_model());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(frame_count(&remixed), 24);
    let longer = d.join("longer.mp4");
    let o = generate(
        &[
            "--prompt",
            "two seconds later, the red ball rolls away",
            "--steps",
            "4",
            "--extend",
            &source,
        ],
        &longer,
        &shipped_model(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(frame_count(&longer), 48, "the source's 2 s and 2 s more");
    // The sound's tokens are kept beside each clip; the extension's sound starts with the
    // source's and goes on.
    let sound = |mp4: &Path| -> Vec<f64> {
        let kept: serde_json::Value = serde_json::from_slice(
            &std::fs::read(mp4.with_extension("kinora.json")).expect("kept latents"),
        )
        .expect("json");
        kept["sound"]
            .as_array()
            .expect("sound tokens")
            .iter()
            .filter_map(serde_json::Value::as_f64)
            .collect()
    };
    let (before, after) = (sound(&first), sound(&longer));
    assert!(!before.is_empty());
    assert_eq!(after.len(), 2 * before.len());
    assert_eq!(after[..before.len()], before[..]);
    // A clip without kept latents is a clear error, not a panic.
    std::fs::remove_file(first.with_extension("kinora.json")).expect("remove");
    let o = generate(
        &["--prompt", "a ball", "--extend", &source],
        &d.join("none.mp4"),
        &shipped_model(),
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("latents Kinora keeps"),
        "{}",
        stderr(&o)
    );
}

/// The chain: 2 s extended 2 s at a time to 30 s; the finalize report
/// (`kinora check`) on the final MP4 finds no jump and no dropped frames at any seam.
/// A static camera (the plate is held across seams) and a ball that rolls out of the
/// picture after 2.7 s (it must stay out). Silent: each extension would make the whole
/// soundtrack again, and the seams judged here are the picture's.
#[test]
fn a_30_second_chain_of_extensions_has_seams_the_report_passes() {
    let d = dir("chain");
    let prompt = "a yellow ball rolls to the right on the sand";
    let mut clip = d.join("chain-00.mp4");
    let o = generate(
        &["--prompt", prompt, "--steps", "8", "--no-sound"],
        &clip,
        &shipped_model(),
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let mut seams = Vec::new();
    for k in 1..15 {
        seams.push(24 * k);
        let next = d.join(format!("chain-{k:02}.mp4"));
        let source = clip.to_string_lossy().into_owned();
        let seed = k.to_string();
        let o = generate(
            &[
                "--prompt",
                prompt,
                "--steps",
                "8",
                "--seed",
                &seed,
                "--no-sound",
                "--extend",
                &source,
            ],
            &next,
            &shipped_model(),
        );
        assert!(o.status.success(), "extension {k}: {}", stderr(&o));
        clip = next;
    }
    assert_eq!(frame_count(&clip), 360, "30 s at 12 fps");
    let json = d.join("chain.json");
    let check = Command::new(env!("CARGO_BIN_EXE_kinora"))
        .arg("check")
        .arg(&clip)
        .arg("--json")
        .arg(&json)
        .output()
        .expect("kinora check runs");
    assert!(check.status.success(), "{}", stderr(&check));
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json).expect("report")).expect("json");
    let at_seam: Vec<&serde_json::Value> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| {
            let kind = f["kind"].as_str().unwrap_or_default();
            let start = f["frames"]["start"].as_u64().unwrap_or(0) as usize;
            let end = f["frames"]["end"].as_u64().unwrap_or(0) as usize;
            matches!(kind, "jump" | "dropped_frames")
                && seams.iter().any(|&s| start <= s && s <= end)
        })
        .collect();
    assert!(at_seam.is_empty(), "findings at seams: {at_seam:?}");
}

#[test]
fn refused_prompts_and_bad_flags_fail_cleanly_without_output() {
    let d = dir("bad");
    let out = d.join("x.mp4");
    let model = shipped_model();
    for (args, expect) in [
        (
            vec!["--prompt", "a graphic beheading of a child"],
            "refused",
        ),
        (
            vec!["--prompt", "a red ball", "--seconds", "2.1"],
            "whole groups",
        ),
        (vec!["--prompt", "a red ball", "--fps", "24"], "12 fps"),
        (vec!["--prompt", "a red ball", "--size", "33"], "--size"),
        (
            vec!["--prompt", "a red ball", "--camera", "sideways"],
            "unknown camera",
        ),
        (vec!["--prompt", "a red ball", "--steps", "0"], "steps"),
    ] {
        let o = generate(&args, &out, &model);
        assert!(!o.status.success(), "{args:?} should fail");
        assert!(stderr(&o).contains(expect), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        assert!(!out.exists(), "{args:?} wrote a file");
    }
}

#[test]
fn corrupt_or_missing_weights_are_refused() {
    let d = dir("corrupt");
    let model = d.join("model");
    std::fs::create_dir_all(&model).expect("dir");
    for entry in std::fs::read_dir(shipped_model()).expect("shipped model") {
        let entry = entry.expect("entry");
        std::fs::copy(entry.path(), model.join(entry.file_name())).expect("copy");
    }
    let shard = model.join("shard-000.bin");
    let mut bytes = std::fs::read(&shard).expect("shard");
    bytes[1000] ^= 0x10;
    std::fs::write(&shard, &bytes).expect("write");
    let out = d.join("x.mp4");
    let o = generate(&["--prompt", "a red ball"], &out, &model);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("corrupt or tampered"), "{}", stderr(&o));
    std::fs::remove_file(&shard).expect("remove");
    let o = generate(&["--prompt", "a red ball"], &out, &model);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("shard-000.bin"), "{}", stderr(&o));
    let o = generate(&["--prompt", "a red ball"], &out, &d.join("nowhere"));
    assert!(!o.status.success());
    assert!(stderr(&o).contains("manifest"), "{}", stderr(&o));
    assert!(!out.exists());
}
