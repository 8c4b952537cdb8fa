//! The judge's structured report and the overall prompt-adherence score.
//!
//! The score compares what the judge *saw* with what the *prompt asked for* (a parsed
//! scene); it never looks at how the clip was made.

use super::audio::{AmbientFeatures, AmbientLabel};
use super::flow::CameraEstimate;
use super::track::{MotionLabel, Track};
use crate::scene::Scene;

/// Per-clip judge report.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Report {
    /// Camera motion.
    pub camera: CameraEstimate,
    /// One entry per detected object.
    pub objects: Vec<Track>,
    /// Flicker: the largest per-region brightness jump of the background against its
    /// temporal median (0..255 levels).
    pub flicker: f32,
    /// Frames that repeat the previous frame while the clip is otherwise moving.
    pub dropped_frames: Vec<usize>,
    /// Audio onsets in seconds.
    pub audio_onsets: Vec<f32>,
    /// Visual contact times matched to an onset: (visual s, audio − visual ms).
    pub av_pairs: Vec<(f32, f32)>,
    /// Median audio − visual offset in ms, if any contact was matched.
    pub av_offset_ms: Option<f32>,
    /// Ambient class.
    pub ambient: AmbientLabel,
    /// Ambient features (for inspection).
    pub ambient_features: AmbientFeatures,
    /// Speech vs mouth: (audio lag in ms that best aligns loudness with mouth opening,
    /// correlation at that lag), when a character's mouth visibly moves.
    pub lip_lag: Option<(f32, f32)>,
}

/// Thresholds that turn measurements into fault flags.
pub mod limits {
    /// Flicker above this (levels) is a fault.
    pub const FLICKER: f32 = 6.0;
    /// |AV offset| above this (ms) is a fault.
    pub const AV_MS: f32 = 40.0;
}

impl Report {
    /// True when flicker exceeds the limit.
    pub fn flickers(&self) -> bool {
        self.flicker > limits::FLICKER
    }

    /// True when some object vanished or popped in.
    pub fn persistence_fault(&self) -> bool {
        self.objects
            .iter()
            .any(|o| !o.vanished.is_empty() || !o.popped_in.is_empty())
    }

    /// True when the soundtrack is out of sync with visual contacts.
    pub fn av_fault(&self) -> bool {
        self.av_offset_ms.is_some_and(|m| m.abs() > limits::AV_MS)
    }

    /// Prompt adherence in 0..=1: matched objects (colour, class, motion), camera, ambient,
    /// minus penalties for detected faults.
    pub fn adherence(&self, prompt: &Scene) -> f32 {
        let mut got = 0.0f32;
        let mut total = 0.0f32;
        for o in &prompt.objects {
            total += 3.0;
            if let Some(t) = self.objects.iter().find(|t| t.colour == o.colour) {
                got += 1.0;
                got += (t.kind == o.kind) as u8 as f32;
                got += (t.motion == MotionLabel::expected(o.motion)) as u8 as f32;
            }
        }
        // Objects that were not asked for.
        let extra = self
            .objects
            .iter()
            .filter(|t| !prompt.objects.iter().any(|o| o.colour == t.colour))
            .count();
        total += extra as f32;
        total += 2.0;
        got += (self.camera.motion == prompt.camera.motion) as u8 as f32;
        got += (self.camera.speed == prompt.camera.speed) as u8 as f32;
        total += 1.0;
        got += (self.ambient == AmbientLabel::expected(prompt.ambient)) as u8 as f32;
        let faults = self.flickers() as u8
            + self.persistence_fault() as u8
            + self.av_fault() as u8
            + (!self.dropped_frames.is_empty()) as u8;
        ((got / total.max(1.0)) * (1.0 - 0.15 * faults as f32)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use crate::clip::make_clip;
    use crate::render::RenderConfig;
    use crate::sample::{Split, sample_scene};

    #[test]
    fn adherence_prefers_the_right_prompt() {
        let cfg = RenderConfig::default();
        let scene = sample_scene(21, Split::Any);
        let clip = make_clip(&scene, 21, &cfg);
        let r = super::super::judge(&clip.frames, cfg.fps, &clip.audio, cfg.sample_rate);
        let mut wrong = scene.clone();
        for o in &mut wrong.objects {
            o.colour = if o.colour == crate::scene::Colour::Red {
                crate::scene::Colour::Blue
            } else {
                crate::scene::Colour::Red
            };
            o.motion = crate::scene::Motion::Orbit;
        }
        wrong.camera.motion = crate::scene::CameraMotion::ZoomOut;
        let (good, bad) = (r.adherence(&scene), r.adherence(&wrong));
        assert!(good > 0.7 && good > bad + 0.3, "good {good} bad {bad}");
    }
}
