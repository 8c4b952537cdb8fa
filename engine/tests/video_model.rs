//! The video model's contract, at a tiny size so it runs in seconds: shapes, determinism
//! from a seed, a few training steps lower the loss, and the shipped weight format
//! round-trips (exactly at f32, within the quantization step at int8/int4) and refuses
//! tampered shards.

use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use kinora_engine::models::audio::{AudioDitConfig, AudioModelConfig, AudioSettings};
use kinora_engine::models::dit::{DitCondition, VideoDitConfig};
use kinora_engine::models::layers::key_bias;
use kinora_engine::models::layout::{PLAN_CHANNELS, SLOTS, layout_tensor};
use kinora_engine::models::loudness::TARGET_LUFS;
use kinora_engine::models::pipeline::{
    CameraChoice, FRAMES_PER_LATENT, GenerateSettings, ModelError, Stage, VideoModel,
    VideoModelConfig,
};
use kinora_engine::models::sampler::{SamplerSettings, sample};
use kinora_engine::models::sprite::SpriteDecoderConfig;
use kinora_engine::models::text::{AttributeGroup, TextEncoderConfig, Tokenizer, WordLookup};
use kinora_engine::models::vae::VideoVaeConfig;
use kinora_engine::models::weights::{Precision, WeightsError, collect_tensors, pack};

/// Three made-up words with fixed vectors.
struct Words;
impl WordLookup for Words {
    fn dims(&self) -> usize {
        4
    }
    fn lookup_into(&self, word: &str, out: &mut [f32]) -> bool {
        let v = match word {
            "red" => [1.0, 0.0, 0.0, 0.0],
            "blue" => [0.0, 1.0, 0.0, 0.0],
            "ball" => [0.0, 0.0, 1.0, 0.0],
            _ => return false,
        };
        out.copy_from_slice(&v);
        true
    }
}

fn tiny_config() -> VideoModelConfig {
    let group = |name: &str, labels: &[&str]| AttributeGroup {
        name: name.into(),
        labels: labels.iter().map(|s| s.to_string()).collect(),
    };
    let schema = vec![
        group("object1_colour", &["none", "red", "blue"]),
        group("object1_kind", &["none", "ball"]),
        group("camera", &["static", "pan_left"]),
        group("camera_speed", &["slow", "fast"]),
        group("style", &["flat", "painted"]),
    ];
    let mut text = TextEncoderConfig::new(vec![3, 2, 2, 2, 2]);
    text.word_dims = 4;
    text.d_model = 16;
    text.layers = 1;
    text.max_words = 6;
    let mut dit = VideoDitConfig::new(11);
    dit.d_model = 16;
    dit.depth = 1;
    dit.text_dims = 16;
    dit.camera_dims = 4;
    dit.latent_channels = 8;
    dit.layout_channels = Some(SLOTS * 4);
    let mut planner = VideoDitConfig::new(11);
    planner.d_model = 16;
    planner.depth = 1;
    planner.text_dims = 16;
    planner.camera_dims = 4;
    planner.latent_channels = PLAN_CHANNELS;
    planner.patch = 1;
    planner.max_side = 1;
    planner.max_frames = 128;
    let mut vae = VideoVaeConfig::new();
    vae.widths = [4, 8];
    vae.latent_channels = 8;
    VideoModelConfig {
        reader: None,
        decoder_attributes: Vec::new(),
        text,
        vae,
        dit,
        tokenizer: Tokenizer {
            lexicon: vec!["ball".into(), "blue".into(), "red".into()],
            max_words: 6,
        },
        schema,
        latent_mean: vec![0.0; 8],
        latent_std: vec![1.0; 8],
        fps: 12,
        base_size: 16,
        plan_seconds: 2.0,
        planner: Some(planner),
        sprites: Some(
            SpriteDecoderConfig::new(2, 1, 2)
                .with_hidden(8)
                .with_side(4),
        ),
        audio: Some(AudioModelConfig {
            dit: AudioDitConfig::new(0, vec![3, 2])
                .with_d_model(16)
                .with_depth(1)
                .with_heads(2)
                .with_text_dims(16)
                .with_codec_dims(8),
            labels: Vec::new(),
            sample_rate: 24_000,
        }),
    }
}

fn settings(seed: u64) -> GenerateSettings {
    GenerateSettings {
        seconds: 2.0,
        sampler: SamplerSettings {
            steps: 3,
            guidance: 2.0,
            seed,
            shift: 1.0,
        },
        camera: None,
        ..GenerateSettings::default()
    }
}

#[test]
fn generation_has_the_promised_shape_and_is_deterministic_from_a_seed() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let a = model
        .generate("a red bal", &settings(5), &Words, |_| true)
        .expect("generate");
    assert_eq!(a.frames.len(), 24, "2 s at 12 fps");
    assert_eq!(
        (a.width, a.height),
        (32, 32),
        "the upsampler doubles the 16 px base"
    );
    assert!(a.frames.iter().all(|f| f.len() == 32 * 32 * 3));
    assert_eq!(
        a.reading.corrected,
        [("bal".to_string(), "ball".to_string())]
    );
    let b = model
        .generate("a red bal", &settings(5), &Words, |_| true)
        .expect("generate");
    assert_eq!(a.frames, b.frames, "same seed, same clip");
    let c = model
        .generate("a red bal", &settings(6), &Words, |_| true)
        .expect("generate");
    assert_ne!(a.latents, c.latents, "another seed, another clip");
    let plan = a.trajectory.as_ref().expect("the model plans");
    assert_eq!(plan.frames, 24);
    assert_eq!(Some(plan), b.trajectory.as_ref(), "same seed, same plan");
    assert_ne!(
        Some(plan),
        c.trajectory.as_ref(),
        "another seed, another plan"
    );
    assert!(
        model
            .generate(
                "red",
                &GenerateSettings {
                    seconds: 2.1,
                    ..settings(1)
                },
                &Words,
                |_| true
            )
            .is_err()
    );
}

fn quick_sound() -> AudioSettings {
    AudioSettings {
        steps: 2,
        guidance: 2.0,
        seed: 9,
        phase_iterations: 4,
        release: 0.0,
    }
}

#[test]
fn the_soundtrack_covers_the_clip_is_seeded_normalized_and_cancellable() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    // The last case releases each window's overlap before the end and cross-fades it.
    for (seconds, release) in [(2.0, 0.0), (5.0, 0.0), (5.0, 0.5)] {
        let sound = AudioSettings {
            release,
            ..quick_sound()
        };
        let video = model
            .generate(
                "a red ball",
                &GenerateSettings {
                    seconds,
                    ..settings(2)
                },
                &Words,
                |_| true,
            )
            .expect("generate");
        let mut windows = 0;
        let a = model
            .soundtrack("a red ball", &video, &Words, &sound, |_, n| {
                windows = n;
                true
            })
            .expect("soundtrack")
            .expect("the model has sound");
        assert_eq!(a.sample_rate, 24_000);
        assert_eq!(
            a.samples.len(),
            (seconds * 24_000.0) as usize,
            "{seconds} s"
        );
        assert_eq!(
            windows,
            if seconds > 2.0 { 3 } else { 1 },
            "2 s windows overlapping by 0.5 s"
        );
        assert!((a.lufs - TARGET_LUFS).abs() < 1.0, "loudness {}", a.lufs);
        assert!(a.samples.iter().all(|s| s.abs() <= 0.9));
        let b = model
            .soundtrack("a red ball", &video, &Words, &sound, |_, _| true)
            .expect("soundtrack")
            .expect("sound");
        assert_eq!(a, b, "same seed, same soundtrack");
    }
    let video = model
        .generate("a red ball", &settings(2), &Words, |_| true)
        .expect("generate");
    let cancelled = model.soundtrack("a red ball", &video, &Words, &quick_sound(), |_, _| false);
    assert!(matches!(cancelled, Err(ModelError::Cancelled)));
}

#[test]
fn an_extensions_soundtrack_keeps_the_sources_and_goes_on_from_it() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let mut source = model
        .generate("a red ball", &settings(2), &Words, |_| true)
        .expect("generate");
    let first = model
        .soundtrack("a red ball", &source, &Words, &quick_sound(), |_, _| true)
        .expect("soundtrack")
        .expect("sound");
    source.sound_tokens = first.tokens.clone();
    let longer = model
        .extend(&source, "a red ball", &settings(2), &Words, |_| true)
        .expect("extend");
    assert_eq!(
        longer.sound_tokens, first.tokens,
        "the source's sound goes along"
    );
    let mut windows = 0;
    let both = model
        .soundtrack("a red ball", &longer, &Words, &quick_sound(), |_, n| {
            windows = n;
            true
        })
        .expect("soundtrack")
        .expect("sound");
    assert_eq!(both.samples.len(), 4 * 24_000);
    // The new 2 s and the half second before them: two windows (4 s afresh takes three).
    assert_eq!(windows, 2);
    assert_eq!(both.tokens.len(), 2 * first.tokens.len());
    assert_eq!(&both.tokens[..first.tokens.len()], first.tokens.as_slice());
    assert_ne!(&both.tokens[first.tokens.len()..], first.tokens.as_slice());
    // Kept and resumed (the CLI's sidecar), the tokens come back.
    let kept = longer.keep(&model);
    let resumed = model.resume(&kept).expect("resume");
    assert_eq!(resumed.sound_tokens, first.tokens);
}

#[test]
fn remix_keeps_the_plan_and_shape_and_follows_its_strength() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let source = model
        .generate("a red ball", &settings(4), &Words, |_| true)
        .expect("generate");
    let remix = |strength: f32| {
        model
            .remix(
                &source,
                "a blue ball",
                strength,
                &settings(9),
                &Words,
                |_| true,
            )
            .expect("remix")
    };
    let light = remix(0.3);
    let heavy = remix(1.0);
    assert_eq!(light.frames.len(), source.frames.len());
    assert_eq!(
        light.trajectory, source.trajectory,
        "the motion plan is kept"
    );
    let distance =
        |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f32>();
    assert!(
        distance(&light.latents, &source.latents) < distance(&heavy.latents, &source.latents),
        "a lighter remix stays closer to the source"
    );
    assert!(
        model
            .remix(&source, "a blue ball", 0.0, &settings(9), &Words, |_| true)
            .is_err()
    );
}

#[test]
fn extend_appends_frames_keeps_the_source_and_chains() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let source = model
        .generate("a red ball", &settings(4), &Words, |_| true)
        .expect("generate");
    let once = model
        .extend(&source, "a red ball", &settings(5), &Words, |_| true)
        .expect("extend");
    assert_eq!(once.frames.len(), 48, "2 s more");
    assert_eq!(
        &once.frames[..16],
        &source.frames[..16],
        "the source is untouched before the cross-faded overlap (its last 8 frames)"
    );
    assert_eq!(once.latents.len(), 2 * source.latents.len());
    assert_eq!(once.trajectory.as_ref().map(|t| t.frames), Some(48));
    let twice = model
        .extend(
            &once,
            "two seconds later, a red ball",
            &settings(6),
            &Words,
            |_| true,
        )
        .expect("extend again");
    assert_eq!(twice.frames.len(), 72);
    let again = model
        .extend(&source, "a red ball", &settings(5), &Words, |_| true)
        .expect("extend");
    assert_eq!(again.frames, once.frames, "deterministic from a seed");
}

#[test]
fn a_static_camera_holds_one_plate_through_every_window() {
    // The world's background never changes under a static camera, so the kept latents
    // (what the decoder paints the background from) are one frame, repeated, even across
    // the windows of a longer clip and an extension.
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let still = |seconds| GenerateSettings {
        seconds,
        camera: Some(CameraChoice {
            motion: "static".into(),
            speed: "slow".into(),
        }),
        ..settings(4)
    };
    let five = model
        .generate("a red ball", &still(5.0), &Words, |_| true)
        .expect("5 s");
    let longer = model
        .extend(&five, "a red ball", &still(2.0), &Words, |_| true)
        .expect("extend");
    for clip in [&five, &longer] {
        let frames = clip.trajectory.as_ref().map_or(0, |t| t.frames) / FRAMES_PER_LATENT;
        assert!(frames >= 15, "{frames} latent frames");
        // Kept latents are [C, T, H, W]: each channel holds its T frames one after another.
        let channels = tiny_config().vae.latent_channels;
        let plane = clip.latents.len() / channels / frames;
        for (c, channel) in clip.latents.chunks(frames * plane).enumerate() {
            let first = &channel[..plane];
            for (t, frame) in channel.chunks(plane).enumerate() {
                let worst = frame
                    .iter()
                    .zip(first)
                    .map(|(a, b)| (a - b).abs())
                    .fold(0.0f32, f32::max);
                assert!(
                    worst < 1e-5,
                    "channel {c}, latent frame {t} differs by {worst}"
                );
            }
        }
    }
}

#[test]
fn an_extension_says_its_new_line_after_the_source_and_keeps_it() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let source = model
        .generate("a red ball", &settings(4), &Words, |_| true)
        .expect("generate");
    let said = model
        .extend(
            &source,
            "two seconds later, the man says \"good bye\"",
            &settings(5),
            &Words,
            |_| true,
        )
        .expect("extend");
    assert_eq!(said.reading.line.as_deref(), Some("good bye"));
    assert_eq!(said.reading.line_start, 2.0, "after the 2 s source");
    let kept = said.keep(&model);
    assert_eq!(kept.line_start, 2.0);
    let again = model.resume(&kept).expect("resume");
    assert_eq!(again.reading.line_start, 2.0);
    // Going on without a new line keeps the line and its timing.
    let on = model
        .extend(&said, "a red ball", &settings(6), &Words, |_| true)
        .expect("extend again");
    assert_eq!(
        (on.reading.line.as_deref(), on.reading.line_start),
        (Some("good bye"), 2.0)
    );
}

#[test]
fn long_clips_are_made_window_by_window() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let two = model
        .generate("a red ball", &settings(4), &Words, |_| true)
        .expect("2 s");
    let mut steps = Vec::new();
    let five = model
        .generate(
            "a red ball",
            &GenerateSettings {
                seconds: 5.0,
                ..settings(4)
            },
            &Words,
            |stage| {
                if let Stage::Denoise(i, n) = stage {
                    steps.push((i, n));
                }
                true
            },
        )
        .expect("5 s");
    assert_eq!(five.frames.len(), 60);
    assert_eq!(five.latents.len(), two.latents.len() / 6 * 15);
    assert_eq!(five.trajectory.as_ref().map(|t| t.frames), Some(60));
    // Three windows of 2 s or less (6 + 5 + 4 latent frames), 3 steps each, counted as one run.
    let expected: Vec<(usize, usize)> = (1..=9).map(|i| (i, 9)).collect();
    assert_eq!(steps, expected);
    assert_eq!(
        &five.frames[..16],
        &two.frames[..16],
        "the first window is the 2 s clip, up to the next window's overlap"
    );
}

#[test]
fn a_planner_that_learned_long_paths_plans_the_whole_clip_at_once() {
    let device = Device::flex();
    let config = VideoModelConfig {
        plan_seconds: 10.0,
        ..tiny_config()
    };
    let model = VideoModel::new(config, &device);
    let five = GenerateSettings {
        seconds: 5.0,
        ..settings(4)
    };
    let plan = model
        .plan_only("a red ball", &five, &Words)
        .expect("plan")
        .expect("a planner");
    let video = model
        .generate("a red ball", &five, &Words, |_| true)
        .expect("5 s");
    assert_eq!(video.frames.len(), 60);
    assert_eq!(
        video.trajectory.as_ref(),
        Some(&plan),
        "every window drew its part of the one plan"
    );
}

#[test]
fn a_camera_move_is_kept_with_the_clip_and_decoded_again_the_same() {
    let device = Device::flex();
    let panning = GenerateSettings {
        camera: Some(CameraChoice {
            motion: "pan_left".into(),
            speed: "fast".into(),
        }),
        ..settings(4)
    };
    // Some randomly initialized models paint a plate these 4 frames of pan leave
    // unchanged (seen when the whole file runs: pan and still came out identical); the
    // weights come from the shared random stream, so which model a run gets depends on
    // the other tests. A few fresh models, then: a camera layer that never moved the
    // picture fails here.
    let (model, video) = (0..6)
        .find_map(|_| {
            let model = VideoModel::new(tiny_config(), &device);
            let video = model
                .generate("a red ball", &panning, &Words, |_| true)
                .expect("generate");
            let still = model
                .generate("a red ball", &settings(4), &Words, |_| true)
                .expect("generate");
            (video.frames != still.frames).then_some((model, video))
        })
        .expect("the camera moved the picture");
    let kept = video.keep(&model);
    assert_eq!(
        kept.camera.as_ref().map(|c| c.motion.as_str()),
        Some("pan_left")
    );
    let resumed = model.resume(&kept).expect("resume");
    assert_eq!(
        resumed.frames, video.frames,
        "decoded again under the same camera"
    );
    let longer = model
        .extend(&video, "a red ball", &settings(5), &Words, |_| true)
        .expect("extend");
    assert_eq!(
        longer.reading.camera.motion, "pan_left",
        "an extension goes on under the clip's camera"
    );
}

#[test]
fn cancelling_stops_the_sampler() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let mut calls = 0;
    let r = model.generate("red ball", &settings(1), &Words, |_| {
        calls += 1;
        calls < 2
    });
    assert!(r.is_err());
    assert_eq!(calls, 2);
}

#[test]
fn a_few_training_steps_lower_the_flow_loss_on_a_handful_of_clips() {
    let device = Device::flex().autodiff();
    let cfg = tiny_config();
    let model = VideoModel::new(cfg.clone(), &device);
    let mut dit = model.dit.clone();
    let cond = model
        .condition(
            &model.encode_text(&["red ball", "blue ball"], &Words).0,
            model.camera_tensor(&[(0, 0), (1, 1)]),
        )
        .detach();
    let x0 = Tensor::<5>::random(
        [2, 8, 2, 2, 2],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &device,
    );
    let noise = Tensor::<5>::random(
        [2, 8, 2, 2, 2],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &device,
    );
    let t = [0.3f32, 0.7];
    let tt =
        Tensor::<1>::from_data(TensorData::new(t.to_vec(), [2]), &device).reshape([2, 1, 1, 1, 1]);
    let xt = x0.clone() * (tt.clone().neg() + 1.0) + noise.clone() * tt;
    let target = noise - x0;
    let mut optim = AdamWConfig::new().init();
    let loss_of = |dit: &kinora_engine::models::dit::VideoDit| {
        (dit.forward(xt.clone(), &t, &cond) - target.clone())
            .powi_scalar(2)
            .mean()
    };
    let first: f32 = loss_of(&dit).into_scalar::<f32>();
    for _ in 0..30 {
        let loss = loss_of(&dit);
        let grads = GradientsParams::from_grads(loss.backward(), &dit);
        dit = optim.step(3e-3, dit, grads);
    }
    let last: f32 = loss_of(&dit).into_scalar::<f32>();
    assert!(last < 0.7 * first, "loss {first} → {last}");
}

#[test]
fn the_dit_learns_to_use_the_layout_maps() {
    let device = Device::flex().autodiff();
    let model = VideoModel::new(tiny_config(), &device);
    let mut dit = model.dit.clone();
    let mut cond = model
        .condition(
            &model.encode_text(&["red ball"], &Words).0,
            model.camera_tensor(&[(0, 0)]),
        )
        .detach();
    let plan = model
        .generate("red ball", &settings(2), &Words, |_| true)
        .expect("generate")
        .trajectory
        .expect("plan");
    let maps = layout_tensor(&[plan], 4, 2, &device);
    assert_eq!(maps.dims(), [1, SLOTS * 4, 6, 2, 2]);
    let x = Tensor::<5>::random(
        [1, 8, 6, 2, 2],
        burn::tensor::Distribution::Normal(0.0, 1.0),
        &device,
    );
    let without = dit.forward(x.clone(), &[0.5], &cond);
    cond.layout = Some(maps.clone());
    let zero_init = dit.forward(x.clone(), &[0.5], &cond);
    assert_eq!(
        without.clone().into_data(),
        zero_init.into_data(),
        "a fresh layout input changes nothing (warm starts keep the old model)"
    );
    let mut optim = AdamWConfig::new().init();
    for _ in 0..5 {
        let loss = (dit.forward(x.clone(), &[0.5], &cond) - maps.clone().narrow(1, 0, 8))
            .powi_scalar(2)
            .mean();
        let grads = GradientsParams::from_grads(loss.backward(), &dit);
        dit = optim.step(1e-2, dit, grads);
    }
    let with = dit.forward(x.clone(), &[0.5], &cond);
    cond.layout = None;
    let none = dit.forward(x, &[0.5], &cond);
    let diff: f32 = (with - none).abs().max().into_scalar::<f32>();
    assert!(
        diff > 1e-3,
        "the trained layout input moves the output ({diff})"
    );
}

#[test]
fn null_condition_masks_every_token_but_the_summary() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let null: DitCondition = model.null_condition(2);
    let bias = null
        .bias
        .into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .expect("f32");
    assert_eq!(bias.len(), 2 * 7);
    assert_eq!(bias[0], 0.0);
    assert!(bias[1..7].iter().all(|&b| b < -1000.0));
    let _ = key_bias(&[true], 1, 1, &device);
}

#[test]
fn exported_weights_load_back_exactly_at_f32_and_closely_at_int8_and_int4() {
    let device = Device::flex();
    let cfg = tiny_config();
    let model = VideoModel::new(cfg.clone(), &device);
    let mut tensors = collect_tensors(&model.text, "text");
    tensors.extend(collect_tensors(&model.vae, "vae"));
    tensors.extend(collect_tensors(&model.dit, "dit"));
    tensors.extend(collect_tensors(
        model.planner.as_ref().expect("planner"),
        "planner",
    ));
    tensors.extend(collect_tensors(
        model.sprites.as_ref().expect("sprites"),
        "sprites",
    ));
    tensors.extend(collect_tensors(
        model.audio.as_ref().expect("audio"),
        "audio",
    ));
    let reference = model
        .generate("red ball", &settings(3), &Words, |_| true)
        .expect("generate");
    let sound = model
        .soundtrack("red ball", &reference, &Words, &quick_sound(), |_, _| true)
        .expect("soundtrack")
        .expect("the model has sound");
    for (precision, tolerance) in [
        (Precision::F32, 0.0),
        (Precision::Int8, 0.05),
        (Precision::Int4, 0.5),
    ] {
        let (shards, manifest) = pack(
            &tensors,
            precision,
            "tiny",
            serde_json::to_value(&cfg).expect("config"),
        );
        let loaded =
            VideoModel::from_manifest(&manifest, |_| Ok(shards[0].clone()), &device).expect("load");
        let out = loaded
            .generate("red ball", &settings(3), &Words, |_| true)
            .expect("generate");
        let worst = reference
            .latents
            .iter()
            .zip(&out.latents)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(
            worst <= tolerance,
            "{precision:?}: latents differ by up to {worst}"
        );
        if precision == Precision::F32 {
            assert_eq!(reference.frames, out.frames);
            let again = loaded
                .soundtrack("red ball", &out, &Words, &quick_sound(), |_, _| true)
                .expect("soundtrack")
                .expect("the loaded model has sound");
            assert_eq!(sound, again, "the audio weights travel with the manifest");
        }
    }
}

#[test]
fn a_tampered_or_truncated_shard_is_refused_before_any_tensor_is_read() {
    let device = Device::flex();
    let cfg = tiny_config();
    let model = VideoModel::new(cfg.clone(), &device);
    let tensors = collect_tensors(&model.dit, "dit");
    let (shards, manifest) = pack(
        &tensors,
        Precision::Int8,
        "tiny",
        serde_json::to_value(&cfg).expect("config"),
    );
    let mut bad = shards[0].clone();
    let last = bad.len() - 1;
    bad[last] ^= 0x40;
    let err =
        VideoModel::from_manifest(&manifest, |_| Ok(bad.clone()), &device).expect_err("tampered");
    assert!(err.to_string().contains("corrupt or tampered"), "{err}");
    let short = shards[0][..10].to_vec();
    assert!(VideoModel::from_manifest(&manifest, |_| Ok(short.clone()), &device).is_err());
    let missing = VideoModel::from_manifest(
        &manifest,
        |f| {
            Err(WeightsError::Io {
                path: f.into(),
                message: "gone".into(),
            })
        },
        &device,
    );
    assert!(missing.is_err());
}

#[test]
fn sampler_alone_is_deterministic() {
    let device = Device::flex();
    let model = VideoModel::new(tiny_config(), &device);
    let cond = model.condition(
        &model.encode_text(&["red"], &Words).0,
        model.camera_tensor(&[(0, 0)]),
    );
    let un = model.null_condition(1);
    let s = SamplerSettings {
        steps: 2,
        guidance: 3.0,
        seed: 11,
        shift: 2.0,
    };
    let run = || {
        sample(
            &model.dit,
            &cond,
            &un,
            [8, 2, 2, 2],
            &s,
            &device,
            |_, _, _| true,
        )
        .0
    };
    let (a, b) = (run(), run());
    assert_eq!(a.into_data(), b.into_data());
}

/// With an attribute reader, the reader names the attributes and the text encoder still
/// gives the generators its tokens and summary; through a manifest as well.
#[test]
fn an_attribute_reader_names_the_attributes_and_the_text_encoder_conditions() {
    use kinora_engine::models::pipeline::to_vec;
    let device = Device::flex();
    let base = tiny_config();
    let config = VideoModelConfig {
        reader: Some(base.text.clone()),
        ..tiny_config()
    };
    // Fresh weights differ between the two encoders (random initialisation).
    let model = VideoModel::new(config, &device);
    let reader = model.reader.as_ref().expect("a reader");
    let (x, valid, _) = model
        .config
        .tokenizer
        .batch(&["a red ball"], &Words, &device);
    let (encoding, _) = model.encode_text(&["a red ball"], &Words);
    let by_text = model.text.forward(x.clone(), &valid);
    let by_reader = reader.forward(x, &valid);
    assert_eq!(to_vec(encoding.logits.clone()), to_vec(by_reader.logits));
    assert_ne!(to_vec(encoding.logits), to_vec(by_text.logits));
    assert_eq!(to_vec(encoding.tokens), to_vec(by_text.tokens));
    assert_eq!(to_vec(encoding.pooled), to_vec(by_text.pooled));

    // The reader's tensors travel in the manifest under `reader.`.
    let mut tensors = Vec::new();
    for (prefix, module) in [("text", &model.text), ("reader", reader)] {
        tensors.extend(collect_tensors(module, prefix));
    }
    tensors.extend(collect_tensors(&model.vae, "vae"));
    tensors.extend(collect_tensors(&model.dit, "dit"));
    if let Some(p) = &model.planner {
        tensors.extend(collect_tensors(p, "planner"));
    }
    if let Some(s) = &model.sprites {
        tensors.extend(collect_tensors(s, "sprites"));
    }
    if let Some(a) = &model.audio {
        tensors.extend(collect_tensors(a, "audio"));
    }
    let (shards, manifest) = pack(
        &tensors,
        Precision::F32,
        "test",
        serde_json::to_value(&model.config).expect("config"),
    );
    let loaded = VideoModel::from_manifest(&manifest, |_| Ok(shards[0].clone()), &device)
        .expect("loads with its reader");
    let (again, _) = loaded.encode_text(&["a red ball"], &Words);
    let (before, _) = model.encode_text(&["a red ball"], &Words);
    assert_eq!(to_vec(again.logits), to_vec(before.logits));
}
