//! The shipped video model's judge scores on a small fixed set of held-out compositions,
//! pinned: a change that makes the shipped weights — or the pipeline around them — draw
//! worse fails here. The full tables (200 prompts, and free text) are in the model card;
//! these are the first 24 of the same 200 prompts and seeds (`train-video eval`), and the
//! first 24 scenes of `train-audio eval` for the audio model.

use kinora_engine::models::pipeline::{GenerateSettings, VideoModel};
use kinora_engine::models::sampler::SamplerSettings;
use kinora_safety::classifier::PromptClassifier;
use kinora_train::video::eval::{JudgeTable, judge_frames};
use kinora_train::video::schema::scene_labels;
use kinora_train::video::text_train::WrittenPrompts;
use kinora_world::rng::mix;
use kinora_world::sample::{Split, sample_scene};
use kinora_world::text::describe;
use std::path::{Path, PathBuf};

/// Prompts judged (the first of `train-video eval`'s 200).
const PROMPTS: u64 = 24;
/// `train-video eval`'s default seed.
const SEED: u64 = 9000;

/// The shipped model of *this* checkout (the runtime manifest dir: a test binary reused
/// from another clone sharing the cargo target dir must not read that clone's model).
fn shipped_model() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf())
        .join("../public/models/kinora-video")
}

fn load(dir: &Path) -> VideoModel {
    VideoModel::from_dir(dir, &kinora_engine::device::cpu_device())
        .expect("the shipped model loads")
}

#[test]
fn the_shipped_model_keeps_its_judge_scores_on_held_out_compositions() {
    let model = load(&shipped_model());
    let words = PromptClassifier::builtin_word_vectors().expect("word vectors");
    let mut table = JudgeTable::default();
    for i in 0..PROMPTS {
        let s = mix(SEED ^ i);
        let scene = sample_scene(s, Split::HeldOut);
        let settings = GenerateSettings {
            sampler: SamplerSettings {
                seed: s,
                ..SamplerSettings::default()
            },
            ..GenerateSettings::default()
        };
        let video = model
            .generate(&describe(&scene, s), &settings, &words, |_| true)
            .expect("generates");
        table.add(&scene, &judge_frames(&video.frames, video.width, video.fps));
    }
    let rows = table.rows();
    let score = |name: &str| {
        rows.iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| *v)
            .unwrap_or_default()
    };
    eprintln!("{rows:?}");
    // Each pin leaves two clips of margin below v5's own score on these 24 (CPU backend)
    // for float differences between platforms, no more. (Measured on another machine on
    // 2026-12-07: motion 17 of 24, persistence 16 of 24 — one clip each way.)
    assert!(score("object colour") >= PIN_COLOUR, "{rows:?}");
    assert!(score("motion direction") >= PIN_MOTION, "{rows:?}");
    assert!(score("camera direction") >= PIN_CAMERA, "{rows:?}");
    assert!(score("object persistence") >= PIN_PERSISTENCE, "{rows:?}");
    assert!(score("mean flicker (levels)") <= PIN_FLICKER, "{rows:?}");
}

/// 24 of 24 with the attribute reader (v5: 23); the pin allows 22.
const PIN_COLOUR: f32 = 91.0;
/// 23 of 24 with the attribute reader (95.8%); the pin allows 21. Before it, the mixed
/// int4 manifest (planner and audio at int8): 20 of 24 (22 with the int8 manifest, planner v5.3 and object layer v5.1; 21 with v5's layer, 19 with v5.2, 18
/// with the 2 s planner, 16 before the camera layer).
const PIN_MOTION: f32 = 87.0;
/// 24 of 24 with the attribute reader and the mixed int4 manifest (23 at int8; 24 with the 2 s planner; before
/// the camera layer the DiT moved the plate itself and the judge read the asked direction
/// ~40% of the time); the pin allows 22.
const PIN_CAMERA: f32 = 91.0;
/// 20 of 24 with the attribute reader (83.3%), 21 with the mixed int4 manifest (20 at int8 with the still plate, 19
/// with object layer v5.1 before it, 20 with v5's layer, 22 with v5.2, 20 with the 2 s
/// planner, 17 before the camera layer); the pin allows 18.
const PIN_PERSISTENCE: f32 = 74.0;
/// 0.60 levels with the attribute reader, 0.66 with the mixed int4 manifest (0.57 at int8 with the still plate, 1.8
/// before it; 3.9 before the camera layer).
const PIN_FLICKER: f32 = 1.0;

/// The shipped model reads prompts people wrote without seeing the world's grammar: how
/// often its attribute reader names the first object's colour, kind and motion and the
/// camera in both free-text test sets (the reading alone, no clip: a second).
#[test]
fn the_shipped_model_reads_free_text() {
    let model = load(&shipped_model());
    let words = PromptClassifier::builtin_word_vectors().expect("word vectors");
    let schema = &model.config.schema;
    // Where each asked group sits: its index (in `scene_labels` order) and first logit.
    let asked: Vec<(&str, usize, usize)> =
        ["object1_colour", "object1_kind", "object1_motion", "camera"]
            .into_iter()
            .map(|name| {
                let i = schema.iter().position(|g| g.name == name).expect("group");
                (name, i, schema[..i].iter().map(|g| g.labels.len()).sum())
            })
            .collect();
    for (file, pins) in [
        ("free-text-prompts.tsv", PIN_READ_FREE_TEXT),
        ("free-text-prompts-2.tsv", PIN_READ_FREE_TEXT_2),
    ] {
        let path = shipped_model().join("../../../world/tests/data").join(file);
        let prompts = WrittenPrompts::read(&path).expect("free-text prompts");
        let mut right = [0usize; 4];
        for (prompt, scene) in &prompts.pairs {
            let (encoding, _) = model.encode_text(&[prompt.as_str()], &words);
            let logits = kinora_engine::models::pipeline::to_vec(encoding.logits);
            let labels = scene_labels(scene);
            for (k, &(_, group, start)) in asked.iter().enumerate() {
                let row = &logits[start..start + schema[group].labels.len()];
                let best = (0..row.len()).fold(0, |b, i| if row[i] > row[b] { i } else { b });
                right[k] += usize::from(best == labels[group]);
            }
        }
        eprintln!("{file}: colour, kind, motion, camera read right {right:?}");
        for (k, (name, _, _)) in asked.iter().enumerate() {
            assert!(
                right[k] >= pins[k],
                "{file}: {name} read right {} < {}",
                right[k],
                pins[k]
            );
        }
    }
}

/// Colour, kind, motion and camera read right of the 120 prompts of
/// `free-text-prompts.tsv`: 119, 119, 112, 108 with the attribute reader (the text
/// encoder alone read 116, 120, 94, 87); the pins allow three fewer.
const PIN_READ_FREE_TEXT: [usize; 4] = [116, 116, 109, 105];
/// The same of the 150 of `free-text-prompts-2.tsv`: 146, 150, 128, 117 (the text
/// encoder alone 137, 141, 93, 100); the pins allow three fewer.
const PIN_READ_FREE_TEXT_2: [usize; 4] = [143, 147, 125, 114];

/// The shipped audio model on the world's own picture of the first 24 held-out scenes of
/// `train-audio eval` (same seeds): the bed the prompt names, and sounds at the contacts.
#[test]
fn the_shipped_audio_model_keeps_its_judge_scores_on_held_out_scenes() {
    use kinora_engine::models::audio::AudioSettings;
    use kinora_train::audio::data::{render_config, scene_without_line};
    use kinora_train::audio::judge::AudioTable;
    use kinora_train::audio::scene::scene_sound;

    let model = load(&shipped_model());
    let (Some(dit), Some(config)) = (&model.audio, &model.config.audio) else {
        panic!("the shipped model has sound");
    };
    let words = PromptClassifier::builtin_word_vectors().expect("word vectors");
    let cfg = render_config(2.0);
    let mut table = AudioTable::default();
    for i in 0..PROMPTS {
        let seed = mix(0xE7A1_0000 + i);
        let scene = scene_without_line(seed, Split::HeldOut);
        let clip = kinora_world::clip::make_clip(&scene, seed, &cfg);
        let audio = scene_sound(
            &model,
            &words,
            dit,
            config,
            &scene,
            seed,
            2.0,
            &AudioSettings::default(),
        )
        .samples;
        table.add(&scene, &clip.frames, cfg.fps, &audio, cfg.sample_rate);
    }
    eprintln!("{}", table.summary());
    assert!(table.ambient_correct >= PIN_AMBIENT, "{}", table.summary());
    assert!(
        table.contacts_heard * 100 >= PIN_HEARD_PERCENT * table.contacts,
        "{}",
        table.summary()
    );
}
/// Audio v3 (int8): 16 of 24 beds heard as asked (v2: 16); the pin allows 14.
const PIN_AMBIENT: usize = 14;
/// Audio v3 (int8): 10 of 20 visual contacts (50%) have a sound within 150 ms (v2: 13;
/// v3 makes fewer onsets of its own — sounds without a contact in quiet beds 67 → 15% on
/// 200 scenes — and hears fewer of the world picture's contacts, 78.8 → 69.2%, while on
/// the video model's own clips it hears more, 81.4 → 90.2%); the pin allows 8 of 20.
const PIN_HEARD_PERCENT: usize = 40;

/// The shipped audio model's speech on the world's own picture of the first
/// [`SPEAKING_SCENES`] held-out scenes of `train-audio speech` (the world's lines, never
/// trained on): the syllables heard against the line's, and the mouth–voice lag.
#[test]
fn the_shipped_audio_model_voices_held_out_lines() {
    use kinora_engine::models::audio::AudioSettings;
    use kinora_train::audio::data::{render_config, speaking_scenes};
    use kinora_train::audio::judge::{SpeechTable, asked_syllables};
    use kinora_train::audio::scene::scene_sound;

    let model = load(&shipped_model());
    let (Some(dit), Some(config)) = (&model.audio, &model.config.audio) else {
        panic!("the shipped model has sound");
    };
    let words = PromptClassifier::builtin_word_vectors().expect("word vectors");
    let cfg = render_config(2.0);
    let mut table = SpeechTable::default();
    for (seed, scene) in speaking_scenes().take(SPEAKING_SCENES) {
        let asked = asked_syllables(&describe(&scene, seed)).expect("the prompt quotes the line");
        let clip = kinora_world::clip::make_clip(&scene, seed, &cfg);
        let settings = AudioSettings::default();
        let audio = scene_sound(&model, &words, dit, config, &scene, seed, 2.0, &settings).samples;
        table.add(&clip.frames, cfg.fps, &audio, cfg.sample_rate, &asked);
    }
    eprintln!("{}", table.summary());
    assert!(table.within_one >= PIN_SYLLABLES, "{}", table.summary());
    assert!(table.lags.len() >= PIN_LIP_LAGS, "{}", table.summary());
    let mut abs: Vec<f32> = table.lags.iter().map(|l| l.abs()).collect();
    abs.sort_by(f32::total_cmp);
    assert!(abs[abs.len() / 2] <= PIN_LIP_LAG_MS, "{}", table.summary());
}
/// Speaking scenes judged.
const SPEAKING_SCENES: usize = 12;
/// Audio v3 (int8): 11 of 12 lines heard within ±1 syllable (v2, which did not speak: 28%
/// of 60); the pin allows 9.
const PIN_SYLLABLES: usize = 9;
/// Audio v3 (int8): the judge finds the mouth–voice lag in 12 of 12; the pin allows 10.
const PIN_LIP_LAGS: usize = 10;
/// Audio v3 (int8): median |lag| 10 ms (the issue asks ≤ 60); the pin allows 40.
const PIN_LIP_LAG_MS: f32 = 40.0;
