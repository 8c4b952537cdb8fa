//! `train-video`: the text → video model's stages, each resumable and writing under one
//! run folder (default `/work/kinora-run`, outside git).
//!
//! ```text
//! train-video data   [--n 5000] [--n128 800] [--plates true]
//!                                                  render and cache world clips (plates: no objects)
//! train-video text   [--steps 600]                 text encoder (text only)
//! train-video vae    [--steps 600] [--decoder-only true] [--layout true|objects]
//!                    [--object-weight 8] [--colour-weight 0] [--edge-weight 0]
//!                                                  video VAE (+ PSNR on held-out clips)
//! train-video dit    [--total-steps 20000] [--minutes 60] [--batch 32] [--lr 1e-3]
//!                    [--warm-start DIR] [--layout true [--planner-minutes 8]]
//!                    (--layout: the trajectory planner first, then a layout-conditioned DiT)
//! train-video sprites [--clips 1500] [--steps 3000] [--batch 64] [--lr 2e-3]
//!                     [--warm-start MODEL-DIR]   (its object layer, a mouth input added)
//!                                                  the object layer (world objects alone)
//! train-video planner [--dir /work/kinora-plan] [--n 6000] [--steps 4000] [--minutes 45]
//!                    [--batch 32] [--lr 5e-4] [--out planner-long] [--warm-start DIR]
//!                    [--short-every 0]            the planner again on 2–10 s paths
//!                    (--short-every k: a 2 s batch after every k longer ones)
//! train-video planner-export [--planner DIR] [--model public/models/kinora-video]
//!                                                  swap it into the shipped manifest
//! train-video sprites-export [--sprites DIR] [--model public/models/kinora-video]
//!                                                  swap the object layer into it
//! train-video text-tune [--model public/models/kinora-video] [--steps 1500] [--batch 128]
//!                    [--rephrased 0.7] [--pooled-weight 0] [--tokens-weight 0]
//!                    [--written a.tsv,b.tsv] [--written-share 0.4]  (prompts written without the grammar)
//!                                                  the shipped encoder taught other wordings
//! train-video read-eval --free-text TSV[,TSV] [--model public/models/kinora-video]
//!                                                  how often the text encoder reads each label
//! train-video text-export [--text RUN/text-tuned] [--model public/models/kinora-video]
//!                    [--as reader|text]            as the attribute reader (default), or in
//!                                                  place of the text encoder; lexicon widened
//! train-video export [--out public/models/kinora-video]
//! train-video requantize [--model DIR] [--out DIR] [--precision int4|int8|f32]
//!                        [--keep-int8 planner,audio]  (those modules stay int8)
//!                                                  the model at another precision
//! train-video eval   [--model DIR] [--n 200] [--steps 16] [--guidance 2] [--guide-layout true]
//!                    [--plan-guidance 2] [--free-text TSV] [--seed 9000] [--clip-seconds 2]
//!                    [--verbose true]              (one line per clip on stderr)
//! train-video remix-eval | extend-eval | plan-eval   (same flags; remixes, seams, plans)
//! train-video sheets [--out docs/video]             12 held-out contact sheets
//! train-video plot   [--out docs/video]             loss curves as PNG
//! ```

use anyhow::{Context, Result, bail};
use burn::prelude::*;
use kinora_engine::models::dit::VideoDitConfig;
use kinora_engine::models::layout::{PLAN_CHANNELS, SLOTS, object_maps_tensor};
use kinora_engine::models::pipeline::{
    FRAMES_PER_LATENT, GenerateSettings, TRAINED_SECONDS, VideoModel, VideoModelConfig,
    contact_sheet, video_frames,
};
use kinora_engine::models::sampler::SamplerSettings;
use kinora_engine::models::text::{TextEncoderConfig, Tokenizer};
use kinora_engine::models::vae::{VideoVae, VideoVaeConfig};
use kinora_engine::models::weights::{Precision, collect_tensors, pack};
use kinora_safety::classifier::PromptClassifier;
use kinora_train::args::Args;
use kinora_train::video::common::{host, load_checkpoint, write_weights};
use kinora_train::video::data::{self, BASE, ClipMeta, FRAMES, HIGH, clip_bytes, render_clip};
use kinora_train::video::eval::{JudgeTable, judge_frames};
use kinora_train::video::schema::{
    DECODER_ATTRIBUTES, camera_groups, decoder_features, decoder_features_per_slot, schema,
};
use kinora_train::video::trajectory::world_trajectory;
use kinora_train::video::vae_train::video_tensor;
use kinora_train::video::{dit_train, edit_eval, sprite_train, text_train, vae_train};
use kinora_world::rng::mix;
use kinora_world::sample::Split;
use std::path::Path;

fn main() -> Result<()> {
    let args = Args::parse("usage: train-video <data|text|vae|dit|export|eval> [--flag value]…")?;
    let run = args.path("dir", Path::new("/work/kinora-run"));
    std::fs::create_dir_all(&run)?;
    let words = PromptClassifier::builtin_word_vectors().context("decoding the word vectors")?;
    let sampling = Sampling::from_args(&args)?;
    match args.command.as_str() {
        "data" => data::build(
            &run.join("data"),
            args.get("n", 5000)?,
            args.get("n128", 800)?,
            args.get("seed", 1u64)?,
            2,
            args.get("plates", false)?,
        ),
        "text" => {
            let lexicon = text_train::build_lexicon(3);
            let tokenizer = Tokenizer {
                lexicon,
                max_words: 32,
            };
            let groups: Vec<usize> = schema().iter().map(|g| g.labels.len()).collect();
            let config = TextEncoderConfig::new(groups);
            let steps = args.get("steps", 600)?;
            let model = text_train::train(
                &run.join("text"),
                &config,
                &tokenizer,
                &words,
                steps,
                args.get("batch", 128)?,
            )?;
            let device = Device::flex().autodiff();
            for aug in [false, true] {
                let acc = text_train::accuracy(&model, &tokenizer, &words, 1000, aug, &device);
                let names: Vec<String> = schema()
                    .iter()
                    .zip(&acc)
                    .map(|(g, a)| format!("{} {:.1}%", g.name, 100.0 * a))
                    .collect();
                println!(
                    "held-out prompts{}: {}",
                    if aug { " (augmented)" } else { "" },
                    names.join(", ")
                );
            }
            std::fs::write(
                run.join("text-config.json"),
                serde_json::to_string(&(config, tokenizer))?,
            )?;
            Ok(())
        }
        "text-tune" => text_tune(&args, &words, &run),
        "read-eval" => read_eval(&args, &words),
        "text-export" => export_text(
            &args.path("model", Path::new("public/models/kinora-video")),
            &args.path("text", &run.join("text-tuned")),
            &args.get("as", "reader".to_string())?,
        ),
        "vae" => {
            let set = data::load(&run.join("data"))?;
            if let Some(layout) = args.flags.get("layout") {
                // The decoder's layout input is a property of the run from now on.
                // "true": where each object is; "objects": where, and its colour and kind.
                let slots = (layout != "false").then_some(SLOTS);
                let features = (layout == "objects").then(decoder_features_per_slot);
                let config = VideoVaeConfig::new()
                    .with_layout_slots(slots)
                    .with_layout_features(features);
                std::fs::write(run.join("vae-config.json"), serde_json::to_string(&config)?)?;
            }
            let config = vae_config(&run)?;
            vae_train::train(
                &run.join("vae"),
                &config,
                &set,
                vae_train::VaeRun {
                    steps: args.get("steps", 600)?,
                    batch: args.get("batch", 8)?,
                    peak_lr: args.get("lr", 2e-3)?,
                    decoder_only: args.get("decoder-only", false)?,
                    object_weight: args.get("object-weight", vae_train::OBJECT_WEIGHT)?,
                    colour_weight: args.get("colour-weight", 0.0f32)?,
                    edge_weight: args.get("edge-weight", 0.0f32)?,
                },
            )?;
            psnr(&run)
        }
        "psnr" => psnr(&run),
        "sprites" => {
            let (held, train) = sprite_train::train(
                &run.join("sprites"),
                &sprite_train::sprite_config(),
                args.get("clips", 1500)?,
                args.get("steps", 3000)?,
                args.get("batch", 64)?,
                args.get("lr", 2e-3)?,
                args.flags.get("warm-start").map(Path::new),
            )?;
            println!("sprites: composite L1 {train:.4} (last batch), {held:.4} on unseen clips");
            Ok(())
        }
        "dit" => {
            let set = data::load(&run.join("data"))?;
            let device = Device::flex();
            let layout = args.get("layout", false)?;
            let config = assemble(&run, None, layout)?;
            let mut model = VideoModel::new(config.clone(), &device);
            model.text = load_checkpoint(model.text, "text", &run.join("text"))?.0;
            model.vae = load_checkpoint(model.vae, "vae", &run.join("vae"))?.0;
            let mut prep = dit_train::prepare(&model, &set, &words, camera_groups())?;
            std::fs::write(
                run.join("latent-stats.json"),
                serde_json::to_string(&prep.stats)?,
            )?;
            let sizes = (
                config.labels("camera").len(),
                config.labels("camera_speed").len(),
            );
            if let Some(planner) = &config.planner {
                let trajectories: Vec<_> = set
                    .meta
                    .iter()
                    .map(|m| world_trajectory(&m.scene, m.seed, FRAMES, 12))
                    .collect();
                prep.add_layouts(&trajectories);
                let minutes = args.get("planner-minutes", 8.0)?;
                if minutes > 0.0 {
                    let plans = prep.planner_set(&trajectories);
                    let opts = dit_train::DitRun {
                        out: &run.join("planner"),
                        total_steps: args.get("planner-steps", 3000)?,
                        minutes,
                        batch: 64,
                        lr: 1e-3,
                        warm_start: None,
                    };
                    dit_train::train(&opts, planner, &plans, sizes)?;
                }
            }
            drop(set);
            let opts = dit_train::DitRun {
                out: &run.join("dit"),
                total_steps: args.get("total-steps", 20_000)?,
                minutes: args.get("minutes", 60.0)?,
                batch: args.get("batch", 32)?,
                lr: args.get("lr", 1e-3)?,
                warm_start: args.flags.get("warm-start").map(Path::new),
            };
            dit_train::train(&opts, &config.dit, &prep, sizes)?;
            Ok(())
        }
        "planner" => train_long_planner(&args, &words),
        "requantize" => requantize(
            &args.path("model", Path::new("public/models/kinora-video")),
            &args.path("out", &run.join("requantized")),
            &args.get("precision", "int4".to_string())?,
            &args.get("keep-int8", String::new())?,
        ),
        "sprites-export" => export_sprites(
            &args.path("model", Path::new("public/models/kinora-video")),
            &args.path("sprites", &run.join("sprites")),
        ),
        "planner-export" => export_planner(
            &args.path("model", Path::new("public/models/kinora-video")),
            &args.path("planner", &run.join("planner-long-ema")),
        ),
        "export" => {
            let out = args.path("out", Path::new("public/models/kinora-video"));
            export(&run, &out, Precision::Int8)?;
            export(&run, &run.join("export-int4"), Precision::Int4)?;
            export(&run, &run.join("export-f32"), Precision::F32)
        }
        "eval" => {
            let dir = args.path("model", Path::new("public/models/kinora-video"));
            match args.flags.get("free-text") {
                Some(file) => eval_free_text(
                    &dir,
                    &words,
                    Path::new(file),
                    &sampling,
                    args.get("verbose", false)?,
                ),
                None => eval(
                    &dir,
                    &run.join("eval.json"),
                    &words,
                    args.get("n", 200)?,
                    &sampling,
                    args.get("seed", 9000u64)?,
                    args.get("verbose", false)?,
                ),
            }
        }
        "sheets" => {
            let dir = args.path("model", Path::new("public/models/kinora-video"));
            sheets(
                &dir,
                &words,
                &args.path("out", Path::new("docs/video")),
                &sampling,
            )
        }
        "recon" => {
            let device = Device::flex();
            let (config, vae) = load_vae(&run, &device)?;
            let out = args.path("out", Path::new("docs/video"));
            std::fs::create_dir_all(&out)?;
            let seed = mix(0x5EED_0000 ^ args.get("clip", 0u64)?);
            let (meta, f64, _, _) = render_clip(seed, Split::HeldOut, false);
            let (mean, _) = vae
                .encoder
                .forward(video_tensor(&[&f64], FRAMES, BASE, &device));
            let maps = world_layout(&config, &meta.scene, seed, &device);
            let (_, high) = vae.decoder.forward(mean, maps);
            let frames = video_frames(high);
            write_png(
                &out.join("vae-reconstruction.png"),
                &contact_sheet(&frames, HIGH, HIGH),
                4 * HIGH,
                3 * HIGH,
            )?;
            println!(
                "{}: {}",
                out.join("vae-reconstruction.png").display(),
                meta.prompt
            );
            Ok(())
        }
        "remix-eval" | "extend-eval" | "plan-eval" => {
            let dir = args.path("model", Path::new("public/models/kinora-video"));
            let model = load(&dir)?;
            let settings = |s: u64| sampling.clip(s);
            let seed = args.get("seed", 9000u64)?;
            match args.command.as_str() {
                "remix-eval" => edit_eval::remix_eval(
                    &model,
                    &words,
                    args.get("n", 100)?,
                    seed,
                    args.get("strength", 0.7)?,
                    &settings,
                )?
                .print(),
                "extend-eval" => edit_eval::extend_eval(
                    &model,
                    &words,
                    args.get("n", 10)?,
                    seed,
                    args.get("seconds", 30.0)?,
                    &settings,
                )?
                .print(),
                _ => edit_eval::plan_eval(&model, &words, args.get("n", 200)?, seed, &settings)?
                    .print(),
            }
            Ok(())
        }
        "ceiling" => ceiling(&run, args.get("n", 100)?, args.get("seed", 9000u64)?),
        "bench" => bench(args.get("batch", 8)?),
        "plot" => {
            let out = args.path("out", Path::new("docs/video"));
            std::fs::create_dir_all(&out)?;
            for stage in ["text", "vae", "planner", "dit", "sprites"] {
                let csv = run.join(format!("{stage}.csv"));
                if csv.exists() {
                    kinora_train::video::plot::plot_loss(
                        &csv,
                        &out.join(format!("loss-{stage}.png")),
                    )?;
                }
            }
            Ok(())
        }
        other => bail!("unknown command {other:?}"),
    }
}

/// The full model configuration from what the stages wrote so far; `layout` adds the
/// trajectory planner and the DiT's layout input.
fn assemble(
    run: &Path,
    stats: Option<(Vec<f32>, Vec<f32>)>,
    layout: bool,
) -> Result<VideoModelConfig> {
    let (text, tokenizer): (TextEncoderConfig, Tokenizer) = serde_json::from_str(
        &std::fs::read_to_string(run.join("text-config.json"))
            .context("run `train-video text` first")?,
    )?;
    let schema = schema();
    let attribute_dims = schema.iter().map(|g| g.labels.len()).sum();
    let vae = vae_config(run)?;
    let c = vae.latent_channels;
    let (mean, std) = stats.unwrap_or_else(|| (vec![0.0; c], vec![1.0; c]));
    let layout_channels = layout.then_some(SLOTS * FRAMES_PER_LATENT);
    let decoder_attributes = if vae.layout_features() > 0 {
        DECODER_ATTRIBUTES.map(str::to_string).to_vec()
    } else {
        Vec::new()
    };
    let sprites = run
        .join("sprites")
        .join("manifest.json")
        .exists()
        .then(sprite_train::sprite_config);
    Ok(VideoModelConfig {
        sprites,
        decoder_attributes,
        dit: VideoDitConfig::new(attribute_dims)
            .with_latent_channels(c)
            .with_layout_channels(layout_channels),
        planner: layout.then(|| planner_config(attribute_dims)),
        vae,
        text,
        tokenizer,
        schema,
        latent_mean: mean,
        latent_std: std,
        fps: 12,
        plan_seconds: TRAINED_SECONDS,
        base_size: BASE,
        // The audio model joins the manifest afterwards (`train-audio export`), and the
        // attribute reader (`train-video text-export`).
        audio: None,
        reader: None,
    })
}

/// Clip lengths the long planner learns paths for, s.
const PLAN_SECONDS: [f32; 7] = [2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0];

/// The planner again, on the world's paths of 2–10 s (the world spreads a motion over the
/// whole clip, whatever its length), warm-started from the shipped planner and conditioned
/// by the shipped text encoder: the shipped one learned 2 s paths only. Writes
/// `planner-long` (and `-ema`) in `--dir`.
fn train_long_planner(
    args: &Args,
    words: &dyn kinora_engine::models::text::WordLookup,
) -> Result<()> {
    let run = args.path("dir", Path::new("/work/kinora-plan"));
    std::fs::create_dir_all(&run)?;
    let shipped = args.path("model", Path::new("public/models/kinora-video"));
    let mut model = load(&shipped)?;
    let planner = model
        .planner
        .take()
        .context("the shipped model has no planner")?;
    let shipped_planner = run.join("planner-shipped");
    if !shipped_planner.join("manifest.json").exists() {
        kinora_train::video::common::save_checkpoint(
            &planner,
            "dit",
            &shipped_planner,
            serde_json::json!({}),
        )?;
    }
    let warm = args.path("warm-start", &shipped_planner);
    let n: usize = args.get("n", 6000)?;
    let seed: u64 = args.get("seed", 1)?;
    let meta: Vec<ClipMeta> = (0..n)
        .map(|i| {
            let s = data::train_seed(seed, i);
            let scene = kinora_world::sample::sample_scene(s, Split::Train);
            ClipMeta {
                seed: s,
                prompt: kinora_world::text::describe(&scene, s),
                labels: kinora_train::video::schema::scene_labels(&scene),
                scene,
            }
        })
        .collect();
    let text = dit_train::text_conditions(&model, &meta, words, camera_groups());
    let sets: Vec<_> = PLAN_SECONDS
        .iter()
        .map(|&seconds| {
            let frames = (seconds * 12.0).round() as usize;
            let paths: Vec<_> = meta
                .iter()
                .map(|m| world_trajectory(&m.scene, m.seed, frames, 12))
                .collect();
            text.planner_set(&paths)
        })
        .collect();
    drop(text);
    let config = model.config.clone();
    let planner_config = config
        .planner
        .clone()
        .context("the shipped model has no planner")?;
    let sizes = (
        config.labels("camera").len(),
        config.labels("camera_speed").len(),
    );
    // The 2 s paths are what every clip's first window draws, so they can be weighted up:
    // `--short-every k` puts a 2 s batch after every k longer ones (0: plain rotation).
    let short_every: usize = args.get("short-every", 0)?;
    let schedule: Vec<&_> = if short_every == 0 {
        sets.iter().collect()
    } else {
        sets[1..]
            .chunks(short_every)
            .flat_map(|longer| std::iter::once(&sets[0]).chain(longer))
            .collect()
    };
    let out = run.join(args.get("out", "planner-long".to_string())?);
    let opts = dit_train::DitRun {
        out: &out,
        total_steps: args.get("steps", 4000)?,
        minutes: args.get("minutes", 45.0)?,
        batch: args.get("batch", 32)?,
        lr: args.get("lr", 5e-4)?,
        warm_start: Some(&warm),
    };
    dit_train::train_on_sets(&opts, &planner_config, &schedule, sizes)?;
    Ok(())
}

/// The shipped model's config, as its manifest states it.
fn read_config(dir: &Path) -> Result<serde_json::Value> {
    Ok(kinora_train::video::common::read_weights(dir)?.0.config)
}

/// Replaces the planner in the shipped manifest with the checkpoint in `planner`; every
/// other tensor comes back bit for bit (checked), at the manifest's own precision.
fn export_planner(model: &Path, planner_dir: &Path) -> Result<()> {
    let mut config = read_config(model)?;
    let parsed: VideoModelConfig = serde_json::from_value(config.clone())?;
    let planner_config = parsed.planner.context("the shipped model has no planner")?;
    let planner = load_checkpoint(planner_config.init(&Device::flex()), "dit", planner_dir)?.0;
    config["plan_seconds"] = serde_json::json!(PLAN_SECONDS[PLAN_SECONDS.len() - 1]);
    let (precision, _) =
        kinora_train::video::common::replace_in_manifest(model, "planner", &planner, config)?;
    println!(
        "{precision:?}: planner replaced from {} → {}",
        planner_dir.display(),
        model.display()
    );
    Ok(())
}

/// The tokenizer of the shipped model, its lexicon widened with the rephrasing's words
/// (typo repair mends towards them too).
fn widened_tokenizer(model: &Path) -> Result<Tokenizer> {
    let config = read_config(model)?;
    let mut tokenizer: Tokenizer = serde_json::from_value(config["tokenizer"].clone())?;
    tokenizer
        .lexicon
        .extend(kinora_train::video::augment::rephrase_vocabulary());
    tokenizer.lexicon.sort();
    tokenizer.lexicon.dedup();
    Ok(tokenizer)
}

/// `text-tune`: the shipped encoder taught wordings the grammar never uses, then its
/// accuracy on held-out prompts (the grammar's, augmented, and rephrased) before and after.
fn text_tune(
    args: &kinora_train::args::Args,
    words: &dyn kinora_engine::models::text::WordLookup,
    run: &Path,
) -> Result<()> {
    let model = args.path("model", Path::new("public/models/kinora-video"));
    let config: TextEncoderConfig = serde_json::from_value(read_config(&model)?["text"].clone())?;
    let tokenizer = widened_tokenizer(&model)?;
    let out = run.join("text-tuned");
    let settings = text_train::TuneSettings {
        rephrased: args.get("rephrased", 0.7)?,
        pooled: args.get("pooled-weight", 0.0)?,
        tokens: args.get("tokens-weight", 0.0)?,
        written: args.get("written-share", 0.4)?,
        steps: args.get("steps", 1500)?,
        batch: args.get("batch", 128)?,
    };
    // Prompts written without the grammar for the reader to learn from (`--written a.tsv,b.tsv`); every
    // tenth is held out to check it on.
    let files: Vec<&str> = args
        .flags
        .get("written")
        .map_or(Vec::new(), |f| f.split(',').collect());
    let paths: Vec<&Path> = files.iter().map(Path::new).collect();
    let (held, written) = text_train::WrittenPrompts::read_all(&paths)?.split(10, 0);
    println!(
        "written prompts: {} to learn from, {} held out",
        written.pairs.len(),
        held.pairs.len()
    );
    let device = Device::flex().autodiff();
    let report = |label: &str, encoder: &kinora_engine::models::text::TextEncoder| {
        let mut rows = Vec::new();
        for (name, acc) in [
            (
                "grammar",
                text_train::accuracy(encoder, &tokenizer, words, 1000, false, &device),
            ),
            (
                "augmented",
                text_train::accuracy(encoder, &tokenizer, words, 1000, true, &device),
            ),
            (
                "rephrased",
                text_train::rephrased_accuracy(encoder, &tokenizer, words, 1000, &device),
            ),
            (
                "written (held out)",
                text_train::written_accuracy(encoder, &tokenizer, words, &held, &device),
            ),
        ] {
            rows.push(format!(
                "{label}, {name} held-out prompts: {}",
                reading_cells(&acc)
            ));
        }
        rows.join("\n")
    };
    let mut rng = kinora_world::rng::Rng::new(3);
    for i in 0..8u64 {
        let scene = kinora_world::sample::sample_scene(i, kinora_world::sample::Split::Train);
        let grammar = kinora_world::text::describe(&scene, i);
        let other = kinora_train::video::augment::rephrase(&scene, &grammar, &mut rng);
        println!("{grammar}\n  → {other}");
    }
    let before = load_checkpoint(config.init(&device), "text", &model)?.0;
    println!("{}", report("text encoder (warm start)", &before));
    let tuned = text_train::tune(&out, &config, &model, &tokenizer, words, &written, settings)?;
    println!("{}", report("tuned", &tuned));
    Ok(())
}

/// The reading accuracies the prompt's first object and camera depend on, by group name
/// (`acc` in schema order).
fn reading_cells(acc: &[f32]) -> String {
    const SHOWN: [&str; 5] = [
        "object1_colour",
        "object1_kind",
        "object1_motion",
        "camera",
        "camera_speed",
    ];
    let cells: Vec<String> = schema()
        .iter()
        .zip(acc)
        .filter(|(g, _)| SHOWN.contains(&g.name.as_str()))
        .map(|(g, a)| format!("{} {:.1}%", g.name, 100.0 * a))
        .collect();
    cells.join(", ")
}

/// `read-eval`: how often a manifest's text encoder reads each label of prompts people
/// wrote (`--free-text a.tsv,b.tsv`) — the reading alone, no clip made.
fn read_eval(
    args: &kinora_train::args::Args,
    words: &dyn kinora_engine::models::text::WordLookup,
) -> Result<()> {
    let model = args.path("model", Path::new("public/models/kinora-video"));
    let config = read_config(&model)?;
    let text_config: TextEncoderConfig = serde_json::from_value(config["text"].clone())?;
    let tokenizer: Tokenizer = serde_json::from_value(config["tokenizer"].clone())?;
    let device = Device::flex();
    // The attribute reader when the model has one: it is what names the attributes.
    let role = if config["reader"].is_null() {
        "text"
    } else {
        "reader"
    };
    let encoder = load_checkpoint(text_config.init(&device), role, &model)?.0;
    println!("reading with the manifest's {role} encoder");
    let files = args
        .flags
        .get("free-text")
        .context("--free-text TSV[,TSV] is required")?;
    for file in files.split(',') {
        let prompts = text_train::WrittenPrompts::read(Path::new(file))?;
        let acc = text_train::written_accuracy(&encoder, &tokenizer, words, &prompts, &device);
        println!(
            "{file} ({} prompts): {}",
            prompts.pairs.len(),
            reading_cells(&acc)
        );
    }
    Ok(())
}

/// Puts a tuned text encoder into the shipped manifest as its attribute reader
/// (`reader.*`, [`VideoModelConfig::reader`]) with the widened lexicon, or (`--as text`)
/// in place of the text encoder itself.
fn export_text(model: &Path, text_dir: &Path, role: &str) -> Result<()> {
    anyhow::ensure!(
        role == "reader" || role == "text",
        "--as must be reader or text, not {role:?}"
    );
    let mut config = read_config(model)?;
    let text_config: TextEncoderConfig = serde_json::from_value(config["text"].clone())?;
    let text = load_checkpoint(text_config.init(&Device::flex()), "text", text_dir)?.0;
    config["tokenizer"] = serde_json::to_value(widened_tokenizer(model)?)?;
    if role == "reader" {
        config["reader"] = serde_json::to_value(&text_config)?;
    }
    let (precision, bytes) =
        kinora_train::video::common::replace_in_manifest(model, role, &text, config)?;
    println!(
        "{precision:?}: {role} from {} → {} ({bytes} bytes)",
        text_dir.display(),
        model.display()
    );
    Ok(())
}

/// Writes the model in `model` at another precision into `out` (every tensor as the
/// manifest stores it, re-quantized), so the same prompts can be judged at f32, int8 and
/// int4. From the shipped int8 manifest, int4 is quantized from int8 values: their error
/// (≤ 1/254 of a block's largest weight) is about 1/18 of int4's own (≤ 1/14).
///
/// `keep_int8`: comma-separated module prefixes (e.g. `planner,audio`) stored at int8
/// whatever `precision` says — a mixed manifest.
fn requantize(model: &Path, out: &Path, precision: &str, keep_int8: &str) -> Result<()> {
    let precision = match precision {
        "int4" => Precision::Int4,
        "int8" => Precision::Int8,
        "f32" => Precision::F32,
        other => bail!("--precision must be int4, int8 or f32, not {other:?}"),
    };
    let (manifest, tensors) = kinora_train::video::common::read_weights(model)?;
    let all = kinora_train::video::common::in_manifest_order(&manifest, &tensors);
    let kept: Vec<String> = keep_int8
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|p| format!("{p}."))
        .collect();
    let precision_of = |name: &str| {
        if kept.iter().any(|p| name.starts_with(p.as_str())) {
            Precision::Int8
        } else {
            precision
        }
    };
    let (shards, packed) = kinora_engine::models::weights::pack_mixed(
        &all,
        precision_of,
        &manifest.model,
        manifest.config.clone(),
    );
    write_weights(&shards, &packed, out)?;
    println!(
        "{precision:?}: {} bytes in {} shard(s) → {}",
        shards.iter().map(Vec::len).sum::<usize>(),
        shards.len(),
        out.display()
    );
    Ok(())
}

/// Swaps a trained object layer (`train-video sprites`, this schema's configuration)
/// into the shipped manifest, with its configuration (a decoder with a mouth input
/// replaces one without).
fn export_sprites(model: &Path, sprites_dir: &Path) -> Result<()> {
    let mut config = read_config(model)?;
    let sprite_config = sprite_train::sprite_config();
    let sprites = load_checkpoint(sprite_config.init(&Device::flex()), "sprites", sprites_dir)?.0;
    config["sprites"] = serde_json::to_value(&sprite_config)?;
    let (precision, _) =
        kinora_train::video::common::replace_in_manifest(model, "sprites", &sprites, config)?;
    println!(
        "{precision:?}: object layer replaced from {} → {}",
        sprites_dir.display(),
        model.display()
    );
    Ok(())
}

/// The trajectory planner: the DiT definition over one token per frame (1×1 "latents" of
/// `PLAN_CHANNELS` channels), narrow and shallow — trajectories are simple.
fn planner_config(attribute_dims: usize) -> VideoDitConfig {
    VideoDitConfig::new(attribute_dims)
        .with_latent_channels(PLAN_CHANNELS)
        .with_patch(1)
        .with_d_model(96)
        .with_depth(4)
        .with_max_frames(128)
        .with_max_side(1)
}

fn export(run: &Path, out: &Path, precision: Precision) -> Result<()> {
    let stats: (Vec<f32>, Vec<f32>) =
        serde_json::from_str(&std::fs::read_to_string(run.join("latent-stats.json"))?)?;
    let layout = run.join("planner-ema").join("manifest.json").exists();
    let config = assemble(run, Some(stats), layout)?;
    let device = Device::flex();
    let mut model = VideoModel::new(config.clone(), &device);
    model.text = load_checkpoint(model.text, "text", &run.join("text"))?.0;
    model.vae = load_checkpoint(model.vae, "vae", &run.join("vae"))?.0;
    model.dit = load_checkpoint(model.dit, "dit", &run.join("dit-ema"))?.0;
    let mut tensors = collect_tensors(&model.text, "text");
    tensors.extend(collect_tensors(&model.vae, "vae"));
    tensors.extend(collect_tensors(&model.dit, "dit"));
    if let Some(planner) = model.planner.take() {
        let planner = load_checkpoint(planner, "dit", &run.join("planner-ema"))?.0;
        tensors.extend(collect_tensors(&planner, "planner"));
        println!(
            "planner: {} parameters",
            collect_tensors(&planner, "planner")
                .iter()
                .map(|t| t.1.values.len())
                .sum::<usize>()
        );
    }
    if let Some(sprites) = model.sprites.take() {
        let sprites = load_checkpoint(sprites, "sprites", &run.join("sprites"))?.0;
        let layer = collect_tensors(&sprites, "sprites");
        println!(
            "object layer: {} parameters",
            layer.iter().map(|t| t.1.values.len()).sum::<usize>()
        );
        tensors.extend(layer);
    }
    let (shards, manifest) = pack(
        &tensors,
        precision,
        "kinora-video",
        serde_json::to_value(&config)?,
    );
    write_weights(&shards, &manifest, out)?;
    let bytes: usize = shards.iter().map(Vec::len).sum();
    let params = |m: &[(String, kinora_engine::models::weights::HostTensor)]| {
        m.iter().map(|t| t.1.values.len()).sum::<usize>()
    };
    println!(
        "{precision:?}: {} bytes in {} shard(s) → {}; parameters: text {}, vae {}, dit {}",
        bytes,
        shards.len(),
        out.display(),
        params(&collect_tensors(&model.text, "text")),
        params(&collect_tensors(&model.vae, "vae")),
        params(&collect_tensors(&model.dit, "dit")),
    );
    Ok(())
}

/// The judge on the VAE's reconstructions of held-out world clips: the most a DiT on these
/// latents can score (same prompts and seeds as `eval`).
fn ceiling(run: &Path, n: usize, seed: u64) -> Result<()> {
    let device = Device::flex();
    let (config, vae) = load_vae(run, &device)?;
    let mut tables = [
        JudgeTable::default(),
        JudgeTable::default(),
        JudgeTable::default(),
    ];
    for i in 0..n {
        let clip_seed = mix(seed ^ i as u64);
        let (meta, f64, _, f128) = render_clip(clip_seed, Split::HeldOut, true);
        let frames: Vec<Vec<u8>> = f128.chunks(HIGH * HIGH * 3).map(<[u8]>::to_vec).collect();
        tables[0].add(&meta.scene, &judge_frames(&frames, HIGH, 12));
        let (mean, _) = vae
            .encoder
            .forward(video_tensor(&[&f64], FRAMES, BASE, &device));
        // A layout decoder gets the world's own trajectory: the plan a perfect planner
        // would give (the planner's own agreement is `plan-eval`'s).
        let maps = world_layout(&config, &meta.scene, clip_seed, &device);
        let (base, high) = vae.decoder.forward(mean, maps);
        tables[1].add(&meta.scene, &judge_frames(&video_frames(high), HIGH, 12));
        let smooth: Vec<Vec<u8>> = video_frames(base)
            .iter()
            .map(|f| bilinear_2x(f, BASE))
            .collect();
        tables[2].add(&meta.scene, &judge_frames(&smooth, HIGH, 12));
    }
    println!(
        "| metric | world renders | VAE reconstruction (learned 2×) | VAE 64×64 base, bilinear 2× |\n|---|---|---|---|"
    );
    let rows: Vec<_> = tables.iter().map(JudgeTable::rows).collect();
    for (k, (name, w)) in rows[0].iter().enumerate() {
        println!(
            "| {name} | {w:.1} | {:.1} | {:.1} |",
            rows[1][k].1, rows[2][k].1
        );
    }
    println!(
        "VAE reconstruction (learned 2×):\n{}",
        tables[1].breakdown()
    );
    Ok(())
}

/// The run's VAE configuration: `vae-config.json` once `vae --layout` wrote one, else the
/// default (no layout).
fn vae_config(run: &Path) -> Result<VideoVaeConfig> {
    let path = run.join("vae-config.json");
    if !path.exists() {
        return Ok(VideoVaeConfig::new());
    }
    serde_json::from_str(&std::fs::read_to_string(&path)?)
        .with_context(|| format!("reading {}", path.display()))
}

/// The run's VAE checkpoint with its configuration.
fn load_vae(run: &Path, device: &Device) -> Result<(VideoVaeConfig, VideoVae)> {
    let config = vae_config(run)?;
    let vae = load_checkpoint(config.init(device), "vae", &run.join("vae"))?.0;
    Ok((config, vae))
}

/// The world's trajectory of a clip as the decoder's layout maps (None for a decoder
/// without layout input).
fn world_layout(
    config: &VideoVaeConfig,
    scene: &kinora_world::scene::Scene,
    seed: u64,
    device: &Device,
) -> Option<Tensor<5>> {
    (config.layout_slots() > 0).then(|| {
        let plan = world_trajectory(scene, seed, FRAMES, 12);
        let features = decoder_features(&kinora_train::video::schema::scene_labels(scene));
        object_maps_tensor(&[(plan, features)], config.layout_features(), BASE, device)
    })
}

/// 2× bilinear enlargement of an RGB8 `side × side` frame (pixel centres aligned).
fn bilinear_2x(rgb: &[u8], side: usize) -> Vec<u8> {
    let out = 2 * side;
    let mut v = Vec::with_capacity(out * out * 3);
    let at = |x: usize, y: usize, c: usize| rgb[(y * side + x) * 3 + c] as f32;
    for oy in 0..out {
        let fy = ((oy as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (side - 1) as f32);
        let (y0, ty) = (fy.floor() as usize, fy.fract());
        let y1 = (y0 + 1).min(side - 1);
        for ox in 0..out {
            let fx = ((ox as f32 + 0.5) / 2.0 - 0.5).clamp(0.0, (side - 1) as f32);
            let (x0, tx) = (fx.floor() as usize, fx.fract());
            let x1 = (x0 + 1).min(side - 1);
            for c in 0..3 {
                let top = at(x0, y0, c) * (1.0 - tx) + at(x1, y0, c) * tx;
                let bottom = at(x0, y1, c) * (1.0 - tx) + at(x1, y1, c) * tx;
                v.push((top * (1.0 - ty) + bottom * ty).round() as u8);
            }
        }
    }
    v
}

/// Reconstruction PSNR of the VAE on 16 held-out clips (full 24 frames, 64 and 128 px).
fn psnr(run: &Path) -> Result<()> {
    let device = Device::flex();
    let (config, vae) = load_vae(run, &device)?;
    let (mut se64, mut se128, mut n64, mut n128) = (0.0f64, 0.0f64, 0usize, 0usize);
    for i in 0..16u64 {
        let seed = mix(0x5EED_0000 ^ i);
        let (meta, f64, _, f128) = render_clip(seed, Split::HeldOut, true);
        let x = video_tensor(&[&f64], FRAMES, BASE, &device);
        let (mean, _) = vae.encoder.forward(x.clone());
        let maps = world_layout(&config, &meta.scene, seed, &device);
        let (base, high) = vae.decoder.forward(mean, maps);
        let y128 = video_tensor(&[&f128], FRAMES, HIGH, &device);
        for (a, b, se, n) in [
            (base, x, &mut se64, &mut n64),
            (high, y128, &mut se128, &mut n128),
        ] {
            let d = host((a.clamp(-1.0, 1.0) - b).powi_scalar(2));
            *se += d.iter().map(|v| *v as f64).sum::<f64>();
            *n += d.len();
        }
    }
    // Values are in −1..1 (peak-to-peak 2).
    let p = |se: f64, n: usize| 10.0 * (4.0 / (se / n as f64)).log10();
    println!(
        "VAE reconstruction PSNR on 16 held-out clips: {:.2} dB at 64×64, {:.2} dB at 128×128 (upsampler)",
        p(se64, n64),
        p(se128, n128)
    );
    let _ = clip_bytes(BASE, 3);
    Ok(())
}

/// One DiT training step (shipped size, 2 s clip = 96 tokens) timed on each backend, and
/// the machine's f32 matmul peak (1024³ on flex), so model-FLOP utilization can be stated.
fn bench(batch: usize) -> Result<()> {
    use burn::optim::{AdamWConfig, GradientsParams};
    let attribute_dims = schema().iter().map(|g| g.labels.len()).sum();
    let config = VideoDitConfig::new(attribute_dims);
    let flex = Device::flex();
    let a = Tensor::<2>::random([1024, 1024], burn::tensor::Distribution::Default, &flex);
    let _ = host(a.clone().matmul(a.clone()));
    let t = std::time::Instant::now();
    for _ in 0..5 {
        let _ = host(a.clone().matmul(a.clone()));
    }
    let peak = 5.0 * 2.0 * 1024f64.powi(3) / t.elapsed().as_secs_f64() / 1e9;
    println!("f32 matmul 1024³ on flex: {peak:.1} GFLOP/s");
    let mut devices = vec![("flex (CPU)", Device::flex().autodiff())];
    match pollster::block_on(kinora_engine::device::Gpu::init()) {
        Ok(gpu) => devices.push(("wgpu", gpu.burn_device.clone().autodiff())),
        Err(e) => println!("wgpu: not available ({e})"),
    }
    for (name, device) in devices {
        let mut dit = config.init(&device);
        let params = dit.num_params() as f64;
        let mut optim = AdamWConfig::new().init();
        let m = 33;
        let cond = kinora_engine::models::dit::DitCondition {
            tokens: Tensor::zeros([batch, m, 128], &device),
            bias: Tensor::zeros([batch, 1, 1, m], &device),
            pooled: Tensor::zeros([batch, 128], &device),
            attributes: Tensor::zeros([batch, attribute_dims], &device),
            camera: Tensor::zeros([batch, 9], &device),
            layout: None,
        };
        let x = Tensor::<5>::random(
            [batch, config.latent_channels, 6, 8, 8],
            burn::tensor::Distribution::Normal(0.0, 1.0),
            &device,
        );
        let times = vec![0.5f32; batch];
        let mut step = |dit: kinora_engine::models::dit::VideoDit| {
            let loss = (dit.forward(x.clone(), &times, &cond) - x.clone())
                .powi_scalar(2)
                .mean();
            let _ = host(loss.clone());
            let grads = GradientsParams::from_grads(loss.backward(), &dit);
            optim.step(1e-4, dit, grads)
        };
        dit = step(dit);
        let t = std::time::Instant::now();
        let n = 3;
        for _ in 0..n {
            dit = step(dit);
        }
        let secs = t.elapsed().as_secs_f64() / n as f64;
        let flop = 6.0 * params * 96.0 * batch as f64;
        println!(
            "{name}: DiT training step, batch {batch}: {:.0} ms = {:.1} samples/s, {:.1} GFLOP/s, model-FLOP utilization {:.0}% of the flex matmul peak",
            secs * 1e3,
            batch as f64 / secs,
            flop / secs / 1e9,
            100.0 * flop / secs / 1e9 / peak
        );
    }
    Ok(())
}

/// Contact sheets of 12 fixed held-out prompts (fixed seeds, so later models can be
/// compared side by side), each beside the world's own render of the same scene.
fn sheets(
    dir: &Path,
    words: &dyn kinora_engine::models::text::WordLookup,
    out: &Path,
    sampling: &Sampling,
) -> Result<()> {
    let model = load(dir)?;
    std::fs::create_dir_all(out)?;
    let mut index = String::from("| # | prompt | generated | world render |\n|---|---|---|---|\n");
    for i in 0..12u64 {
        let s = mix(0x5_4EE7 ^ i);
        let (meta, _, _, f128) = render_clip(s, Split::HeldOut, true);
        let settings = sampling.clip(s);
        let video = model.generate(&meta.prompt, &settings, words, |_| true)?;
        let world: Vec<Vec<u8>> = f128.chunks(HIGH * HIGH * 3).map(<[u8]>::to_vec).collect();
        let name = format!("heldout-{i:02}");
        write_png(
            &out.join(format!("{name}.png")),
            &contact_sheet(&video.frames, video.width, video.height),
            4 * video.width,
            3 * video.height,
        )?;
        write_png(
            &out.join(format!("{name}-world.png")),
            &contact_sheet(&world, HIGH, HIGH),
            4 * HIGH,
            3 * HIGH,
        )?;
        index.push_str(&format!(
            "| {i} | {} | ![]({name}.png) | ![]({name}-world.png) |\n",
            meta.prompt
        ));
    }
    std::fs::write(out.join("heldout-sheets.md"), index)?;
    Ok(())
}

fn write_png(path: &Path, rgb: &[u8], w: usize, h: usize) -> Result<()> {
    let frame = kinora_world::render::Frame {
        width: w as u32,
        height: h as u32,
        rgb: rgb.to_vec(),
    };
    let file =
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    Ok(kinora_world::io::write_png(
        &frame,
        std::io::BufWriter::new(file),
    )?)
}

/// How the evaluations sample (`--steps`, `--guidance`, `--plan-guidance`,
/// `--guide-layout`), read once from the flags.
struct Sampling {
    /// Clip length (`--clip-seconds`; the planner and DiT were trained on 2 s).
    seconds: f32,
    steps: usize,
    guidance: f32,
    plan_guidance: f32,
    guide_layout: bool,
    extend_context: usize,
    extend_release: f32,
}

impl Sampling {
    fn from_args(args: &Args) -> Result<Sampling> {
        let defaults = GenerateSettings::default();
        Ok(Sampling {
            seconds: args.get("clip-seconds", 2.0)?,
            steps: args.get("steps", defaults.sampler.steps)?,
            guidance: args.get("guidance", defaults.sampler.guidance)?,
            plan_guidance: args.get("plan-guidance", defaults.plan_guidance)?,
            guide_layout: args.get("guide-layout", defaults.guide_layout)?,
            extend_context: args.get("extend-context", defaults.extend_context)?,
            extend_release: args.get("extend-release", defaults.extend_release)?,
        })
    }

    /// A clip with these settings, noise from `seed` and the camera from the prompt.
    fn clip(&self, seed: u64) -> GenerateSettings {
        GenerateSettings {
            seconds: self.seconds,
            sampler: SamplerSettings {
                steps: self.steps,
                guidance: self.guidance,
                seed,
                ..SamplerSettings::default()
            },
            camera: None,
            plan_guidance: self.plan_guidance,
            guide_layout: self.guide_layout,
            extend_context: self.extend_context,
            extend_release: self.extend_release,
        }
    }
}

fn load(dir: &Path) -> Result<VideoModel> {
    kinora_train::video::common::load_model(dir)
}

/// The judge on free-text prompts written by someone who never saw the world's grammar
/// (TSV: prompt, colour, kind, motion, camera, speed).
fn eval_free_text(
    dir: &Path,
    words: &dyn kinora_engine::models::text::WordLookup,
    file: &Path,
    sampling: &Sampling,
    verbose: bool,
) -> Result<()> {
    let model = load(dir)?;
    let prompts = text_train::WrittenPrompts::read(file)?;
    let mut table = JudgeTable::default();
    for (i, (prompt, scene)) in prompts.pairs.iter().enumerate() {
        let settings = sampling.clip(1000 + i as u64);
        let video = model.generate(prompt, &settings, words, |_| true)?;
        let report = judge_frames(&video.frames, video.width, 12);
        if verbose {
            eprintln!(
                "prompt {i}: {} | {}",
                kinora_train::video::eval::diagnose(scene, &video.reading, &report),
                prompt
            );
        }
        table.add(scene, &report);
    }
    println!(
        "| metric | free text ({} prompts) |\n|---|---|",
        table.clips
    );
    for (name, v) in table.rows() {
        println!("| {name} | {v:.1} |");
    }
    Ok(())
}

/// Whether the finalize report finds a jump or dropped frames anywhere in the clip (what a
/// seam between windows would show as).
fn report_finds_a_jump(video: &kinora_engine::models::pipeline::GeneratedVideo) -> Result<bool> {
    let report = kinora_qa::analyze(&kinora_train::video::eval::qa_frames(video), None)?;
    let flagged: Vec<_> = report
        .findings
        .iter()
        .filter(|f| kinora_train::video::eval::is_skip(&f.kind))
        .collect();
    if std::env::var_os("KINORA_EVAL_FINDINGS").is_some() {
        for f in &flagged {
            eprintln!(
                "finding {:?} frames {:?}: {}",
                f.kind, f.frames, f.explanation
            );
        }
    }
    Ok(!flagged.is_empty())
}

fn eval(
    dir: &Path,
    out: &Path,
    words: &dyn kinora_engine::models::text::WordLookup,
    n: usize,
    sampling: &Sampling,
    seed: u64,
    verbose: bool,
) -> Result<()> {
    let model = load(dir)?;
    let (mut generated, mut world) = (JudgeTable::default(), JudgeTable::default());
    let mut jumpy = 0usize;
    let start = std::time::Instant::now();
    for i in 0..n {
        let s = mix(seed ^ i as u64);
        let (meta, _, _, f128) = render_clip(s, Split::HeldOut, true);
        let frames: Vec<Vec<u8>> = f128.chunks(HIGH * HIGH * 3).map(<[u8]>::to_vec).collect();
        let world_report = judge_frames(&frames, HIGH, 12);
        world.add(&meta.scene, &world_report);
        let settings = sampling.clip(s);
        let video = model.generate(&meta.prompt, &settings, words, |_| true)?;
        let report = judge_frames(&video.frames, video.width, 12);
        generated.add(&meta.scene, &report);
        if verbose {
            // One line per clip, on stderr beside the progress: where the rows come from.
            eprintln!(
                "clip {i}: flicker {:.1} (world {:.1}) | persistence fault {} (world {}) | {} | {} | world's: {}",
                report.flicker,
                world_report.flicker,
                report.persistence_fault(),
                world_report.persistence_fault(),
                kinora_train::video::eval::diagnose(&meta.scene, &video.reading, &report),
                meta.prompt,
                kinora_train::video::eval::diagnose(&meta.scene, &video.reading, &world_report),
            );
        }
        jumpy += usize::from(report_finds_a_jump(&video)?);
        if (i + 1) % 10 == 0 {
            eprintln!(
                "{}/{n} ({:.1} s/clip)",
                i + 1,
                start.elapsed().as_secs_f64() / (i + 1) as f64
            );
        }
    }
    println!("| metric | generated | world renders |\n|---|---|---|");
    for ((name, g), (_, w)) in generated.rows().iter().zip(world.rows()) {
        println!("| {name} | {g:.1} | {w:.1} |");
    }
    println!("{}", generated.breakdown());
    println!(
        "clips the finalize report flags for a jump or dropped frames: {jumpy}/{n} ({:.1}%)",
        100.0 * jumpy as f64 / n.max(1) as f64
    );
    // Beside the run, never beside the model (which may be the shipped one in public/).
    std::fs::write(out, serde_json::to_string_pretty(&(generated, world))?)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
