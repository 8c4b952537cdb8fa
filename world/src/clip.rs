//! A rendered clip: frames plus the sample-aligned soundtrack, made from (scene, seed).

use crate::audio::synth;
use crate::physics::{Contact, Plan};
use crate::render::{Frame, HideFn, RenderConfig, render_frame};
use crate::scene::Scene;

/// Frames, audio and (for debugging and fault injection only) the contacts that were planned.
#[derive(Debug, Clone)]
pub struct Clip {
    /// Video frames.
    pub frames: Vec<Frame>,
    /// Mono audio in −1..1 at `cfg.sample_rate`.
    pub audio: Vec<f32>,
    /// Planned contacts (ground truth; the judge never sees these).
    pub contacts: Vec<Contact>,
}

/// Render a clip.
pub fn make_clip(scene: &Scene, seed: u64, cfg: &RenderConfig) -> Clip {
    make_clip_with(scene, seed, cfg, None)
}

/// Render a clip, optionally hiding objects in some frames (fault injection).
pub fn make_clip_with(scene: &Scene, seed: u64, cfg: &RenderConfig, hide: Option<HideFn>) -> Clip {
    let plan = Plan::new(
        scene,
        seed,
        cfg.frames() as f32 / cfg.fps as f32,
        cfg.aspect(),
    );
    let frames = (0..cfg.frames())
        .map(|i| render_frame(scene, seed, &plan, cfg, i, hide))
        .collect();
    let audio = synth(scene, &plan, seed, cfg);
    Clip {
        frames,
        audio,
        contacts: plan.contacts.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{Split, sample_scene};

    #[test]
    fn audio_is_sample_aligned_and_contacts_in_clip() {
        let cfg = RenderConfig {
            width: 48,
            height: 48,
            ..RenderConfig::default()
        };
        let scene = sample_scene(12, Split::Any);
        let c = make_clip(&scene, 12, &cfg);
        assert_eq!(
            c.audio.len(),
            c.frames.len() * (cfg.sample_rate / cfg.fps) as usize
        );
        assert!(
            c.contacts
                .iter()
                .all(|k| k.time >= 0.0 && k.time <= cfg.duration)
        );
    }
}
