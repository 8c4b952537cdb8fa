//! Training clips for the audio model: the world's soundtrack of a scene (impacts at the
//! contacts, the ambient bed) as log-magnitude frames, with the objects' tracks the
//! picture shows and the prompt. Rendered in memory (no frames are drawn, so thousands of
//! 4 s clips take seconds); windows of [`WINDOW_TOKENS`] tokens are cut from them at random
//! offsets so the model sees every phase of the bed's rhythm.

use crate::video::schema::{decoder_features, scene_labels};
use crate::video::trajectory::world_trajectory;
use kinora_engine::models::audio::FRAMES_PER_TOKEN;
use kinora_engine::models::layout::Trajectory;
use kinora_engine::models::spectrum::{BINS, HOP, Stft};
use kinora_engine::models::speech::{Syllable, schedule, spoken_line};
use kinora_engine::models::text::AttributeGroup;
use kinora_world::audio::synth;
use kinora_world::physics::Plan;
use kinora_world::render::RenderConfig;
use kinora_world::rng::{Rng, mix};
use kinora_world::sample::{Split, sample_scene};
use kinora_world::scene::{Ambient, Key, Kind, Scene};
use kinora_world::text::describe;

/// Seconds of each rendered training clip.
pub const CLIP_SECONDS: f32 = 4.0;
/// Tokens per training window (2 s).
pub const WINDOW_TOKENS: usize = 100;
/// Video frame rate of the tracks.
pub const FPS: u32 = 12;
/// Audio sample rate.
pub const SAMPLE_RATE: u32 = 24_000;

/// The sound attributes the audio model reads from the text, in logit order: the bed's
/// kind and its key (labels as the world's serde names; "none" first).
pub fn sound_schema() -> Vec<AttributeGroup> {
    let group = |name: &str, labels: &[&str]| AttributeGroup {
        name: name.to_string(),
        labels: labels.iter().map(|l| l.to_string()).collect(),
    };
    vec![
        group(
            "ambient",
            &["none", "guitar", "piano", "wind", "rain", "birds"],
        ),
        group("key", &["none", "c", "d", "e", "f", "g", "a"]),
    ]
}

/// A scene's label index in each group of [`sound_schema`].
pub fn sound_labels(scene: &Scene) -> Vec<usize> {
    let key = |k: Key| match k {
        Key::C => 1,
        Key::D => 2,
        Key::E => 3,
        Key::F => 4,
        Key::G => 5,
        Key::A => 6,
    };
    match scene.ambient {
        Ambient::None => vec![0, 0],
        Ambient::Guitar(k) => vec![1, key(k)],
        Ambient::Piano(k) => vec![2, key(k)],
        Ambient::Wind => vec![3, 0],
        Ambient::Rain => vec![4, 0],
        Ambient::Birds => vec![5, 0],
    }
}

/// One rendered clip.
pub struct AudioClip {
    /// The scene (in training, a speaking character says a made-up line: see
    /// [`scene_of`]).
    pub scene: Scene,
    /// Its seed.
    pub seed: u64,
    /// A paraphrase of the scene.
    pub prompt: String,
    /// The objects' tracks at [`FPS`].
    pub plan: Trajectory,
    /// Per-slot colour/kind one-hots (what the text encoder's probabilities approximate).
    pub objects: Vec<Vec<f32>>,
    /// Log-magnitude frames, `frames × BINS`.
    pub log_mags: Vec<f32>,
    /// The spoken line's syllables as generation reads them from the prompt (empty: none).
    pub speech: Vec<Syllable>,
}

impl AudioClip {
    /// STFT frames.
    pub fn frames(&self) -> usize {
        self.log_mags.len() / BINS
    }

    /// Tokens.
    pub fn tokens(&self) -> usize {
        self.frames() / FRAMES_PER_TOKEN
    }
}

/// The world's render settings for an audio clip of `seconds`.
pub fn render_config(seconds: f32) -> RenderConfig {
    RenderConfig {
        duration: seconds,
        ..RenderConfig::default()
    }
}

/// Share of training scenes with a character in which it speaks.
pub const SPEAKING_SHARE: f32 = 0.8;

/// The scene of `seed` in `split`. In the training split a character speaks more often
/// than the world's 60%, and says a made-up line (random words of random syllables), so
/// the model learns every vowel after every consonant rather than the world's eight lines,
/// which stay held out.
pub fn scene_of(seed: u64, split: Split) -> Scene {
    let mut scene = sample_scene(seed, split);
    if split == Split::Train && scene.objects.iter().any(|o| o.kind == Kind::Character) {
        let mut rng = Rng::new(mix(seed ^ 0x5BEE_C400));
        scene.speech = rng.chance(SPEAKING_SHARE).then(|| made_up_line(&mut rng));
    }
    scene
}

/// The scene of `seed` in `split` with its line (if any) left out: what the contact and
/// bed rows are measured on, as they were before the model spoke, so they stay comparable
/// (`train-audio speech` measures the lines).
pub fn scene_without_line(seed: u64, split: Split) -> Scene {
    let mut scene = scene_of(seed, split);
    scene.speech = None;
    scene
}

/// Held-out scenes whose character says one of the world's lines (never trained on),
/// with their seeds: the scenes `train-audio speech` and its CI pin judge, in order.
pub fn speaking_scenes() -> impl Iterator<Item = (u64, Scene)> {
    (0u64..)
        .map(|i| mix(0x5BEE_0000 + i))
        .map(|seed| (seed, scene_of(seed, Split::HeldOut)))
        .filter(|(_, scene)| scene.speaker().is_some())
}

/// A line of 1–4 made-up words of 1–3 syllables each, at most 9 syllables (it ends
/// within 3.3 s, inside a 4 s training clip).
pub fn made_up_line(rng: &mut Rng) -> String {
    const ONSETS: [&str; 18] = [
        "b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w", "z", "sh", "",
    ];
    const NUCLEI: [&str; 9] = ["a", "e", "i", "o", "u", "ee", "oo", "ay", "y"];
    const CODAS: [&str; 6] = ["", "", "n", "t", "s", "m"];
    let mut words = Vec::new();
    let mut syllables = 0;
    for _ in 0..1 + rng.index(4) {
        let n = (1 + rng.index(3)).min(9 - syllables);
        if n == 0 {
            break;
        }
        let word: String = (0..n)
            .map(|_| {
                format!(
                    "{}{}{}",
                    rng.pick(&ONSETS),
                    rng.pick(&NUCLEI),
                    rng.pick(&CODAS)
                )
            })
            .collect();
        syllables += n;
        words.push(word);
    }
    words.join(" ")
}

/// The soundtrack of a scene (the world's synth on the same plan the tracks come from).
pub fn soundtrack(scene: &Scene, seed: u64, seconds: f32) -> Vec<f32> {
    let cfg = render_config(seconds);
    let plan = Plan::new(scene, seed, seconds, 1.0);
    synth(scene, &plan, seed, &cfg)
}

/// Renders the clip of `seed`.
pub fn render(stft: &Stft, seed: u64, split: Split, seconds: f32) -> AudioClip {
    let scene = scene_of(seed, split);
    let audio = soundtrack(&scene, seed, seconds);
    let frames = audio.len() / HOP;
    let video_frames = (seconds * FPS as f32).round() as usize;
    let prompt = describe(&scene, seed);
    AudioClip {
        speech: spoken_line(&prompt)
            .map(|l| schedule(&l))
            .unwrap_or_default(),
        prompt,
        plan: world_trajectory(&scene, seed, video_frames, FPS),
        objects: decoder_features(&scene_labels(&scene)),
        log_mags: stft.log_magnitudes(&audio, frames),
        scene,
        seed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinora_engine::models::speech::{VOWELS, line_end, schedule, spoken_line};

    #[test]
    fn a_clip_has_whole_tokens_and_tracks_for_its_length() {
        let stft = Stft::new();
        let c = render(&stft, 3, Split::Train, CLIP_SECONDS);
        assert_eq!(c.frames(), 400);
        assert_eq!(c.tokens(), 200);
        assert_eq!(c.plan.frames, 48);
        assert!(c.log_mags.iter().all(|v| v.is_finite()));
    }

    /// Generation reads the line from the prompt and times it itself
    /// ([`kinora_engine::models::speech`]); what it reads must be what the world voiced,
    /// or the model would learn speech that its features do not say.
    #[test]
    fn the_engines_line_and_timing_are_the_worlds() {
        let mut speaking = 0;
        for seed in 0..400u64 {
            for split in [Split::Train, Split::HeldOut] {
                let scene = scene_of(seed, split);
                let read = spoken_line(&describe(&scene, seed));
                assert_eq!(read, scene.speech, "{split:?} {seed}");
                let Some(line) = &scene.speech else { continue };
                speaking += 1;
                let ours = schedule(line);
                let worlds = kinora_world::speech::schedule(line);
                assert_eq!(ours.len(), worlds.len(), "{line}");
                for (a, b) in ours.iter().zip(&worlds) {
                    assert!((a.start - b.start).abs() < 1e-4 && (a.dur - b.dur).abs() < 1e-6);
                    assert_eq!(VOWELS[a.vowel], b.vowel, "{line}");
                    assert_eq!(a.onset, b.onset);
                }
                assert!(line_end(&ours) < CLIP_SECONDS - 0.5, "{line}");
            }
        }
        assert!(speaking > 100, "{speaking} speaking scenes");
    }

    #[test]
    fn every_bed_has_its_labels() {
        let schema = sound_schema();
        for seed in 0..200 {
            let scene = scene_of(seed, Split::Any);
            let l = sound_labels(&scene);
            assert_eq!(l.len(), schema.len());
            let kind = &schema[0].labels[l[0]];
            let has_key = matches!(scene.ambient, Ambient::Guitar(_) | Ambient::Piano(_));
            assert_eq!(l[1] > 0, has_key, "{kind}");
        }
    }

    /// The track reader ([`kinora_engine::models::contacts`]) against the world's own
    /// contacts, on held-out scenes: what it finds is what the soundtrack has.
    #[test]
    fn contacts_read_off_tracks_match_the_worlds() {
        use kinora_engine::models::contacts::detect;
        let (mut truths, mut found_right, mut found) = (0usize, 0usize, 0usize);
        let mut errors = Vec::new();
        for seed in 0..300u64 {
            let scene = scene_of(seed, Split::HeldOut);
            let frames = (CLIP_SECONDS * FPS as f32) as usize;
            let track = world_trajectory(&scene, seed, frames, FPS);
            let plan = Plan::new(&scene, seed, CLIP_SECONDS, 1.0);
            let got = detect(&track, FPS);
            // Contacts the reader can see: away from the clip's ends, object in view.
            let visible = |t: f32, slot: usize| {
                let f = t * FPS as f32;
                f > 2.0
                    && f < frames as f32 - 3.0
                    && (f as usize - 2..=f as usize + 3).all(|i| track.at(i, slot).presence > 0.5)
            };
            for c in plan.contacts.iter().filter(|c| visible(c.time, c.object)) {
                truths += 1;
                let nearest = got
                    .iter()
                    .filter(|g| g.slot == c.object)
                    .map(|g| (g.time - c.time).abs())
                    .fold(f32::INFINITY, f32::min);
                if nearest < 0.05 {
                    errors.push(nearest);
                }
            }
            for g in &got {
                found += 1;
                let true_contact = plan.contacts.iter().any(|c| (c.time - g.time).abs() < 0.05);
                found_right += usize::from(true_contact);
            }
        }
        errors.sort_by(f32::total_cmp);
        let recall = errors.len() as f32 / truths as f32;
        let precision = found_right as f32 / found as f32;
        let median = errors[errors.len() / 2];
        println!(
            "{truths} visible contacts: recall {recall:.3}, precision {precision:.3} of {found}, median error {:.1} ms",
            1000.0 * median
        );
        assert!(truths > 100);
        // Measured: 283 contacts, recall 0.982, precision 0.955, median error 1.7 ms.
        assert!(recall >= 0.95 && precision >= 0.9 && median < 0.005);
    }
}
