//! The audio model's soundtrack for a world scene's own picture: its prompt, its objects'
//! tracks and one-hot colour/kind — what `train-audio eval` and `seams` and the CI pin
//! judge, so that the sound is measured apart from the video model's errors.

use super::data::{FPS, render_config};
use crate::video::schema::{decoder_features, scene_labels};
use crate::video::trajectory::world_trajectory;
use kinora_engine::models::audio::{
    AudioDit, AudioModelConfig, AudioSettings, SoundContext, TextPart, sample_log_magnitudes,
    waveform,
};
use kinora_engine::models::pipeline::VideoModel;
use kinora_engine::models::spectrum::HOP;
use kinora_engine::models::speech::{schedule, spoken_line};
use kinora_engine::models::text::WordLookup;
use kinora_world::scene::Scene;
use kinora_world::text::describe;

/// A soundtrack made for a scene.
pub struct SceneSound {
    /// The prompt it was made from.
    pub prompt: String,
    /// The prompt's text condition (for reading the sound attributes).
    pub text: TextPart,
    /// Generated log-magnitude frames.
    pub log_mags: Vec<f32>,
    /// The waveform, loudness-normalized.
    pub samples: Vec<f32>,
    /// Its loudness (LUFS).
    pub lufs: f32,
}

/// The model's soundtrack of `seconds` for `scene` (seeded by `seed`, as its render).
#[allow(clippy::too_many_arguments)]
pub fn scene_sound(
    video: &VideoModel,
    words: &dyn WordLookup,
    dit: &AudioDit,
    config: &AudioModelConfig,
    scene: &Scene,
    seed: u64,
    seconds: f32,
    settings: &AudioSettings,
) -> SceneSound {
    let cfg = render_config(seconds);
    let prompt = describe(scene, seed);
    let plan = world_trajectory(scene, seed, cfg.frames(), FPS);
    let objects = decoder_features(&scene_labels(scene));
    let (text, null) = video.text_parts(&prompt, words);
    let samples = cfg.samples();
    let settings = AudioSettings { seed, ..*settings };
    // The line as generation reads it: from the prompt.
    let line = spoken_line(&prompt)
        .map(|l| schedule(&l))
        .unwrap_or_default();
    let log_mags = sample_log_magnitudes(
        dit,
        config,
        &SoundContext {
            text: &text,
            null_text: &null,
            plan: &plan,
            objects: &objects,
            fps: FPS,
            speech: &line,
        },
        samples / HOP,
        &settings,
        |_, _| true,
    )
    .unwrap_or_default();
    let (samples, lufs) = waveform(&log_mags, samples, &settings, config.sample_rate);
    SceneSound {
        prompt,
        text,
        log_mags,
        samples,
        lufs,
    }
}
