//! `train-audio`: the audio model — codec ceiling, training, evaluation by the world's
//! judge, export into the video model's manifest. Run folder default `/work/kinora-audio`.
//!
//! ```text
//! train-audio ceiling [--n 100]          the codec alone: world audio → log-magnitudes →
//!                                        Griffin–Lim → judge (and the world's own audio)
//! train-audio train   [--clips 4000] [--minutes 60] [--total-steps 6000] [--batch 16]
//!                     [--lr 1e-3] [--width 128] [--depth 6]
//! train-audio eval    [--n 200] [--steps 16] [--guidance 2] [--weights DIR]
//!                                        held-out scenes: sound for the world's own picture
//! train-audio export  [--model public/models/kinora-video] [--weights DIR]
//!                                        add the audio model to the video manifest
//! ```

use anyhow::{Context, Result, bail};
use burn::prelude::*;
use kinora_engine::models::audio::{
    AudioDit, AudioDitConfig, AudioModelConfig, AudioSettings, TextPart, sample_log_magnitudes,
    waveform,
};
use kinora_engine::models::pipeline::{VideoModel, VideoModelConfig};
use kinora_engine::models::spectrum::{HOP, Stft};
use kinora_engine::models::text::WordLookup;
use kinora_engine::models::weights::{Dtype, HostTensor, Precision, collect_tensors, pack, unpack};
use kinora_media::import::write_wav;
use kinora_safety::classifier::PromptClassifier;
use kinora_train::args::Args;
use kinora_train::audio::data::{
    FPS, SAMPLE_RATE, render_config, scene_of, sound_labels, sound_schema,
};
use kinora_train::audio::judge::AudioTable;
use kinora_train::audio::train::{TrainSettings, train};
use kinora_train::video::common::{load_checkpoint, load_model, write_weights};
use kinora_train::video::schema::{decoder_features, scene_labels};
use kinora_train::video::trajectory::world_trajectory;
use kinora_world::clip::make_clip;
use kinora_world::rng::mix;
use kinora_world::sample::Split;
use kinora_world::text::describe;
use std::path::Path;

fn main() -> Result<()> {
    let args = Args::parse("usage: train-audio <ceiling|train|eval|export> [--flag value]…")?;
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
            };
            train(&run, &video, &words, &settings)
        }
        "eval" => {
            let video = load_model(&video_dir)?;
            let weights = args.path("weights", &run.join("audio-ema"));
            let (dit, config) = load_audio(&weights)?;
            let settings = AudioSettings {
                steps: args.get("steps", 16)?,
                guidance: args.get("guidance", 2.0)?,
                seed: 0,
                phase_iterations: args.get("phase-iterations", 32)?,
            };
            eval(
                &video,
                &words,
                &dit,
                &config,
                args.get("n", 200)?,
                &settings,
            )
        }
        "export" => export(&video_dir, &args.path("weights", &run.join("audio-ema"))),
        other => bail!("unknown command {other:?}"),
    }
}

/// Loads the audio model from a training checkpoint (EMA weights + statistics).
fn load_audio(dir: &Path) -> Result<(AudioDit, AudioModelConfig)> {
    let (manifest, _) = kinora_train::video::common::read_weights(dir)?;
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

/// The text halves of the condition for a prompt and for the unconditional branch.
fn text_parts(video: &VideoModel, words: &dyn WordLookup, prompt: &str) -> (TextPart, TextPart) {
    let (enc, _) = video.encode_text(&[prompt], words);
    let null = video.null_condition(1);
    (
        TextPart {
            tokens: enc.tokens,
            bias: enc.bias,
            pooled: enc.pooled,
        },
        TextPart {
            tokens: null.tokens,
            bias: null.bias,
            pooled: null.pooled,
        },
    )
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
        let scene = scene_of(seed, Split::HeldOut);
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
) -> Result<()> {
    let cfg = render_config(2.0);
    let mut table = AudioTable::default();
    let mut lufs = Vec::new();
    let mut labels_right = [0usize; 2];
    let start = std::time::Instant::now();
    for i in 0..n as u64 {
        let seed = mix(0xE7A1_0000 + i);
        let scene = scene_of(seed, Split::HeldOut);
        let clip = make_clip(&scene, seed, &cfg);
        let prompt = describe(&scene, seed);
        let plan = world_trajectory(&scene, seed, cfg.frames(), FPS);
        let objects = decoder_features(&scene_labels(&scene));
        let (text, null) = text_parts(video, words, &prompt);
        let logits = kinora_engine::models::pipeline::to_vec(
            dit.read_labels(text.tokens.clone(), text.bias.clone()),
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
        let frames = clip.audio.len() / HOP;
        let s = AudioSettings { seed, ..*settings };
        let mags = sample_log_magnitudes(
            dit,
            config,
            &text,
            &null,
            &plan,
            &objects,
            FPS,
            frames,
            &s,
            |_, _| true,
        )
        .context("sampling was cancelled")?;
        if std::env::var_os("KINORA_AUDIO_DEBUG").is_some() && i < 3 {
            let truth = Stft::new().log_magnitudes(&clip.audio, frames);
            let bins = kinora_engine::models::spectrum::BINS;
            let row_mean =
                |m: &[f32], j: usize| m[j * bins..(j + 1) * bins].iter().sum::<f32>() / bins as f32;
            let band = |m: &[f32], lo: usize, hi: usize| {
                (0..frames)
                    .map(|j| m[j * bins + lo..j * bins + hi].iter().sum::<f32>() / (hi - lo) as f32)
                    .sum::<f32>()
                    / frames as f32
            };
            println!("clip {i}: {prompt}");
            println!(
                "  frame means truth: {:?}",
                (0..frames)
                    .step_by(10)
                    .map(|j| (row_mean(&truth, j) * 10.0).round() / 10.0)
                    .collect::<Vec<_>>()
            );
            println!(
                "  frame means model: {:?}",
                (0..frames)
                    .step_by(10)
                    .map(|j| (row_mean(&mags, j) * 10.0).round() / 10.0)
                    .collect::<Vec<_>>()
            );
            for (lo, hi) in [(0, 16), (16, 64), (64, 128), (128, 256), (256, 513)] {
                println!(
                    "  band {lo}-{hi}: truth {:.2} model {:.2}",
                    band(&truth, lo, hi),
                    band(&mags, lo, hi)
                );
            }
        }
        let (audio, loud) = waveform(&mags, clip.audio.len(), &s, SAMPLE_RATE);
        lufs.push(loud);
        table.add(&scene, &clip.frames, cfg.fps, &audio, cfg.sample_rate);
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

/// Writes a WAV file.
fn save_wav(path: &Path, audio: &[f32], rate: u32) -> Result<()> {
    std::fs::write(path, write_wav(audio, rate)?)
        .with_context(|| format!("writing {}", path.display()))
}

/// Adds the audio model (from its EMA checkpoint) to the video model's manifest in
/// `model`, at the precision the video weights are stored in: the video tensors are
/// re-packed from their stored values (int8 blocks re-quantize to the same numbers).
fn export(model: &Path, weights: &Path) -> Result<()> {
    let (manifest, tensors) = kinora_train::video::common::read_weights(model)?;
    let precision = if manifest.tensors.iter().any(|t| t.dtype == Dtype::Q4) {
        Precision::Int4
    } else if manifest.tensors.iter().any(|t| t.dtype == Dtype::Q8) {
        Precision::Int8
    } else {
        Precision::F32
    };
    let (dit, audio_config) = load_audio(weights)?;
    let mut config: VideoModelConfig = serde_json::from_value(manifest.config.clone())?;
    config.audio = Some(audio_config);
    let mut all: Vec<(String, HostTensor)> = manifest
        .tensors
        .iter()
        .filter(|t| !t.name.starts_with("audio."))
        .filter_map(|t| tensors.get(&t.name).map(|h| (t.name.clone(), h.clone())))
        .collect();
    let audio = collect_tensors(&dit, "audio");
    let params: usize = audio.iter().map(|t| t.1.values.len()).sum();
    all.extend(audio);
    let (shards, packed) = pack(
        &all,
        precision,
        &manifest.model,
        serde_json::to_value(&config)?,
    );
    // The video weights must come back exactly as they were.
    let back = unpack(&packed, |f| {
        let i = packed.shards.iter().position(|s| s.file == f).unwrap_or(0);
        Ok(shards[i].clone())
    })?;
    for (name, t) in &tensors {
        let worst = back[name]
            .values
            .iter()
            .zip(&t.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        anyhow::ensure!(worst < 1e-6, "{name} changed by {worst} when re-packed");
    }
    write_weights(&shards, &packed, model)?;
    let bytes: usize = shards.iter().map(Vec::len).sum();
    println!(
        "{precision:?}: audio model ({params} parameters) added; {bytes} bytes in {} shard(s) → {}",
        shards.len(),
        model.display()
    );
    Ok(())
}
