//! `kinora check FILE [--json OUT]`: the finalize report (`kinora-qa`) on a video file.
//! ffmpeg decodes the frames (RGB) and the sound (mono f32), as for `kinora watermark`:
//! Kinora has only H.264 and AAC *encoders*, and ffmpeg is the decoder people have.

use anyhow::{Context, Result, bail};
use kinora_qa::{Audio, Frames, Report, analyze};
use std::path::Path;
use std::process::Command;

/// Sample rate the sound is decoded at.
const SAMPLE_RATE: u32 = 24_000;

/// Width, height and frame rate of the first video stream.
fn probe(file: &Path) -> Result<(usize, usize, f32)> {
    let out = Command::new("ffprobe")
        .args(["-v", "error", "-select_streams", "v:0"])
        .args(["-show_entries", "stream=width,height,r_frame_rate"])
        .args(["-of", "csv=p=0"])
        .arg(file)
        .output()
        .context("running ffprobe (install ffmpeg to check clips)")?;
    if !out.status.success() {
        bail!(
            "cannot read {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let parts: Vec<&str> = text.trim().split(',').map(str::trim).collect();
    let no_video = || anyhow::anyhow!("{} has no video stream", file.display());
    let [w, h, rate] = parts.as_slice() else {
        return Err(no_video());
    };
    let (w, h): (usize, usize) = (
        w.parse().map_err(|_| no_video())?,
        h.parse().map_err(|_| no_video())?,
    );
    let fps = match rate.split_once('/') {
        Some((a, b)) => a
            .parse::<f32>()
            .ok()
            .zip(b.parse::<f32>().ok())
            .map(|(a, b)| a / b),
        None => rate.parse().ok(),
    }
    .filter(|f| f.is_finite() && *f > 0.0)
    .with_context(|| format!("{} has no usable frame rate ({rate})", file.display()))?;
    Ok((w, h, fps))
}

fn decode_video(file: &Path, w: usize, h: usize) -> Result<Vec<Vec<u8>>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:v:0", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output()
        .context("running ffmpeg (install ffmpeg to check clips)")?;
    if !out.status.success() {
        bail!(
            "ffmpeg could not decode the video of {}: {}",
            file.display(),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    let size = w * h * 3;
    if size == 0 || out.stdout.len() < size {
        bail!("{} has no decodable frames", file.display());
    }
    Ok(out.stdout.chunks_exact(size).map(<[u8]>::to_vec).collect())
}

/// The sound as mono f32, or `None` (with the reason) when there is none to decode.
fn decode_audio(file: &Path) -> Result<std::result::Result<Vec<f32>, String>> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-i"])
        .arg(file)
        .args(["-map", "0:a:0", "-ac", "1", "-ar", &SAMPLE_RATE.to_string()])
        .args(["-f", "f32le", "-"])
        .output()
        .context("running ffmpeg (install ffmpeg to check clips)")?;
    if !out.status.success() || out.stdout.is_empty() {
        let why = String::from_utf8_lossy(&out.stderr).trim().to_string();
        return Ok(Err(if why.is_empty() {
            "no soundtrack".into()
        } else {
            why
        }));
    }
    Ok(Ok(out
        .stdout
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()))
}

/// One character per frame: how hot the heat strip is there.
fn strip(r: &Report) -> String {
    r.heat
        .iter()
        .map(|&h| match h {
            h if h >= 1.0 => '█',
            h if h >= 0.7 => '▓',
            h if h > 0.0 => '░',
            _ => '·',
        })
        .collect()
}

/// Run the report on `file`, print it, and write JSON to `json` if asked.
pub fn run(file: &Path, json: Option<&Path>) -> Result<()> {
    if !file.is_file() {
        bail!("{} is not a file", file.display());
    }
    let (w, h, fps) = probe(file)?;
    let frames = decode_video(file, w, h)?;
    let audio = decode_audio(file)?;
    let input = Frames {
        width: w,
        height: h,
        fps,
        rgb: frames.iter().map(Vec::as_slice).collect(),
    };
    let sound = match &audio {
        Ok(samples) => Some(Audio {
            sample_rate: SAMPLE_RATE,
            samples,
        }),
        Err(why) => {
            eprintln!("note: sound not checked ({why})");
            None
        }
    };
    let report = analyze(&input, sound.as_ref())?;
    println!(
        "{}: {} frames {w}×{h} at {fps:.2} fps{}",
        file.display(),
        report.frames,
        if sound.is_some() {
            ", with sound"
        } else {
            ", no sound"
        }
    );
    println!("heat  {}", strip(&report));
    if let Some(m) = report.av_offset_ms {
        println!("audio − video offset: {m:+.0} ms (median over impacts)");
    }
    if report.findings.is_empty() {
        println!("no findings");
    }
    for f in &report.findings {
        println!(
            "{:<8} frames {:>3}–{:<3} ({:.2}–{:.2} s)  {:?}: {}",
            format!("{:?}", f.severity).to_lowercase(),
            f.frames.start,
            f.frames.end - 1,
            f.seconds.0,
            f.seconds.1,
            f.kind,
            f.explanation
        );
    }
    if let Some(path) = json {
        let text = serde_json::to_string_pretty(&report)?;
        std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
