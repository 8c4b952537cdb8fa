//! Judge validation: render world clips, judge them from pixels and audio, and compare with
//! the ground truth; inject faults and count which ones the judge catches.

use crate::clip::make_clip;
use crate::faults::{Fault, eligible, inject};
use crate::judge::audio::AmbientLabel;
use crate::judge::judge;
use crate::judge::track::MotionLabel;
use crate::render::RenderConfig;
use crate::sample::{Split, sample_scene};
use std::collections::BTreeMap;

/// Counts of one attribute: correct / total and a confusion map "truth → predicted".
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Tally {
    /// Correct predictions.
    pub correct: usize,
    /// Total cases.
    pub total: usize,
    /// Confusions (`truth -> predicted`: count), errors only.
    pub confusions: BTreeMap<String, usize>,
}

impl Tally {
    fn add(&mut self, truth: String, pred: String) {
        self.total += 1;
        if truth == pred {
            self.correct += 1;
        } else {
            *self
                .confusions
                .entry(format!("{truth} -> {pred}"))
                .or_default() += 1;
        }
    }

    /// Accuracy in 0..=1.
    pub fn accuracy(&self) -> f32 {
        self.correct as f32 / self.total.max(1) as f32
    }
}

/// Fault detection counts.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct FaultTally {
    /// Eligible clips with the fault injected.
    pub injected: usize,
    /// Of those, flagged by the judge.
    pub detected: usize,
    /// Clean clips on which the same flag fired anyway.
    pub false_alarms: usize,
    /// Clean clips checked.
    pub clean: usize,
}

/// Everything the validation measures.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Validation {
    /// Clips judged.
    pub clips: usize,
    /// Object colour (found among tracks).
    pub colour: Tally,
    /// Object class (for objects whose colour was found).
    pub class: Tally,
    /// Object colour and class both right.
    pub class_and_colour: Tally,
    /// Motion label (for found objects).
    pub motion: Tally,
    /// Camera motion.
    pub camera: Tally,
    /// Camera speed (moving cameras).
    pub camera_speed: Tally,
    /// Ambient class.
    pub ambient: Tally,
    /// Tracks whose colour is not in the scene.
    pub spurious_objects: usize,
    /// All matched audio − visual offsets (ms).
    pub av_offsets_ms: Vec<f32>,
    /// Clips with ground-truth contacts.
    pub clips_with_contacts: usize,
    /// Of those, clips where at least one contact was matched.
    pub clips_with_av_match: usize,
    /// Per fault.
    pub faults: BTreeMap<String, FaultTally>,
    /// Clips where a character speaks.
    pub speech_clips: usize,
    /// Lip-sync lags (ms) measured on clean speech clips.
    pub lip_lags_ms: Vec<f32>,
    /// Lip-sync lags (ms) measured on the same clips with audio delayed by 80 ms.
    pub lip_lags_shifted_ms: Vec<f32>,
}

impl Validation {
    /// Median |AV offset| in ms.
    pub fn av_median_abs_ms(&self) -> f32 {
        let mut v: Vec<f32> = self.av_offsets_ms.iter().map(|x| x.abs()).collect();
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f32::NAN)
    }

    fn merge(&mut self, o: Validation) {
        self.clips += o.clips;
        for (a, b) in [
            (&mut self.colour, o.colour),
            (&mut self.class, o.class),
            (&mut self.class_and_colour, o.class_and_colour),
            (&mut self.motion, o.motion),
            (&mut self.camera, o.camera),
            (&mut self.camera_speed, o.camera_speed),
            (&mut self.ambient, o.ambient),
        ] {
            a.correct += b.correct;
            a.total += b.total;
            for (k, v) in b.confusions {
                *a.confusions.entry(k).or_default() += v;
            }
        }
        self.spurious_objects += o.spurious_objects;
        self.av_offsets_ms.extend(o.av_offsets_ms);
        self.clips_with_contacts += o.clips_with_contacts;
        self.clips_with_av_match += o.clips_with_av_match;
        self.speech_clips += o.speech_clips;
        self.lip_lags_ms.extend(o.lip_lags_ms);
        self.lip_lags_shifted_ms.extend(o.lip_lags_shifted_ms);
        for (k, v) in o.faults {
            let e = self.faults.entry(k).or_default();
            e.injected += v.injected;
            e.detected += v.detected;
            e.false_alarms += v.false_alarms;
            e.clean += v.clean;
        }
    }
}

fn flagged(f: Fault, r: &crate::judge::Report) -> bool {
    match f {
        Fault::FrameDrop => !r.dropped_frames.is_empty(),
        Fault::ObjectDeletion => r.persistence_fault(),
        Fault::Flicker => r.flickers(),
        Fault::AudioShift => r.av_fault(),
    }
}

fn validate_one(seed: u64, split: Split, cfg: &RenderConfig, faults: bool) -> Validation {
    let mut v = Validation {
        clips: 1,
        ..Default::default()
    };
    let scene = sample_scene(seed, split);
    let clip = make_clip(&scene, seed, cfg);
    let r = judge(&clip.frames, cfg.fps, &clip.audio, cfg.sample_rate);
    if std::env::var_os("KINORA_WORLD_DEBUG").is_some() {
        let gt: Vec<String> = scene
            .objects
            .iter()
            .map(|o| format!("{:?}/{:?}/{:?}", o.colour, o.kind, o.motion))
            .collect();
        let det: Vec<String> = r
            .objects
            .iter()
            .map(|t| {
                format!(
                    "{:?}/{:?}/{:?} shape=({:.2},{:.2},{:.2},{:.2},{:.2})",
                    t.colour,
                    t.kind,
                    t.motion,
                    t.shape.0,
                    t.shape.1,
                    t.shape.2,
                    t.shape.3,
                    t.shape.4
                )
            })
            .collect();
        eprintln!(
            "seed {seed} cam {:?}->{:?} ({:.3},{:.3},{:.3}) amb {:?}->{:?} {:?}\n  gt {gt:?}\n  det {det:?}",
            scene.camera,
            r.camera.motion,
            r.camera.pan_rate,
            r.camera.tilt_rate,
            r.camera.zoom_rate,
            scene.ambient,
            r.ambient,
            r.ambient_features
        );
    }
    for o in &scene.objects {
        let t = r.objects.iter().find(|t| t.colour == o.colour);
        v.colour.add(
            o.colour.name().into(),
            if t.is_some() {
                o.colour.name().into()
            } else {
                "missing".into()
            },
        );
        let Some(t) = t else {
            v.class_and_colour
                .add(format!("{:?}", o.kind), "missing".into());
            continue;
        };
        v.class
            .add(format!("{:?}", o.kind), format!("{:?}", t.kind));
        v.class_and_colour
            .add(format!("{:?}", o.kind), format!("{:?}", t.kind));
        v.motion.add(
            format!("{:?}", MotionLabel::expected(o.motion)),
            format!("{:?}", t.motion),
        );
    }
    v.spurious_objects = r
        .objects
        .iter()
        .filter(|t| !scene.objects.iter().any(|o| o.colour == t.colour))
        .count();
    v.camera.add(
        format!("{:?}", scene.camera.motion),
        format!("{:?}", r.camera.motion),
    );
    if scene.camera.motion != crate::scene::CameraMotion::Static
        && r.camera.motion == scene.camera.motion
    {
        v.camera_speed.add(
            format!("{:?}", scene.camera.speed),
            format!("{:?}", r.camera.speed),
        );
    }
    v.ambient.add(
        format!("{:?}", AmbientLabel::expected(scene.ambient)),
        format!("{:?}", r.ambient),
    );
    if !clip.contacts.is_empty() {
        v.clips_with_contacts = 1;
        v.clips_with_av_match = (!r.av_pairs.is_empty()) as usize;
    }
    v.av_offsets_ms = r.av_pairs.iter().map(|p| p.1).collect();
    if scene.speaker().is_some() {
        v.speech_clips = 1;
        v.lip_lags_ms.extend(r.lip_lag.map(|l| l.0));
        if faults {
            let bad = inject(Fault::AudioShift, &clip, &scene, seed, cfg);
            let rb = judge(&bad.frames, cfg.fps, &bad.audio, cfg.sample_rate);
            v.lip_lags_shifted_ms.extend(rb.lip_lag.map(|l| l.0));
        }
    }
    if faults {
        for f in Fault::ALL {
            let e = v.faults.entry(format!("{f:?}")).or_default();
            e.clean = 1;
            e.false_alarms = flagged(f, &r) as usize;
            if eligible(f, &scene, seed, cfg, &clip) {
                let bad = inject(f, &clip, &scene, seed, cfg);
                let rb = judge(&bad.frames, cfg.fps, &bad.audio, cfg.sample_rate);
                e.injected = 1;
                e.detected = flagged(f, &rb) as usize;
            }
        }
    }
    v
}

/// Validate on `n` clips (seeds `first..first + n`) using `threads` workers. With `faults`,
/// each clip is also judged once per injected fault.
pub fn validate(
    first: u64,
    n: u64,
    split: Split,
    cfg: &RenderConfig,
    threads: usize,
    faults: bool,
) -> Validation {
    let next = std::sync::atomic::AtomicU64::new(first);
    let parts: Vec<Validation> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| {
                    let mut acc = Validation::default();
                    loop {
                        let seed = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if seed >= first + n {
                            return acc;
                        }
                        acc.merge(validate_one(seed, split, cfg, faults));
                    }
                })
            })
            .collect();
        hs.into_iter().filter_map(|h| h.join().ok()).collect()
    });
    let mut total = Validation::default();
    for p in parts {
        total.merge(p);
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_counts_confusions() {
        let mut t = Tally::default();
        t.add("Ball".into(), "Ball".into());
        t.add("Ball".into(), "Cube".into());
        assert_eq!((t.correct, t.total), (1, 2));
        assert_eq!(t.confusions.get("Ball -> Cube"), Some(&1));
        assert!((t.accuracy() - 0.5).abs() < 1e-6);
    }
}
