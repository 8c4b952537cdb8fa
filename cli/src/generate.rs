//! `kinora generate`: prompt → guardrails → the shipped video model (hash-checked weights)
//! → frames → the audio model's soundtrack for them → the same labelled, watermarked,
//! signed MP4 as `kinora export` + a contact-sheet PNG (and the soundtrack as WAV on
//! request).

use anyhow::{Context, Result, bail};
use kinora_engine::models::audio::AudioSettings;
use kinora_engine::models::pipeline::{
    CameraChoice, ClipLatents, GenerateSettings, Stage, VideoModel, contact_sheet,
};
use kinora_engine::models::reframe::{Window, crop, subject_window};
use kinora_engine::models::sampler::SamplerSettings;
use kinora_media::clip::{Clip, resize_rgb};
use kinora_media::export::{ExportOptions, export_mp4};
use kinora_media::import::write_wav;
use kinora_provenance::Provenance;
use kinora_safety::classifier::PromptClassifier;
use kinora_safety::{PromptPolicy, Verdict};
use std::path::{Path, PathBuf};

/// Which burn backend runs the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Backend {
    /// burn `flex` on the CPU.
    Cpu,
    /// burn `wgpu` (Vulkan/Metal/DX12; Mesa lavapipe without a GPU).
    Wgpu,
}

/// Generate a clip from a prompt with the shipped video model and write it as a
/// labelled, watermarked, signed MP4 plus a contact-sheet PNG beside it.
#[derive(Debug, clap::Args)]
pub struct Request {
    /// What the clip should show.
    #[arg(long)]
    pub prompt: String,
    /// Noise seed: the same seed gives the same clip on the same backend.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Length in seconds (whole groups of 4 frames).
    #[arg(long, default_value_t = 2.0)]
    pub seconds: f32,
    /// Frames per second (the model's own rate).
    #[arg(long, default_value_t = 12)]
    pub fps: u32,
    /// Output side in pixels, the long side for other aspects than square (the model
    /// makes 128; other sizes are resampled).
    #[arg(long, default_value_t = 128)]
    pub size: u32,
    /// Aspect ratio, width:height (e.g. 16:9 or 9:16): the model's square frames are
    /// cropped around the subject (its planned path) to it.
    #[arg(long, default_value = "1:1", value_parser = parse_aspect)]
    pub aspect: (u32, u32),
    /// Sampler steps.
    #[arg(long, default_value_t = 16)]
    pub steps: usize,
    /// Classifier-free guidance scale. Default: 2 to generate or extend, 5 to remix (each
    /// scored best on held-out prompts: a remix must pull harder towards the new text).
    #[arg(long)]
    pub guidance: Option<f32>,
    /// Camera move, overriding the prompt: static, pan_left, pan_right, pan_up, pan_down,
    /// zoom_in, zoom_out, optionally `:slow` or `:fast`.
    #[arg(long)]
    pub camera: Option<String>,
    /// Where the model runs.
    #[arg(long, value_enum, default_value = "cpu")]
    pub backend: Backend,
    /// The model folder (manifest.json + shards).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Where to write the MP4 (the contact sheet goes beside it as .png).
    #[arg(long, short)]
    pub out: PathBuf,
    /// Also write every frame as a PNG into this folder.
    #[arg(long)]
    pub frames: Option<PathBuf>,
    /// Leave out the visible "AI" mark.
    #[arg(long)]
    pub no_label: bool,
    /// The device signing key (32 raw bytes); created on first use.
    #[arg(long)]
    pub key: Option<PathBuf>,
    /// Remix this clip (a Kinora MP4 with its `.kinora.json` beside it): keep its motion,
    /// follow the new prompt's colours, objects and background.
    #[arg(long, conflicts_with = "extend")]
    pub remix: Option<PathBuf>,
    /// How much a remix may change, 0.05–1 (1 keeps only the motion plan; 0.9 changed the
    /// colour most often while the track stayed closest, of 0.7 and 0.9).
    #[arg(long, default_value_t = 0.9)]
    pub strength: f32,
    /// Continue this clip (a Kinora MP4 with its `.kinora.json` beside it) by `--seconds`;
    /// the output is the whole, longer clip.
    #[arg(long)]
    pub extend: Option<PathBuf>,
    /// Leave the clip silent (skip the audio model).
    #[arg(long)]
    pub no_sound: bool,
    /// Also write the soundtrack as a 16-bit WAV file.
    #[arg(long)]
    pub wav: Option<PathBuf>,
    /// Sampler steps of the audio model.
    #[arg(long, default_value_t = 16)]
    pub sound_steps: usize,
}

/// Guidance to generate and extend.
const GUIDANCE: f32 = 2.0;
/// Guidance to remix.
const REMIX_GUIDANCE: f32 = 5.0;

/// Where a clip's kept latents live: `clip.mp4` → `clip.kinora.json`.
pub fn latents_path(mp4: &Path) -> PathBuf {
    mp4.with_extension("kinora.json")
}

fn read_kept(mp4: &Path) -> Result<ClipLatents> {
    let path = latents_path(mp4);
    let text = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "reading {} (remix and extend need the latents Kinora keeps beside each clip it makes)",
            path.display()
        )
    })?;
    serde_json::from_str(&text)
        .with_context(|| format!("{} is not a Kinora latents file", path.display()))
}

/// The shipped model folder: `--model`, else `public/models/kinora-video` here or in the
/// source tree this binary was built from.
fn model_dir(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(dir) = explicit {
        return dir;
    }
    let here = PathBuf::from("public/models/kinora-video");
    if here.join("manifest.json").exists() {
        return here;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../public/models/kinora-video")
}

/// Loads the model, every shard checked against the manifest's SHA-256.
pub fn load_model(dir: &Path, device: &burn::prelude::Device) -> Result<VideoModel> {
    VideoModel::from_dir(dir, device)
        .with_context(|| format!("loading the video model from {}", dir.display()))
}

fn parse_camera(text: &str) -> CameraChoice {
    let (motion, speed) = text.split_once(':').unwrap_or((text, "slow"));
    CameraChoice {
        motion: motion.replace('-', "_"),
        speed: speed.to_string(),
    }
}

pub fn run(req: Request) -> Result<()> {
    if let Verdict::Refused(r) = PromptPolicy::builtin().check(&req.prompt) {
        bail!("the prompt is refused: {r}");
    }
    if req.size < 32 || req.size > 1024 || !req.size.is_multiple_of(2) {
        bail!("--size must be an even number of pixels in 32..=1024");
    }
    let device = match req.backend {
        Backend::Cpu => kinora_engine::device::cpu_device(),
        Backend::Wgpu => {
            pollster::block_on(kinora_engine::device::Gpu::init())
                .context("starting the GPU backend (try --backend cpu)")?
                .burn_device
        }
    };
    let started = std::time::Instant::now();
    let model = load_model(&model_dir(req.model), &device)?;
    if req.fps != model.config.fps {
        bail!(
            "--fps {}: this model makes {} fps clips",
            req.fps,
            model.config.fps
        );
    }
    let words = PromptClassifier::builtin_word_vectors().context("decoding the word vectors")?;
    let settings = GenerateSettings {
        seconds: req.seconds,
        sampler: SamplerSettings {
            steps: req.steps,
            guidance: req.guidance.unwrap_or(if req.remix.is_some() {
                REMIX_GUIDANCE
            } else {
                GUIDANCE
            }),
            seed: req.seed,
            ..SamplerSettings::default()
        },
        camera: req.camera.as_deref().map(parse_camera),
        ..GenerateSettings::default()
    };
    let bar = indicatif::ProgressBar::new(req.steps as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg} {bar:30} {pos}/{len} ETA {eta}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let source = match (&req.remix, &req.extend) {
        (Some(file), _) | (None, Some(file)) => Some(
            model
                .resume(&read_kept(file)?)
                .with_context(|| format!("reading the clip {}", file.display()))?,
        ),
        (None, None) => None,
    };
    let on_stage = |stage: Stage| {
        match stage {
            Stage::Text => bar.set_message("reading the prompt"),
            Stage::Plan => bar.set_message("planning the motion"),
            Stage::Denoise(i, _) => {
                bar.set_message("denoising");
                bar.set_position(i as u64);
            }
            Stage::Decode => bar.set_message("decoding"),
        }
        true
    };
    let mut video = match (&source, req.remix.is_some()) {
        (Some(source), true) => model.remix(
            source,
            &req.prompt,
            req.strength,
            &settings,
            &words,
            on_stage,
        )?,
        (Some(source), false) => model.extend(source, &req.prompt, &settings, &words, on_stage)?,
        (None, _) => model.generate(&req.prompt, &settings, &words, on_stage)?,
    };
    bar.finish_and_clear();
    let r = &video.reading;
    for (typed, used) in &r.corrected {
        eprintln!("read {typed:?} as {used:?}");
    }
    if !r.ignored.is_empty() {
        eprintln!("ignored unknown words: {}", r.ignored.join(", "));
    }
    eprintln!(
        "understood: {}; camera {} {}",
        r.attributes
            .iter()
            .filter(|(_, l, _)| l != "none")
            .map(|(g, l, p)| format!("{g}={l} ({:.0}%)", 100.0 * p))
            .collect::<Vec<_>>()
            .join(", "),
        r.camera.motion,
        r.camera.speed
    );
    if let Some(line) = &r.line {
        eprintln!("says: \"{line}\"");
    }
    let square = video.width.min(video.height);
    let window = subject_window(video.trajectory.as_ref(), square, req.aspect);
    let (out_w, out_h) = output_size(req.size, window);
    let frames: Vec<Vec<u8>> = crop(&video.frames, video.width, window)
        .iter()
        .map(|f| resize_rgb(f, window.width, window.height, out_w, out_h))
        .collect();
    let generated = started.elapsed();
    let sheet = req.out.with_extension("png");
    write_png(
        &sheet,
        &contact_sheet(&frames, out_w, out_h),
        4 * out_w,
        3 * out_h,
    )?;
    if let Some(dir) = &req.frames {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        for (i, f) in frames.iter().enumerate() {
            write_png(&dir.join(format!("frame-{i:03}.png")), f, out_w, out_h)?;
        }
    }
    let sound_started = std::time::Instant::now();
    let sound = if req.no_sound {
        None
    } else {
        let settings = AudioSettings {
            steps: req.sound_steps,
            seed: req.seed,
            ..AudioSettings::default()
        };
        let bar = indicatif::ProgressBar::new_spinner();
        bar.set_message("making the sound");
        let sound = model.soundtrack(&req.prompt, &video, &words, &settings, |_, _| {
            bar.tick();
            true
        })?;
        bar.finish_and_clear();
        if sound.is_none() {
            eprintln!("this model has no audio model: the clip is silent");
        }
        sound
    };
    let sound_time = sound_started.elapsed();
    // Kept beside the MP4 with the sound's tokens, so an extension's sound goes on from it.
    if let Some(s) = &sound {
        video.sound_tokens = s.tokens.clone();
    }
    let kept = latents_path(&req.out);
    std::fs::write(&kept, serde_json::to_string(&video.keep(&model))?)
        .with_context(|| format!("writing {}", kept.display()))?;
    let sample_rate = sound.as_ref().map_or(24_000, |s| s.sample_rate);
    let audio = match &sound {
        Some(s) => s.samples.clone(),
        None => vec![0.0; frames.len() * (sample_rate / video.fps) as usize],
    };
    if let (Some(path), Some(s)) = (&req.wav, &sound) {
        std::fs::write(path, write_wav(&s.samples, s.sample_rate)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    let clip = Clip {
        width: out_w as u32,
        height: out_h as u32,
        fps: video.fps,
        audio,
        frames,
        sample_rate,
    };
    let options = ExportOptions {
        visible_label: !req.no_label,
        provenance: Provenance::for_prompt(
            &req.prompt,
            vec![],
            crate::load_or_create_key(&req.key.unwrap_or_else(crate::default_key_path))?,
        ),
    };
    let exported = export_mp4(&clip, &options, &mut |_, _| {})?;
    std::fs::write(&req.out, &exported.mp4)
        .with_context(|| format!("writing {}", req.out.display()))?;
    println!(
        "wrote {} ({} bytes, {} frames, {:.1} s, {}) and {}; video generated in {:.1} s, \
         sound in {:.1} s on {:?}",
        req.out.display(),
        exported.report.bytes,
        exported.report.frames,
        exported.report.video_seconds,
        match &sound {
            Some(s) if s.lufs.is_finite() => format!("sound at {:.1} LUFS", s.lufs),
            Some(_) => "sound: silence (nothing in the prompt or the motion makes any)".to_string(),
            None => "silent".to_string(),
        },
        sheet.display(),
        generated.as_secs_f64(),
        sound_time.as_secs_f64(),
        req.backend
    );
    Ok(())
}

fn write_png(path: &Path, rgb: &[u8], w: usize, h: usize) -> Result<()> {
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(rgb)?;
    Ok(())
}

/// `W:H` → (W, H), both 1..=100.
fn parse_aspect(text: &str) -> Result<(u32, u32), String> {
    let (w, h) = text
        .split_once(':')
        .ok_or_else(|| format!("{text:?}: write the aspect as width:height, e.g. 16:9"))?;
    let number = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=100).contains(n))
            .ok_or_else(|| format!("{text:?}: each side of the aspect is a whole number 1–100"))
    };
    Ok((number(w)?, number(h)?))
}

/// The output size of a crop `window` whose long side becomes `long` pixels; the short
/// side keeps the window's shape, rounded to an even number (the encoder needs it).
fn output_size(long: u32, window: Window) -> (usize, usize) {
    let long = long as usize;
    let (w, h) = (window.width.max(1), window.height.max(1));
    let even = |v: f32| ((v / 2.0).round() as usize * 2).max(2);
    if w >= h {
        (long, even(long as f32 * h as f32 / w as f32))
    } else {
        (even(long as f32 * w as f32 / h as f32), long)
    }
}

#[cfg(test)]
mod aspect_tests {
    use super::*;

    #[test]
    fn aspects_parse_and_sizes_keep_the_window_shape() {
        assert_eq!(parse_aspect("16:9"), Ok((16, 9)));
        assert!(parse_aspect("16x9").is_err());
        assert!(parse_aspect("0:9").is_err());
        let wide = Window {
            x: 0,
            y: 28,
            width: 128,
            height: 72,
        };
        assert_eq!(output_size(256, wide), (256, 144));
        let tall = Window {
            x: 28,
            y: 0,
            width: 72,
            height: 128,
        };
        assert_eq!(output_size(512, tall), (288, 512));
    }
}
