//! `train-audio`: the audio model — codec ceiling, training, evaluation by the world's
//! judge, export into the video model's manifest. Run folder default `/work/kinora-audio`.
//!
//! ```text
//! train-audio ceiling [--n 100]          the codec alone: world audio → log-magnitudes →
//!                                        Griffin–Lim → judge (and the world's own audio)
//! train-audio train   [--clips 4000] [--minutes 60] [--total-steps 6000] [--batch 16]
//!                     [--lr 1e-3] [--width 128] [--depth 6] [--contact-weight 0]
//! train-audio eval    [--n 200] [--steps 16] [--guidance 2] [--release 0] [--weights DIR]
//!                     (DIR: a checkpoint, or a model manifest at int8/int4)
//!                     [--verbose true]   per clip: contacts told, seen and heard
//!                                        held-out scenes: sound for the world's own picture
//!                     [--pipeline true]  …or for the video model's own clip of the prompt
//! train-audio speech  [--n 60] [--pipeline true] [--extend true]
//!                                        held-out scenes with a spoken line: syllables
//!                                        heard, lip lag (world picture, or the video
//!                                        model's own clip with its drawn mouth)
//! train-audio seams   [--n 40] [--seconds 6] [--release 0]
//!                                        joins of 2 s windows in long soundtracks
//! train-audio plot    [--out docs/audio]  the flow loss curve → loss-audio.png
//! train-audio export  [--model public/models/kinora-video] [--weights DIR]
//!                                        add the audio model to the video manifest
//! ```

use anyhow::{Context, Result, bail};
use burn::prelude::*;
use kinora_engine::models::audio::{AudioDit, AudioDitConfig, AudioModelConfig, AudioSettings};
use kinora_engine::models::pipeline::GenerateSettings;
use kinora_engine::models::pipeline::{VideoModel, VideoModelConfig};
use kinora_engine::models::spectrum::{HOP, Stft};
use kinora_engine::models::text::WordLookup;
use kinora_engine::models::weights::collect_tensors;
use kinora_media::import::write_wav;
use kinora_safety::classifier::PromptClassifier;
use kinora_train::args::Args;
use kinora_train::audio::data::{
    SAMPLE_RATE, render_config, scene_without_line, sound_labels, sound_schema, speaking_scenes,
};
use kinora_train::audio::judge::{AudioTable, SpeechTable, asked_syllables};
use kinora_train::audio::scene::scene_sound;
use kinora_train::audio::train::{TrainSettings, train};
use kinora_train::video::common::{load_checkpoint, load_model};
use kinora_train::video::eval::world_frames;
use kinora_world::clip::make_clip;
use kinora_world::rng::mix;
use kinora_world::sample::Split;
use kinora_world::text::describe;
use std::path::{Path, PathBuf};

fn main() -> Result<()> {
    let args =
        Args::parse("usage: train-audio <ceiling|train|eval|seams|plot|export> [--flag value]…")?;
    let run = args.path("dir", Path::new("/work/kinora-audio"));
    std::fs::create_dir_all(&run)?;
    let words = PromptClassifier::builtin_word_vectors().context("decoding the word vectors")?;
    let video_dir = args.path("model", Path::new("public/models/kinora-video"));
    match args.command.as_str() {
        "ceiling" => ceiling(args.get("n", 100)?, args.get("codec-dims", 64)?),
        "train" => {
            let video = load_model(&video_dir)?;
            let settings = TrainSettings {
                clips: args.get("clips", 4000)?,
                seconds: args.get("seconds", 4.0)?,
                total_steps: args.get("total-steps", 6000)?,
                minutes: args.get("minutes", 60.0)?,
                batch: args.get("batch", 16)?,
                lr: args.get("lr", 1e-3)?,
                codec_dims: args.get("codec-dims", 64)?,
                d_model: args.get("width", 128)?,
                depth: args.get("depth", 6)?,
                contact_weight: args.get("contact-weight", 0.0)?,
            };
            train(&run, &video, &words, &settings)
        }
        "eval" => {
            let video = load_model(&video_dir)?;
            let weights = args.path("weights", &run.join("audio-ema"));
            let (dit, config) = load_audio(&weights)?;
            let settings = sampling(&args)?;
            if args.get("pipeline", false)? {
                eval_pipeline(video, &words, dit, config, args.get("n", 100)?, &settings)
            } else {
                eval(
                    &video,
                    &words,
                    &dit,
                    &config,
                    args.get("n", 200)?,
                    &settings,
                    args.get("verbose", false)?,
                )
            }
        }
        "speech" => {
            let video = load_model(&video_dir)?;
            let weights = args.path("weights", &run.join("audio-ema"));
            let (dit, config) = load_audio(&weights)?;
            speech(
                video,
                &words,
                dit,
                config,
                args.get("n", 60)?,
                &sampling(&args)?,
                if args.get("extend", false)? {
                    Picture::Extension
                } else if args.get("pipeline", false)? {
                    Picture::Generated
                } else {
                    Picture::World
                },
            )
        }
        "seams" => {
            let video = load_model(&video_dir)?;
            let (dit, config) = load_audio(&args.path("weights", &run.join("audio-ema")))?;
            seams(
                &video,
                &words,
                &dit,
                &config,
                args.get("n", 40)?,
                args.get("seconds", 6.0)?,
                &sampling(&args)?,
            )
        }
        "plot" => {
            let out = args.path("out", Path::new("docs/audio"));
            std::fs::create_dir_all(&out)?;
            kinora_train::video::plot::plot_loss(
                &run.join("audio.csv"),
                &out.join("loss-audio.png"),
            )
        }
        "export" => export(&video_dir, &args.path("weights", &run.join("audio-ema"))),
        other => bail!("unknown command {other:?}"),
    }
}

/// The sampling flags of `eval` and `seams`.
fn sampling(args: &Args) -> Result<AudioSettings> {
    let default = AudioSettings::default();
    Ok(AudioSettings {
        steps: args.get("steps", default.steps)?,
        guidance: args.get("guidance", default.guidance)?,
        seed: 0,
        phase_iterations: args.get("phase-iterations", default.phase_iterations)?,
        release: args.get("release", default.release)?,
    })
}

/// Loads the audio model: `dir` is a training checkpoint (EMA weights + statistics), or a shipped model manifest (a video model with its
/// audio model, at whatever precision it stores: how int8 and int4 are judged).
fn load_audio(dir: &Path) -> Result<(AudioDit, AudioModelConfig)> {
    let (manifest, _) = kinora_train::video::common::read_weights(dir)?;
    if manifest.config.get("audio").is_some_and(|a| !a.is_null()) {
        let model = VideoModel::from_dir(dir, &Device::flex())?;
        let config = model
            .config
            .audio
            .clone()
            .context("the model has no audio config")?;
        let dit = model.audio.context("the model has no audio weights")?;
        return Ok((dit, config));
    }
    let extra = manifest.config;
    let dit_config: AudioDitConfig = serde_json::from_value(extra["config"].clone())
        .context("audio checkpoint: configuration")?;
    let config = AudioModelConfig {
        dit: dit_config.clone(),
        labels: sound_schema(),
        sample_rate: SAMPLE_RATE,
    };
    let (dit, _) = load_checkpoint(dit_config.init(&Device::flex()), "audio", dir)?;
    Ok((dit, config))
}

/// Held-out scenes: the world's own picture with (a) its own soundtrack, (b) that
/// soundtrack through the codec (log-magnitudes → Griffin–Lim), judged alike.
fn ceiling(n: usize, k: usize) -> Result<()> {
    let stft = Stft::new();
    let cfg = render_config(2.0);
    let train: Vec<Vec<f32>> = (0..300u64)
        .map(|i| {
            kinora_train::audio::data::render(&stft, mix(0xA0D1_0000 + i), Split::Train, 4.0)
                .log_mags
        })
        .collect();
    let frames: Vec<&[f32]> = train
        .iter()
        .flat_map(|c| c.chunks(kinora_engine::models::spectrum::BINS))
        .collect();
    let pca = kinora_train::audio::codec::fit(&frames, k);
    println!(
        "codec: {k} components keep {:.2}% of the variance",
        100.0 * pca.explained
    );
    let (mut world, mut codec, mut coded) = (
        AudioTable::default(),
        AudioTable::default(),
        AudioTable::default(),
    );
    for i in 0..n as u64 {
        let seed = mix(0xE7A1_0000 + i);
        let scene = scene_without_line(seed, Split::HeldOut);
        let clip = make_clip(&scene, seed, &cfg);
        world.add(&scene, &clip.frames, cfg.fps, &clip.audio, cfg.sample_rate);
        let frames = clip.audio.len() / HOP;
        let mags = stft.log_magnitudes(&clip.audio, frames);
        let back = stft.reconstruct(&mags, clip.audio.len(), 32, seed);
        codec.add(&scene, &clip.frames, cfg.fps, &back, cfg.sample_rate);
        let bins = kinora_engine::models::spectrum::BINS;
        let squeezed: Vec<f32> = mags
            .chunks(bins)
            .flat_map(|f| pca.decode(&pca.encode(f)))
            .collect();
        let back = stft.reconstruct(&squeezed, clip.audio.len(), 32, seed);
        coded.add(&scene, &clip.frames, cfg.fps, &back, cfg.sample_rate);
    }
    println!("world audio:        {}", world.summary());
    println!("phase rebuilt:      {}", codec.summary());
    println!("{k} components too: {}", coded.summary());
    println!("coded ambient errors: {:?}", coded.ambient_errors);
    println!("codec ambient errors: {:?}", codec.ambient_errors);
    Ok(())
}

/// Held-out scenes: the model's soundtrack for the world's own picture (its tracks and
/// prompt), judged with those frames.
fn eval(
    video: &VideoModel,
    words: &dyn WordLookup,
    dit: &AudioDit,
    config: &AudioModelConfig,
    n: usize,
    settings: &AudioSettings,
    verbose: bool,
) -> Result<()> {
    let cfg = render_config(2.0);
    let mut table = AudioTable::default();
    let mut lufs = Vec::new();
    let mut labels_right = [0usize; 2];
    let start = std::time::Instant::now();
    for i in 0..n as u64 {
        let seed = mix(0xE7A1_0000 + i);
        let scene = scene_without_line(seed, Split::HeldOut);
        let clip = make_clip(&scene, seed, &cfg);
        let sound = scene_sound(video, words, dit, config, &scene, seed, 2.0, settings);
        let logits = kinora_engine::models::pipeline::to_vec(
            dit.read_labels(sound.text.tokens.clone(), sound.text.bias.clone()),
        );
        let mut offset = 0;
        for (g, (truth, n_labels)) in sound_labels(&scene)
            .into_iter()
            .zip(dit.label_groups())
            .enumerate()
        {
            let slice = &logits[offset..offset + n_labels];
            let best = (0..*n_labels)
                .max_by(|&a, &b| slice[a].total_cmp(&slice[b]))
                .unwrap_or(0);
            labels_right[g] += usize::from(best == truth);
            offset += n_labels;
        }
        let (audio, loud) = (sound.samples, sound.lufs);
        lufs.push(loud);
        let report = table.add(&scene, &clip.frames, cfg.fps, &audio, cfg.sample_rate);
        if verbose {
            // Where the sounds come from: the contacts read off the tracks (what the model
            // is told), the ones the judge sees in the picture, the onsets it hears.
            let plan = kinora_train::video::trajectory::world_trajectory(
                &scene,
                seed,
                cfg.frames(),
                kinora_train::audio::data::FPS,
            );
            let told: Vec<String> =
                kinora_engine::models::contacts::detect(&plan, kinora_train::audio::data::FPS)
                    .iter()
                    .map(|c| format!("{:.3}@{}", c.time, c.slot))
                    .collect();
            let seen: Vec<String> = report
                .objects
                .iter()
                .flat_map(|o| o.contacts.iter().map(|t| format!("{t:.3}")))
                .collect();
            let heard: Vec<String> = report
                .audio_onsets
                .iter()
                .map(|t| format!("{t:.3}"))
                .collect();
            println!(
                "{i}: {:?} | told {told:?} | seen {seen:?} | heard {heard:?}",
                scene.ambient
            );
        }
        if i < 12 {
            let path = std::path::PathBuf::from(format!("/tmp/kinora-audio-{i}.wav"));
            save_wav(&path, &audio, SAMPLE_RATE)?;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "model ({} steps, guidance {}): {}",
        settings.steps,
        settings.guidance,
        table.summary()
    );
    println!("ambient errors: {:?}", table.ambient_errors);
    println!(
        "read from the text: bed kind {:.1}%, key {:.1}%",
        100.0 * labels_right[0] as f32 / n as f32,
        100.0 * labels_right[1] as f32 / n as f32
    );
    lufs.sort_by(f32::total_cmp);
    println!(
        "loudness median {:.1} LUFS; {:.2} s per clip (sampling + phase + judge)",
        lufs[lufs.len() / 2],
        secs / n as f64
    );
    Ok(())
}

/// Held-out prompts end to end: the video model's clip (8 steps) and the audio model's
/// soundtrack for it, judged together — the sound must land on the contacts the
/// *generated* picture shows.
fn eval_pipeline(
    mut video: VideoModel,
    words: &dyn WordLookup,
    dit: AudioDit,
    config: AudioModelConfig,
    n: usize,
    settings: &AudioSettings,
) -> Result<()> {
    video.config.audio = Some(config);
    video.audio = Some(dit);
    let mut table = AudioTable::default();
    let (mut video_s, mut sound_s) = (0.0f64, 0.0f64);
    for i in 0..n as u64 {
        let seed = mix(0xE7A1_0000 + i);
        let scene = scene_without_line(seed, Split::HeldOut);
        let prompt = describe(&scene, seed);
        let t0 = std::time::Instant::now();
        let clip = video.generate(&prompt, &page_clip(seed), words, |_| true)?;
        let t1 = std::time::Instant::now();
        let sound = video
            .soundtrack(
                &prompt,
                &clip,
                words,
                &AudioSettings { seed, ..*settings },
                |_, _| true,
            )?
            .context("the model has sound")?;
        sound_s += t1.elapsed().as_secs_f64();
        video_s += (t1 - t0).as_secs_f64();
        let frames = world_frames(&clip.frames, clip.width, clip.height);
        table.add(&scene, &frames, clip.fps, &sound.samples, sound.sample_rate);
        if i < 12 {
            save_wav(
                &PathBuf::from(format!("/tmp/kinora-pipeline-{i}.wav")),
                &sound.samples,
                sound.sample_rate,
            )?;
        }
    }
    println!(
        "generated video + sound ({} steps): {}",
        settings.steps,
        table.summary()
    );
    println!("ambient errors: {:?}", table.ambient_errors);
    println!(
        "per 2 s clip on this CPU: video {:.2} s, sound {:.2} s (per second of audio {:.2} s)",
        video_s / n as f64,
        sound_s / n as f64,
        sound_s / n as f64 / 2.0
    );
    Ok(())
}

/// Held-out scenes whose character says one of the world's lines (never trained on: the
/// training lines are made up): the syllables heard in the soundtrack against the line's,
/// and the lag between the mouth seen and the voice heard. Rows: the world's own
/// soundtrack (the judge's own baseline) and the model's, for the world's picture or, with
/// `pipeline`, for the video model's own clip (its object layer draws the mouth).
/// What `train-audio speech` makes the sound for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Picture {
    /// The world's own picture of the scene.
    World,
    /// The video model's clip of the prompt.
    Generated,
    /// The scene without its line, then an extension whose prompt says it.
    Extension,
}

fn speech(
    mut video: VideoModel,
    words: &dyn WordLookup,
    dit: AudioDit,
    config: AudioModelConfig,
    n: usize,
    settings: &AudioSettings,
    picture: Picture,
) -> Result<()> {
    let (pipeline, extend) = (picture == Picture::Generated, picture == Picture::Extension);
    let cfg = render_config(2.0);
    video.config.audio = Some(config.clone());
    video.audio = Some(dit);
    let (mut world, mut model) = (SpeechTable::default(), SpeechTable::default());
    let start = std::time::Instant::now();
    for (seed, scene) in speaking_scenes().take(n) {
        let prompt = describe(&scene, seed);
        let asked = asked_syllables(&prompt).context("a speaking scene's prompt has its line")?;
        let clip = make_clip(&scene, seed, &cfg);
        world.add(&clip.frames, cfg.fps, &clip.audio, cfg.sample_rate, &asked);
        let settings = AudioSettings { seed, ..*settings };
        let (frames, fps, audio) = if extend {
            // The scene without its line first, then 2 s more whose prompt says it: the
            // judge hears the extension's own 2 s, where the new line must be.
            let quiet = describe(&scene_without_line(seed, Split::HeldOut), seed);
            let mut source = video.generate(&quiet, &page_clip(seed), words, |_| true)?;
            let first = video
                .soundtrack(&quiet, &source, words, &settings, |_, _| true)?
                .context("the model has sound")?;
            source.sound_tokens = first.tokens;
            let made = video.extend(&source, &prompt, &page_clip(seed ^ 1), words, |_| true)?;
            let sound = video
                .soundtrack(&prompt, &made, words, &settings, |_, _| true)?
                .context("the model has sound")?;
            let from = source.frames.len();
            let at = from * SAMPLE_RATE as usize / made.fps as usize;
            let frames = world_frames(&made.frames[from..], made.width, made.height);
            (
                frames,
                made.fps,
                sound.samples[at.min(sound.samples.len())..].to_vec(),
            )
        } else if pipeline {
            let made = video.generate(&prompt, &page_clip(seed), words, |_| true)?;
            let sound = video
                .soundtrack(&prompt, &made, words, &settings, |_, _| true)?
                .context("the model has sound")?;
            let frames = world_frames(&made.frames, made.width, made.height);
            (frames, made.fps, sound.samples)
        } else {
            let audio = video.audio.as_ref().context("the model has sound")?;
            let config = video.config.audio.as_ref().context("the model has sound")?;
            let sound = scene_sound(&video, words, audio, config, &scene, seed, 2.0, &settings);
            (clip.frames.clone(), cfg.fps, sound.samples)
        };
        model.add(&frames, fps, &audio, SAMPLE_RATE, &asked);
        if model.clips <= 6 {
            let name = if extend {
                "speech-extension"
            } else if pipeline {
                "speech-pipeline"
            } else {
                "speech"
            };
            let path = PathBuf::from(format!("/tmp/kinora-{name}-{}.wav", model.clips - 1));
            save_wav(&path, &audio, SAMPLE_RATE)?;
            println!("{}: {prompt}", path.display());
        }
    }
    println!("world's soundtrack: {}", world.summary());
    println!(
        "model ({}, {} steps): {}",
        if extend {
            "an extension's 2 s, its prompt saying the line"
        } else if pipeline {
            "generated clip"
        } else {
            "world picture"
        },
        settings.steps,
        model.summary()
    );
    println!("{:.1} s per clip", start.elapsed().as_secs_f64() / n as f64);
    Ok(())
}

/// A 2 s clip as the page makes it (8 video steps) from `seed`: what the end-to-end
/// evaluations judge.
fn page_clip(seed: u64) -> GenerateSettings {
    GenerateSettings {
        sampler: kinora_engine::models::sampler::SamplerSettings {
            steps: 8,
            seed,
            ..Default::default()
        },
        ..GenerateSettings::default()
    }
}

/// Window joins of long soundtracks: the spectral flux where each later window's own
/// frames begin, against the clip's own distribution of flux, and the finalize report's
/// audio analyzers (clicks, dropouts, stutter) near the joins, for the model's soundtrack
/// and for the world's own soundtrack of the same scene (the analyzers' baseline).
fn seams(
    video: &VideoModel,
    words: &dyn WordLookup,
    dit: &AudioDit,
    config: &AudioModelConfig,
    n: usize,
    seconds: f32,
    settings: &AudioSettings,
) -> Result<()> {
    use kinora_engine::models::audio::{OVERLAP_TOKENS, token_seconds, windows};
    let stft = Stft::new();
    let bins = kinora_engine::models::spectrum::BINS;
    let cfg = render_config(seconds);
    let samples = cfg.samples();
    let frames = samples / HOP;
    let joins: Vec<f32> = windows(frames.div_ceil(2))
        .iter()
        .skip(1)
        .map(|&(start, _)| (start + OVERLAP_TOKENS) as f32 * token_seconds(SAMPLE_RATE))
        .collect();
    let (mut within, mut total) = (0usize, 0usize);
    let (mut model_events, mut world_events) = (0usize, 0usize);
    for i in 0..n as u64 {
        let seed = mix(0x5EA4_0000 + i);
        let scene = scene_without_line(seed, Split::HeldOut);
        let audio = scene_sound(video, words, dit, config, &scene, seed, seconds, settings).samples;
        // Flux of the rebuilt audio (what is heard), per 10-ms frame.
        let heard = stft.log_magnitudes(&audio, frames);
        let flux: Vec<f32> = (1..frames)
            .map(|j| {
                heard[j * bins..(j + 1) * bins]
                    .iter()
                    .zip(&heard[(j - 1) * bins..j * bins])
                    .map(|(a, b)| (a - b).abs())
                    .sum::<f32>()
                    / bins as f32
            })
            .collect();
        let mut sorted = flux.clone();
        sorted.sort_by(f32::total_cmp);
        let p95 = sorted[sorted.len() * 95 / 100];
        for &t in &joins {
            let j = (t / 0.01) as usize;
            let at = flux[j.saturating_sub(2)..(j + 2).min(flux.len())]
                .iter()
                .copied()
                .fold(0.0, f32::max);
            total += 1;
            within += usize::from(at <= p95);
        }
        let near = |events: Vec<kinora_qa::AudioEvent>| {
            events
                .iter()
                .filter(|e| joins.iter().any(|&t| e.start < t + 0.1 && e.end > t - 0.1))
                .count()
        };
        let count = |a: &[f32]| {
            let x = kinora_qa::Audio {
                sample_rate: SAMPLE_RATE,
                samples: a,
            };
            near(kinora_qa::clicks::analyze(&x))
                + near(kinora_qa::dropouts::analyze(&x))
                + near(kinora_qa::stutter::analyze(&x))
        };
        model_events += count(&audio);
        world_events += count(&kinora_train::audio::data::soundtrack(
            &scene, seed, seconds,
        ));
    }
    println!(
        "{n} soundtracks of {seconds} s, {} joins each: {:.1}% of joins within the clip's own 95th-percentile flux; \
         audio findings within 0.1 s of a join: model {model_events}, world {world_events}",
        joins.len(),
        100.0 * within as f32 / total.max(1) as f32
    );
    Ok(())
}

/// Writes a WAV file.
fn save_wav(path: &Path, audio: &[f32], rate: u32) -> Result<()> {
    std::fs::write(path, write_wav(audio, rate)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Adds the audio model (from its EMA checkpoint) to the video model's manifest in
/// `model`, at the precision the video weights are stored in: the video tensors are
/// re-packed from their stored values (int8 blocks re-quantize to the same numbers).
fn export(model: &Path, weights: &Path) -> Result<()> {
    let (manifest, _) = kinora_train::video::common::read_weights(model)?;
    let (dit, audio_config) = load_audio(weights)?;
    let mut config: VideoModelConfig = serde_json::from_value(manifest.config)?;
    config.audio = Some(audio_config);
    let params: usize = collect_tensors(&dit, "audio")
        .iter()
        .map(|t| t.1.values.len())
        .sum();
    // The video weights must come back exactly as they were (an audio model exported
    // before is replaced).
    let (precision, bytes) = kinora_train::video::common::replace_in_manifest(
        model,
        "audio",
        &dit,
        serde_json::to_value(&config)?,
    )?;
    println!(
        "{precision:?}: audio model ({params} parameters) added; {bytes} bytes → {}",
        model.display()
    );
    Ok(())
}
