//! `kinora` — Kinora's native command line. It runs the same library code as the browser:
//! `kinora export` turns frames + sound into the same labelled, watermarked, signed MP4
//! the web app downloads (with the pure-Rust H.264 encoder, since there is no WebCodecs
//! here). `kinora watermark` looks for the invisible watermark in any video; `kinora
//! check` prints the finalize report of a video; `kinora recipe` reads a recipe link.

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use kinora_media::export::{ExportOptions, export_mp4};
use kinora_media::import::clip_from_files;
use kinora_provenance::Provenance;
use kinora_recipe::Recipe;
use kinora_safety::PromptPolicy;
use std::io::Write;
use std::path::{Path, PathBuf};

mod check;
mod generate;
mod watermark;

#[derive(Parser)]
#[command(
    name = "kinora",
    version,
    about = "Kinora: text → video with sound, on your own device"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Export a clip (a .y4m video and an optional .wav sound) to an MP4 labelled as
    /// AI-generated: visible corner mark, invisible watermark, signed C2PA manifest.
    Export {
        /// The frames, as YUV4MPEG2 (`ffmpeg -i in.mp4 out.y4m` makes one).
        #[arg(long)]
        video: PathBuf,
        /// The soundtrack (WAV); without it the clip gets a silent track.
        #[arg(long)]
        audio: Option<PathBuf>,
        /// Where to write the MP4.
        #[arg(long, short)]
        out: PathBuf,
        /// The prompt that made the clip (its hash goes into the manifest).
        #[arg(long, default_value = "")]
        prompt: String,
        /// Leave out the visible "AI" mark. The watermark and manifest stay; viewers of
        /// the file will not see that it is AI-generated.
        #[arg(long)]
        no_label: bool,
        /// The device signing key (32 raw bytes); created on first use.
        #[arg(long)]
        key: Option<PathBuf>,
    },
    /// Look for Kinora's invisible watermark in a video file (decoded with ffmpeg, which
    /// must be installed). Works after re-encoding and resizing.
    Watermark {
        /// Any video file ffmpeg can read.
        file: PathBuf,
    },
    /// Generate a clip from a prompt with the shipped video model and write it as a
    /// labelled, watermarked, signed MP4 plus a contact-sheet PNG beside it.
    Generate(generate::Request),
    /// The finalize report: look for jumps, dropped or repeated frames, flicker, objects
    /// that vanish or pop in, artifacts, audio glitches and audio-video offset (decoded with
    /// ffmpeg, which must be installed).
    Check {
        /// Any video file ffmpeg can read (an MP4 from `kinora export`).
        file: PathBuf,
        /// Also write the report as JSON here.
        #[arg(long)]
        json: Option<PathBuf>,
    },
    /// Check a recipe link and print what it asks for.
    Recipe {
        /// The link or its `#recipe=…` fragment.
        link: String,
    },
}

fn main() -> Result<()> {
    match Cli::parse().command {
        Command::Export {
            video,
            audio,
            out,
            prompt,
            no_label,
            key,
        } => export(&video, audio.as_deref(), &out, &prompt, no_label, key),
        Command::Generate(request) => generate::run(request),
        Command::Watermark { file } => watermark::check(&file),
        Command::Check { file, json } => check::run(&file, json.as_deref()),
        Command::Recipe { link } => {
            let recipe = Recipe::from_link(&link)?;
            recipe.check_prompt(PromptPolicy::builtin(), |_| false)?;
            println!(
                "prompt: {}\nseed: {}\n{} s at {} fps, {}×{}, {} steps",
                recipe.prompt,
                recipe.seed,
                recipe.seconds,
                recipe.fps,
                recipe.width,
                recipe.height,
                recipe.steps
            );
            Ok(())
        }
    }
}

fn export(
    video: &Path,
    audio: Option<&Path>,
    out: &Path,
    prompt: &str,
    no_label: bool,
    key: Option<PathBuf>,
) -> Result<()> {
    if let kinora_safety::Verdict::Refused(r) = PromptPolicy::builtin().check(prompt) {
        bail!("the prompt is refused: {r}");
    }
    let y4m = std::fs::read(video).with_context(|| format!("reading {}", video.display()))?;
    let wav = audio
        .map(|p| std::fs::read(p).with_context(|| format!("reading {}", p.display())))
        .transpose()?;
    let (clip, note) = clip_from_files(&y4m, wav.as_deref())?;
    if let Some(note) = note {
        eprintln!("note: {note}");
    }
    if no_label {
        eprintln!(
            "warning: no visible AI label. The invisible watermark and the signed manifest still mark the file as AI-generated."
        );
    }
    let key_path = key.unwrap_or_else(default_key_path);
    let signing_key = load_or_create_key(&key_path)?;
    let options = ExportOptions {
        visible_label: !no_label,
        provenance: Provenance::for_prompt(prompt, vec![], signing_key),
    };
    let started = std::time::Instant::now();
    let exported = export_mp4(&clip, &options, &mut |done, total| {
        eprint!("\rencoding frame {done}/{total}");
    })?;
    eprintln!();
    std::fs::write(out, &exported.mp4).with_context(|| format!("writing {}", out.display()))?;
    let r = &exported.report;
    println!(
        "wrote {} ({} bytes): {} frames, video {:.3} s, audio {:.3} s, {} — {:.1} frames/s",
        out.display(),
        r.bytes,
        r.frames,
        r.video_seconds,
        r.audio_seconds,
        r.video_encoder,
        r.frames as f64 / started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn default_key_path() -> PathBuf {
    let base = std::env::var_os("XDG_CONFIG_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("kinora").join("device-signing-key")
}

/// This machine's signing key: read it, or make one (random, owner-only file).
fn load_or_create_key(path: &Path) -> Result<ed25519_dalek::SigningKey> {
    if path.exists() {
        let bytes =
            std::fs::read(path).with_context(|| format!("reading key {}", path.display()))?;
        let raw: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| anyhow::anyhow!("{} is not a 32-byte signing key", path.display()))?;
        return Ok(ed25519_dalek::SigningKey::from_bytes(&raw));
    }
    let mut raw = [0u8; 32];
    getrandom::fill(&mut raw).map_err(|e| anyhow::anyhow!("no randomness for a new key: {e}"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut file = create_private(path)?;
    file.write_all(&raw)?;
    eprintln!("created a device signing key at {}", path.display());
    Ok(ed25519_dalek::SigningKey::from_bytes(&raw))
}

#[cfg(unix)]
fn create_private(path: &Path) -> Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))
}

#[cfg(not(unix))]
fn create_private(path: &Path) -> Result<std::fs::File> {
    std::fs::File::create_new(path).with_context(|| format!("creating {}", path.display()))
}
