//! `kinora watermark FILE`: decode a video's luma with ffmpeg and run the watermark
//! detector (`kinora-provenance`) over every frame. ffmpeg does the decoding because
//! Kinora has no H.264 decoder (the browser and ffmpeg are the decoders people use).

use anyhow::{Context, Result, bail};
use kinora_provenance::product_watermark_key;
use kinora_provenance::watermark::{DETECTION_THRESHOLD, Detector};
use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};

/// Width and height of the first video stream.
fn video_size(file: &Path) -> Result<(u32, u32)> {
    let out = Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height",
        ])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .context("running ffprobe (install ffmpeg to check watermarks)")?;
    if !out.status.success() {
        bail!(
            "ffprobe cannot read {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut parts = text.trim().split(',');
    let mut next = || -> Result<u32> {
        parts
            .next()
            .and_then(|p| p.trim().parse().ok())
            .with_context(|| format!("{} has no video stream", file.display()))
    };
    Ok((next()?, next()?))
}

/// Print whether the watermark is present, with its score.
pub fn check(file: &Path) -> Result<()> {
    let (width, height) = video_size(file)?;
    let mut child = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "gray", "-"])
        .stdout(Stdio::piped())
        .spawn()
        .context("running ffmpeg (install ffmpeg to check watermarks)")?;
    let mut stdout = child.stdout.take().context("no ffmpeg output")?;
    let mut detector = Detector::new(&product_watermark_key());
    let mut frame = vec![0u8; width as usize * height as usize];
    loop {
        match stdout.read_exact(&mut frame) {
            Ok(()) => detector.add_luma(&frame, width, height)?,
            Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => break,
            Err(e) => return Err(e).context("reading decoded frames"),
        }
    }
    if !child.wait()?.success() {
        bail!("ffmpeg could not decode {}", file.display());
    }
    let d = detector.finish();
    println!(
        "watermark: {} (score {:.1}, threshold {:.1}, {} frames)",
        if d.present { "present" } else { "not found" },
        d.score,
        DETECTION_THRESHOLD,
        d.frames
    );
    Ok(())
}
