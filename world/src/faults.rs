//! Fault injection for judge validation: dropped frames, deleted objects, flicker and
//! shifted audio. Injection may use the scene (it is the test harness); detection may not.

use crate::clip::{Clip, make_clip_with};
use crate::physics::{Plan, half_extent};
use crate::render::RenderConfig;
use crate::scene::Scene;

/// Faults the validation injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fault {
    /// Two frames replaced by a repeat of their predecessor.
    FrameDrop,
    /// Object 0 removed for four frames mid-clip.
    ObjectDeletion,
    /// Two frames brightened by 16 levels.
    Flicker,
    /// Audio delayed by 80 ms.
    AudioShift,
}

impl Fault {
    /// All faults.
    pub const ALL: [Fault; 4] = [
        Fault::FrameDrop,
        Fault::ObjectDeletion,
        Fault::Flicker,
        Fault::AudioShift,
    ];
}

/// Frames where object 0 is deleted.
pub fn deletion_frames(cfg: &RenderConfig) -> std::ops::Range<usize> {
    let k = cfg.frames() / 2;
    k - 2..k + 2
}

/// Whether object `i` is fully inside the frame at frame `f` (so deleting it is visible).
pub fn fully_visible(scene: &Scene, seed: u64, cfg: &RenderConfig, i: usize, f: usize) -> bool {
    let aspect = cfg.aspect();
    let plan = Plan::new(scene, seed, cfg.frames() as f32 / cfg.fps as f32, aspect);
    let t = f as f32 / cfg.fps as f32;
    let p = plan.pose(i, t);
    let c = plan.camera(t, aspect);
    let o = &scene.objects[i];
    let (hw, hh) = half_extent(o.kind);
    let r = o.size.radius();
    let to_screen = |x: f32, y: f32| {
        (
            (x - c.x - 0.5 * aspect) * c.zoom + 0.5 * aspect,
            (y - c.y - 0.5) * c.zoom + 0.5,
        )
    };
    let (x0, y0) = to_screen(p.x - hw * r, p.y - hh * r - 0.3 * r);
    let (x1, y1) = to_screen(p.x + hw * r, p.y + hh * r);
    x0 > 0.03 && y0 > 0.03 && x1 < aspect - 0.03 && y1 < 0.97
}

/// Whether a fault can be observed at all in this clip: a deletion needs the object in
/// view around the deleted frames; an audio shift needs an impact to be heard.
pub fn eligible(fault: Fault, scene: &Scene, seed: u64, cfg: &RenderConfig, clean: &Clip) -> bool {
    match fault {
        Fault::FrameDrop | Fault::Flicker => true,
        Fault::ObjectDeletion => {
            let r = deletion_frames(cfg);
            (r.start - 1..=r.end).all(|f| fully_visible(scene, seed, cfg, 0, f))
        }
        Fault::AudioShift => {
            let d = cfg.frames() as f32 / cfg.fps as f32;
            clean
                .contacts
                .iter()
                .any(|c| c.time > 0.2 && c.time < d - 0.25)
        }
    }
}

/// Apply a fault to a clean clip (re-rendering where the fault is in the picture itself).
pub fn inject(fault: Fault, clean: &Clip, scene: &Scene, seed: u64, cfg: &RenderConfig) -> Clip {
    let mut c = clean.clone();
    let n = c.frames.len();
    match fault {
        Fault::FrameDrop => {
            for k in [n / 3, 2 * n / 3] {
                c.frames[k] = c.frames[k - 1].clone();
            }
        }
        Fault::ObjectDeletion => {
            let r = deletion_frames(cfg);
            let hide = move |obj: usize, f: usize| obj == 0 && r.contains(&f);
            c = make_clip_with(scene, seed, cfg, Some(&hide));
        }
        Fault::Flicker => {
            for k in [n / 3, n / 3 + 3] {
                for v in &mut c.frames[k].rgb {
                    *v = v.saturating_add(16);
                }
            }
        }
        Fault::AudioShift => {
            let s = (0.08 * cfg.sample_rate as f32) as usize;
            let mut a = vec![0.0; s];
            a.extend_from_slice(&c.audio[..c.audio.len() - s]);
            c.audio = a;
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clip::make_clip;
    use crate::sample::{Split, sample_scene};

    #[test]
    fn injections_do_what_they_say() {
        let cfg = RenderConfig {
            width: 48,
            height: 48,
            ..RenderConfig::default()
        };
        let scene = sample_scene(4, Split::Any);
        let clean = make_clip(&scene, 4, &cfg);
        let n = clean.frames.len();
        let drop = inject(Fault::FrameDrop, &clean, &scene, 4, &cfg);
        assert_eq!(drop.frames[n / 3], drop.frames[n / 3 - 1]);
        let shift = inject(Fault::AudioShift, &clean, &scene, 4, &cfg);
        let s = (0.08 * cfg.sample_rate as f32) as usize;
        assert_eq!(shift.audio.len(), clean.audio.len());
        assert_eq!(shift.audio[s + 100], clean.audio[100]);
        let flick = inject(Fault::Flicker, &clean, &scene, 4, &cfg);
        assert_ne!(flick.frames[n / 3], clean.frames[n / 3]);
        let del = inject(Fault::ObjectDeletion, &clean, &scene, 4, &cfg);
        let r = deletion_frames(&cfg);
        assert_eq!(del.frames[0], clean.frames[0]);
        assert_ne!(del.frames[r.start], clean.frames[r.start]);
    }
}
