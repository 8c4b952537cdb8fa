//! Contacts read off the objects' tracks: the instants where an object's velocity changes
//! abruptly (a ball hits the ground, two objects collide), placed between video frames.
//!
//! The audio model hears an impact where the picture shows one, and at 12 fps a frame is
//! 83 ms — twice the 40-ms tolerance. The tracks already hold the contact (a kink in the
//! path), but finding it takes a division the small model would have to learn from few
//! samples, so it is computed here once, as a handful of numbers per token (see
//! [`super::audio::aligned_features`]). It is generic: it reads any track (the world's or
//! the planner's) and never the world's physics.
//!
//! A kink between frames `f` and `f+1` is the jump between the velocity the path had on
//! arriving at `f` and the one it leaves `f+1` with, beyond what its own smooth
//! acceleration explains (so free fall, orbits, camera pans and zooms score near zero).
//! The instant is where the two tangent lines meet.

use super::layout::{SLOTS, SlotFrame, Trajectory};

/// A kink weaker than this (frame heights per frame) is not a contact.
pub const MIN_JUMP: f32 = 0.026;
/// The jump (frame heights per frame) at which strength reaches 1.
pub const FULL_JUMP: f32 = 0.12;
/// A step longer than this (frame heights per frame, 3 heights a second at 12 fps) is a
/// jump of the track, not motion (the world's fastest fall is ~0.17).
pub const MAX_STEP: f32 = 0.25;

/// One contact found on a track.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrackContact {
    /// Seconds from the clip's first frame.
    pub time: f32,
    /// The object slot.
    pub slot: usize,
    /// 0..=1, from the velocity jump.
    pub strength: f32,
}

/// The contacts of every slot, sorted by time.
pub fn detect(plan: &Trajectory, fps: u32) -> Vec<TrackContact> {
    let mut found = Vec::new();
    for slot in 0..SLOTS {
        let track: Vec<SlotFrame> = (0..plan.frames).map(|f| plan.at(f, slot)).collect();
        found.extend(detect_slot(&track, slot, fps));
    }
    found.sort_by(|a, b| a.time.total_cmp(&b.time));
    found
}

/// A possible contact in the gap between frames `f` and `f+1`.
#[derive(Debug, Clone, Copy)]
struct Kink {
    gap: usize,
    /// Velocity change across the gap beyond the smooth acceleration's (frame heights
    /// per frame).
    jump: f32,
    /// Where in the gap (0..=1 after `f`) the tangent lines meet.
    at: f32,
    /// Whether the motion along the jump reverses or stops across the gap.
    reverses: bool,
}

/// One slot's track as per-frame velocities, with the gaps already explained by a contact.
struct Velocities {
    p: Vec<[f32; 2]>,
    /// `usable[i]`: the object is in view at frames `i` and `i+1`, the step between them
    /// is motion (not a jump of the track) and does not span a contact found already.
    usable: Vec<bool>,
}

impl Velocities {
    fn v(&self, i: usize) -> Option<[f32; 2]> {
        (*self.usable.get(i)?).then(|| [0, 1].map(|a| self.p[i + 1][a] - self.p[i][a]))
    }

    /// The smooth acceleration between velocities `i` and `i+1`.
    fn acc(&self, i: usize) -> Option<[f32; 2]> {
        let (a, b) = (self.v(i)?, self.v(i + 1)?);
        Some([b[0] - a[0], b[1] - a[1]])
    }

    /// The nearest clean acceleration reading walking away from a gap (`-1` left, `1`
    /// right), up to three readings out.
    fn reading(&self, from: usize, dir: isize) -> Option<[f32; 2]> {
        (0..3).find_map(|k| {
            let i = from as isize + dir * k;
            usize::try_from(i).ok().and_then(|i| self.acc(i))
        })
    }

    /// The kink across the gap after frame `f`: the velocity change `v(f+1) − v(f−1)`
    /// against what the smooth acceleration on either side gives; `None` where the
    /// velocities are not all usable.
    fn kink(&self, f: usize) -> Option<Kink> {
        let (before, _, after) = (self.v(f.checked_sub(1)?)?, self.v(f)?, self.v(f + 1)?);
        let left = self.reading(f.checked_sub(2)?, -1);
        let right = self.reading(f + 1, 1);
        let (a_l, a_r) = match (left, right) {
            (Some(l), Some(r)) => (l, r),
            (Some(l), None) => (l, l),
            (None, Some(r)) => (r, r),
            (None, None) => ([0.0; 2], [0.0; 2]),
        };
        let mut jump = [0.0f32; 2];
        let mut at = [0.5f32; 2];
        for axis in 0..2 {
            jump[axis] = after[axis] - before[axis] - (a_l[axis] + a_r[axis]);
            // Velocities at f (arriving) and at f+1 (leaving); their lines meet at `at`.
            let v_in = before[axis] + 0.5 * a_l[axis];
            let v_out = after[axis] - 0.5 * a_r[axis];
            let step = self.p[f + 1][axis] - self.p[f][axis];
            if (v_in - v_out).abs() > 1e-6 {
                at[axis] = ((step - v_out) / (v_in - v_out)).clamp(0.0, 1.0);
            }
        }
        let axis = if jump[0].abs() > jump[1].abs() { 0 } else { 1 };
        let (b, a) = (before[axis], after[axis]);
        Some(Kink {
            gap: f,
            jump: jump[0].hypot(jump[1]),
            at: at[axis],
            reverses: b * a <= 0.0 || a.abs() < 0.3 * b.abs(),
        })
    }
}

/// Contacts are taken strongest first: each found one marks the step that spans it, so
/// it no longer spoils the acceleration readings of its neighbours (nor is found twice).
/// An impact reverses or stops the motion; a kink that does neither is not one.
fn detect_slot(track: &[SlotFrame], slot: usize, fps: u32) -> Vec<TrackContact> {
    let n = track.len();
    // Positions in frame heights on both axes would need the aspect; the tracks' x is a
    // fraction of the width, which is within a factor of two and keeps this aspect-free.
    let mut vel = Velocities {
        p: track.iter().map(|s| [s.x, s.y]).collect(),
        usable: (0..n.saturating_sub(1))
            .map(|i| {
                let (a, b) = (track[i], track[i + 1]);
                a.in_view() && b.in_view() && (b.x - a.x).hypot(b.y - a.y) <= MAX_STEP
            })
            .collect(),
    };
    let mut out = Vec::new();
    loop {
        let best = (0..n)
            .filter_map(|f| vel.kink(f))
            .filter(|k| k.reverses)
            .max_by(|a, b| a.jump.total_cmp(&b.jump));
        let Some(k) = best.filter(|k| k.jump >= MIN_JUMP) else {
            break;
        };
        vel.usable[k.gap] = false;
        out.push(TrackContact {
            time: (k.gap as f32 + k.at) / fps as f32,
            slot,
            strength: ((k.jump - MIN_JUMP) / (FULL_JUMP - MIN_JUMP)).clamp(0.05, 1.0),
        });
    }
    out
}

/// Features of the contacts nearest a token: for each slot, how close the nearest contact
/// is (20 ms and 60 ms bells), the decay since it (100 ms) and the bell times its strength.
pub const FEATURES_PER_SLOT: usize = 4;

/// The [`FEATURES_PER_SLOT`] numbers of `slot` at time `t` (seconds).
pub fn features_at(contacts: &[TrackContact], slot: usize, t: f32) -> [f32; FEATURES_PER_SLOT] {
    let nearest = contacts
        .iter()
        .filter(|c| c.slot == slot)
        .min_by(|a, b| (a.time - t).abs().total_cmp(&(b.time - t).abs()));
    let Some(c) = nearest else {
        return [0.0; FEATURES_PER_SLOT];
    };
    let d = t - c.time;
    let narrow = (-(d / 0.02).powi(2)).exp();
    let wide = (-(d / 0.06).powi(2)).exp();
    let after = if d >= 0.0 { (-d / 0.1).exp() } else { 0.0 };
    [narrow, wide, after, narrow * c.strength]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A ball dropped at x 0.3 with drift, bouncing on y = 0.8 (gravity 3 h/s²,
    /// restitution 0.7) four times and then resting, sampled at `fps`; beside it an orbit.
    /// Returns the track and the true contact times.
    fn bouncing(fps: u32, frames: usize, drop_at: f32) -> (Trajectory, Vec<f32>) {
        let (g, floor, e) = (3.0f32, 0.8f32, 0.7f32);
        let mut contacts = Vec::new();
        let (mut t0, mut y0, mut v0) = (0.0f32, drop_at, 0.0f32);
        let mut segs = vec![(t0, y0, v0)];
        for _ in 0..4 {
            let tau = (-v0 + (v0 * v0 + 2.0 * g * (floor - y0)).sqrt()) / g;
            let tc = t0 + tau;
            let vi = v0 + g * tau;
            contacts.push(tc);
            (t0, y0, v0) = (tc, floor, -e * vi);
            segs.push((t0, y0, v0));
        }
        let rest = t0;
        let mut slots = Vec::new();
        for f in 0..frames {
            let t = f as f32 / fps as f32;
            let &(ts, ys, vs) = segs.iter().rev().find(|s| s.0 <= t).unwrap_or(&segs[0]);
            let dt = t - ts;
            let y = if t >= rest {
                floor
            } else {
                ys + vs * dt + 0.5 * g * dt * dt
            };
            slots.push(SlotFrame {
                x: 0.3 + 0.1 * t,
                y,
                radius: 0.05,
                presence: 1.0,
            });
            // An orbiting object in the second slot: smooth, never a contact.
            let w = std::f32::consts::TAU * 0.6;
            slots.push(SlotFrame {
                x: 0.6 + 0.2 * (w * t).cos(),
                y: 0.45 + 0.2 * (w * t).sin(),
                radius: 0.05,
                presence: 1.0,
            });
            slots.push(SlotFrame::EMPTY);
        }
        (Trajectory { frames, slots }, contacts)
    }

    #[test]
    fn bounces_are_found_between_frames_and_orbits_are_not() {
        let fps = 12;
        let (plan, truth) = bouncing(fps, 48, 0.15);
        let found = detect(&plan, fps);
        assert!(found.iter().all(|c| c.slot == 0), "{found:?}");
        let visible: Vec<f32> = truth
            .iter()
            .copied()
            .filter(|&t| t * fps as f32 > 2.5 && t * (fps as f32) < 44.0)
            .collect();
        assert_eq!(visible.len(), 4, "{truth:?}");
        for t in &visible {
            let nearest = found
                .iter()
                .map(|c| (c.time - t).abs())
                .fold(f32::INFINITY, f32::min);
            // Well inside a frame (83 ms): the tangents place it.
            assert!(
                nearest < 0.025,
                "contact at {t}: nearest found {nearest} in {found:?}"
            );
        }
        assert_eq!(found.len(), visible.len(), "{found:?} vs {visible:?}");
    }

    #[test]
    fn a_track_that_jumps_back_or_leaves_the_picture_has_no_contact() {
        // Rolling right off the picture, then put back at 0.7 (a planner's glitch).
        let slots: Vec<SlotFrame> = (0..24)
            .flat_map(|f| {
                let x = if f < 12 {
                    0.6 + 0.05 * f as f32
                } else {
                    0.7 + 0.05 * (f - 12) as f32
                };
                [
                    SlotFrame {
                        x,
                        y: 0.8,
                        radius: 0.05,
                        presence: 1.0,
                    },
                    SlotFrame::EMPTY,
                    SlotFrame::EMPTY,
                ]
            })
            .collect();
        let plan = Trajectory { frames: 24, slots };
        assert_eq!(detect(&plan, 12), vec![]);
    }

    #[test]
    fn features_peak_on_the_contact_and_decay_after_it() {
        let contacts = [TrackContact {
            time: 1.0,
            slot: 1,
            strength: 0.5,
        }];
        assert_eq!(features_at(&contacts, 0, 1.0), [0.0; 4]);
        let on = features_at(&contacts, 1, 1.0);
        assert_eq!(on, [1.0, 1.0, 1.0, 0.5]);
        let before = features_at(&contacts, 1, 0.95);
        let after = features_at(&contacts, 1, 1.05);
        assert_eq!(before[2], 0.0);
        assert!(after[2] > 0.5 && after[1] > before[0]);
        assert!((before[0] - after[0]).abs() < 1e-6);
    }
}
