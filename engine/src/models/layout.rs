//! Object trajectories ("layouts"): where each object of the prompt is, frame by frame,
//! and the maps that condition the video DiT on them.
//!
//! Why: a DiT conditioned on text alone must discover from samples that "moves left"
//! means "the blob's latent cells shift left over time" — on this CPU it learns colour
//! long before motion (MODEL_CARD.md). Splitting the job the way layout-grounded video
//! generators do (LLM-grounded Video Diffusion, VideoDirectorGPT) makes both halves
//! sample-efficient: a tiny *planner* (the same [`super::dit::VideoDit`] definition over a
//! sequence of frames, one token per frame) generates the trajectory from the text, and the
//! video DiT, given the trajectory rasterized onto its latent grid, only has to paint the
//! object where the map says — a local rule a transformer learns fast. Training takes the
//! trajectories from the world's own physics; generation samples them from the planner, so
//! nothing of the world ships.
//!
//! A trajectory holds, for each of [`SLOTS`] object slots (the text encoder's object
//! order) and each video frame, [`VALUES`] numbers: centre x and y as fractions of the
//! frame's width and height (outside 0..1 when the object is out of view), the object's
//! radius in frame heights, and its presence (1 in view, 0 not; 0 for an empty slot).

use burn::prelude::*;

/// Object slots (the text encoder's).
pub const SLOTS: usize = 3;
/// Numbers per slot and frame: x, y, radius, presence.
pub const VALUES: usize = 4;
/// Planner channels: one trajectory token per frame carries `SLOTS × VALUES` numbers.
pub const PLAN_CHANNELS: usize = SLOTS * VALUES;

/// One frame of one slot, in frame units.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SlotFrame {
    /// Centre x, fraction of the width.
    pub x: f32,
    /// Centre y, fraction of the height.
    pub y: f32,
    /// Radius, fraction of the height.
    pub radius: f32,
    /// 1 in view, 0 not (or an empty slot).
    pub presence: f32,
}

impl SlotFrame {
    /// An empty slot.
    pub const EMPTY: SlotFrame = SlotFrame {
        x: 0.5,
        y: 0.5,
        radius: 0.0,
        presence: 0.0,
    };
}

/// A trajectory: `frames × SLOTS` slot frames, frame-major.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Trajectory {
    /// Video frames.
    pub frames: usize,
    /// `frames × SLOTS` entries, frame-major.
    pub slots: Vec<SlotFrame>,
}

impl SlotFrame {
    /// Whether the object is present and some of it is inside the frame (the planner's
    /// presence says the object exists; it may be drawn past an edge, out of view).
    pub(crate) fn in_view(&self) -> bool {
        let r = self.radius;
        self.presence >= 0.5
            && self.x + r > 0.0
            && self.x - r < 1.0
            && self.y + r > 0.0
            && self.y - r < 1.0
    }

    /// Whether the object touches an edge of the frame (so it may go out of view next).
    fn near_edge(&self) -> bool {
        let margin = self.radius + 0.05;
        self.x < margin || self.x > 1.0 - margin || self.y < margin || self.y > 1.0 - margin
    }
}

impl Trajectory {
    /// Slot `s` at frame `f`.
    pub fn at(&self, f: usize, s: usize) -> SlotFrame {
        self.slots[f * SLOTS + s]
    }

    /// The planner's normalized values, channel-major `[PLAN_CHANNELS, frames]` (channel
    /// `slot × VALUES + value`), each roughly in −1..1 so the flow's unit noise matches.
    pub fn normalized(&self) -> Vec<f32> {
        let mut v = vec![0.0f32; PLAN_CHANNELS * self.frames];
        for f in 0..self.frames {
            for s in 0..SLOTS {
                let p = self.at(f, s);
                let vals = [
                    2.0 * p.x - 1.0,
                    2.0 * p.y - 1.0,
                    RADIUS_SCALE * p.radius - 1.0,
                    2.0 * p.presence - 1.0,
                ];
                for (k, val) in vals.into_iter().enumerate() {
                    v[(s * VALUES + k) * self.frames + f] = val;
                }
            }
        }
        v
    }

    /// Frames `start..end` of the plan (clamped to it).
    pub fn frames_between(&self, start: usize, end: usize) -> Trajectory {
        let end = end.min(self.frames);
        let start = start.min(end);
        Trajectory {
            frames: end - start,
            slots: self.slots[start * SLOTS..end * SLOTS].to_vec(),
        }
    }

    /// The plan with each slot's presence and radius median-filtered over
    /// [`STEADY_WINDOW`] frames: a sampled plan sometimes lets an object's presence dip
    /// for a frame or two, or its size flutter, inside the frame — which the object layer
    /// would draw as the object fading or pulsing. Positions are left as sampled (a
    /// bounce's turn must stay sharp).
    pub fn steadied(&self) -> Trajectory {
        let half = STEADY_WINDOW / 2;
        let mut out = self.clone();
        for s in 0..SLOTS {
            for f in 0..self.frames {
                let lo = f.saturating_sub(half);
                let hi = (f + half + 1).min(self.frames);
                let median = |value: fn(&SlotFrame) -> f32| {
                    let mut v: Vec<f32> = (lo..hi).map(|g| value(&self.at(g, s))).collect();
                    v.sort_by(f32::total_cmp);
                    v[v.len() / 2]
                };
                let slot = &mut out.slots[f * SLOTS + s];
                slot.presence = median(|p| p.presence);
                slot.radius = median(|p| p.radius);
            }
        }
        out
    }

    /// The plan with its frames from `known` on moved so each object goes on from where
    /// the known frames leave it: the new part of its path is shifted so its first frame
    /// is the last known one plus its velocity (the path keeps the sampled shape — its
    /// turns and speeds — from there), and its radius starts at the last known radius,
    /// easing to the sampled one over [`JOIN_FRAMES`] frames. A continued plan holds its
    /// known frames, but nothing makes the first sampled frame adjacent to them (the
    /// planner learned whole 2 s paths, not paths that begin mid-motion); without this the
    /// object layer draws a jump at every extension seam. Slots not present on both sides
    /// are left as sampled.
    pub fn continued_from(&self, known: usize) -> Trajectory {
        let mut out = self.clone();
        if known < 2 || known >= self.frames {
            return out;
        }
        for s in 0..SLOTS {
            let last = self.at(known - 1, s);
            let before = self.at(known - 2, s);
            let first = self.at(known, s);
            if last.presence < 0.5 || first.presence < 0.5 {
                continue;
            }
            let dx = last.x + (last.x - before.x) - first.x;
            let dy = last.y + (last.y - before.y) - first.y;
            let dr = last.radius - first.radius;
            for f in known..self.frames {
                let fade = (-((f - known) as f32) / JOIN_FRAMES).exp();
                let slot = &mut out.slots[f * SLOTS + s];
                slot.x += dx;
                slot.y += dy;
                slot.radius = (slot.radius + dr * fade).max(0.0);
            }
        }
        out
    }

    /// The continuation (frames from `known` on) of a plan whose first `known` frames end
    /// `source`, with objects that leave the frame kept out: once an object has gone out
    /// past an edge — in the source or in the continuation — it stays gone, since no
    /// motion here turns back (nor does a camera). The planner learned paths that cross
    /// the frame, and continuing one that has already crossed it brings the object back
    /// in. Slots never shown are left as sampled (a new prompt may bring one in).
    pub fn keeping_exits(&self, source: &Trajectory, known: usize) -> Trajectory {
        let mut out = self.clone();
        let context = source.frames.saturating_sub(known);
        let at = |f: usize, s: usize| {
            if f < context {
                source.at(f, s)
            } else {
                self.at(f - context, s)
            }
        };
        for s in 0..SLOTS {
            let mut last_seen: Option<SlotFrame> = None;
            let mut gone = false;
            for f in 0..context + self.frames {
                let here = at(f, s);
                if gone && f >= context + known {
                    out.slots[(f - context) * SLOTS + s].presence = 0.0;
                } else if here.in_view() {
                    last_seen = Some(here);
                } else if last_seen.is_some_and(|p| p.near_edge()) {
                    gone = true;
                }
            }
        }
        out
    }

    /// Inverse of [`Trajectory::normalized`] (radius and presence clamped to their ranges).
    pub fn from_normalized(v: &[f32], frames: usize) -> Trajectory {
        let at = |s: usize, k: usize, f: usize| v[(s * VALUES + k) * frames + f];
        let mut slots = Vec::with_capacity(frames * SLOTS);
        for f in 0..frames {
            for s in 0..SLOTS {
                slots.push(SlotFrame {
                    x: (at(s, 0, f) + 1.0) / 2.0,
                    y: (at(s, 1, f) + 1.0) / 2.0,
                    radius: ((at(s, 2, f) + 1.0) / RADIUS_SCALE).max(0.0),
                    presence: ((at(s, 3, f) + 1.0) / 2.0).clamp(0.0, 1.0),
                });
            }
        }
        Trajectory { frames, slots }
    }

    /// The DiT's layout maps: `[SLOTS × frames_per_latent, latent_frames, side, side]`
    /// (channel `slot × frames_per_latent + j` shows frame `frames_per_latent × t + j`), a
    /// Gaussian bump per object scaled by its presence, with the object's radius (at least
    /// half a cell) as its spread. Frames past the end repeat the last one.
    pub fn rasterize(&self, frames_per_latent: usize, side: usize) -> Vec<f32> {
        let latent_frames = self.frames.div_ceil(frames_per_latent);
        let channels = SLOTS * frames_per_latent;
        let cells = side * side;
        let mut out = vec![0.0f32; channels * latent_frames * cells];
        for s in 0..SLOTS {
            for j in 0..frames_per_latent {
                let ch = s * frames_per_latent + j;
                for t in 0..latent_frames {
                    let f = (t * frames_per_latent + j).min(self.frames.saturating_sub(1));
                    let p = self.at(f, s);
                    if p.presence <= 0.0 {
                        continue;
                    }
                    let (cx, cy) = (p.x * side as f32, p.y * side as f32);
                    // Radius in cells (square frames: the height is `side` cells).
                    let sigma = (p.radius * side as f32).max(0.5);
                    let base = (ch * latent_frames + t) * cells;
                    for y in 0..side {
                        for x in 0..side {
                            let dx = x as f32 + 0.5 - cx;
                            let dy = y as f32 + 0.5 - cy;
                            let d2 = (dx * dx + dy * dy) / (2.0 * sigma * sigma);
                            out[base + y * side + x] = p.presence * (-d2).exp();
                        }
                    }
                }
            }
        }
        out
    }
}

/// The decoder's object maps: per slot, its bump in every frame (as
/// [`Trajectory::rasterize`] with one frame per map) followed by the bump times each of the
/// slot's `features` (the text encoder's probabilities of its colour and kind), so the
/// decoder is told what to draw as well as where. Returns `[SLOTS × (1 + F), frames,
/// side, side]` values, channel-major; a slot without features (or an empty one) gets
/// zeros there.
pub fn object_maps(
    plan: &Trajectory,
    features: &[Vec<f32>],
    per_slot: usize,
    side: usize,
) -> Vec<f32> {
    let bumps = plan.rasterize(1, side);
    let plane = plan.frames * side * side;
    let mut out = vec![0.0f32; SLOTS * (1 + per_slot) * plane];
    for s in 0..SLOTS {
        let bump = &bumps[s * plane..(s + 1) * plane];
        let base = s * (1 + per_slot) * plane;
        out[base..base + plane].copy_from_slice(bump);
        let Some(f) = features.get(s) else { continue };
        for (j, &p) in f.iter().take(per_slot).enumerate() {
            let dst = &mut out[base + (1 + j) * plane..base + (2 + j) * plane];
            for (d, b) in dst.iter_mut().zip(bump) {
                *d = b * p;
            }
        }
    }
    out
}

/// [`object_maps`] of a batch as the decoder's layout tensor.
///
/// # Shapes
/// returns `[B, SLOTS × (1 + per_slot), frames, side, side]`
pub fn object_maps_tensor(
    plans: &[(Trajectory, Vec<Vec<f32>>)],
    per_slot: usize,
    side: usize,
    device: &Device,
) -> Tensor<5> {
    let frames = plans.first().map_or(0, |p| p.0.frames);
    let data: Vec<f32> = plans
        .iter()
        .flat_map(|(t, f)| object_maps(t, f, per_slot, side))
        .collect();
    let n = data.len();
    Tensor::<1>::from_data(TensorData::new(data, [n]), device).reshape([
        plans.len(),
        SLOTS * (1 + per_slot),
        frames,
        side,
        side,
    ])
}

/// Frames over which [`Trajectory::continued_from`]'s radius correction fades (e-folding).
pub const JOIN_FRAMES: f32 = 4.0;

/// Frames in the median filter of [`Trajectory::steadied`].
pub const STEADY_WINDOW: usize = 5;

/// Radii are small (0.03–0.2 frame heights): scaled so they span the planner's range.
const RADIUS_SCALE: f32 = 8.0;

/// The layout maps of a batch of trajectories as a DiT condition tensor.
///
/// # Shapes
/// returns `[B, SLOTS × frames_per_latent, latent_frames, side, side]`
pub fn layout_tensor(
    trajectories: &[Trajectory],
    frames_per_latent: usize,
    side: usize,
    device: &Device,
) -> Tensor<5> {
    let b = trajectories.len();
    let latent_frames = trajectories
        .first()
        .map_or(0, |t| t.frames.div_ceil(frames_per_latent));
    let data: Vec<f32> = trajectories
        .iter()
        .flat_map(|t| t.rasterize(frames_per_latent, side))
        .collect();
    let channels = SLOTS * frames_per_latent;
    let n = data.len();
    Tensor::<1>::from_data(TensorData::new(data, [n]), device).reshape([
        b,
        channels,
        latent_frames,
        side,
        side,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moving_left(frames: usize) -> Trajectory {
        let mut slots = Vec::new();
        for f in 0..frames {
            slots.push(SlotFrame {
                x: 0.8 - 0.6 * f as f32 / (frames - 1) as f32,
                y: 0.6,
                radius: 0.1,
                presence: 1.0,
            });
            slots.push(SlotFrame::EMPTY);
            slots.push(SlotFrame::EMPTY);
        }
        Trajectory { frames, slots }
    }

    #[test]
    fn a_continued_plan_goes_on_from_where_its_known_frames_leave_the_object() {
        let plan = moving_left(24);
        // A sampled continuation that starts 0.2 to the right of where the object was.
        let mut sampled = plan.clone();
        for f in 8..24 {
            sampled.slots[f * SLOTS].x += 0.2;
        }
        let joined = sampled.continued_from(8);
        let step = plan.at(8, 0).x - plan.at(7, 0).x;
        let first = joined.at(8, 0).x - joined.at(7, 0).x;
        assert!(
            (first - step).abs() < 1e-5,
            "first new step {first}, known step {step}"
        );
        assert!(
            (0..8).all(|f| joined.at(f, 0) == sampled.at(f, 0)),
            "known frames kept"
        );
        assert!(
            (joined.at(23, 0).x - plan.at(23, 0).x).abs() < 1e-5,
            "the path goes on with its sampled shape from there"
        );
        assert!((0..24).all(|f| joined.at(f, 1) == SlotFrame::EMPTY));
    }

    #[test]
    fn an_object_that_has_left_stays_gone_and_others_are_left_as_sampled() {
        let mut source = moving_left(24);
        source.slots[19 * SLOTS].x = 0.1; // at the left edge…
        for f in 20..24 {
            source.slots[f * SLOTS].presence = 0.0; // …and out past it
        }
        // A continuation (its 8 known frames the source's last) that brings the object
        // back and adds a newcomer.
        let mut sampled = moving_left(24);
        for f in 0..24 {
            if f < 8 {
                sampled.slots[f * SLOTS] = source.at(16 + f, 0);
            }
            sampled.slots[f * SLOTS + 1] = moving_left(24).at(f, 0);
        }
        let kept = sampled.keeping_exits(&source, 8);
        assert!((8..24).all(|f| kept.at(f, 0).presence == 0.0));
        assert!(
            (0..8).all(|f| kept.at(f, 0) == sampled.at(f, 0)),
            "known frames kept"
        );
        assert!(
            (0..24).all(|f| kept.at(f, 1) == sampled.at(f, 1)),
            "a newcomer stays"
        );
        // Still in view at the source's end: left as sampled.
        let plan = moving_left(24);
        assert!(plan.keeping_exits(&moving_left(24), 8) == plan);
    }

    #[test]
    fn steadying_fills_a_short_dip_in_presence_and_keeps_positions_and_real_exits() {
        let mut plan = moving_left(24);
        plan.slots[10 * SLOTS].presence = 0.1; // a one-frame dip inside the frame
        plan.slots[11 * SLOTS].radius = 0.3; // a one-frame flutter
        for f in 18..24 {
            plan.slots[f * SLOTS].presence = 0.0; // a real exit
        }
        let steady = plan.steadied();
        assert_eq!(steady.at(10, 0).presence, 1.0);
        assert_eq!(steady.at(11, 0).radius, 0.1);
        assert!(
            (19..24).all(|f| steady.at(f, 0).presence == 0.0),
            "the exit stays"
        );
        assert!(
            (0..24).all(|f| steady.at(f, 0).x == plan.at(f, 0).x),
            "positions as sampled"
        );
        assert!(
            (0..24).all(|f| steady.at(f, 1) == SlotFrame::EMPTY),
            "empty slots stay empty"
        );
    }

    #[test]
    fn normalization_round_trips() {
        let t = moving_left(24);
        let back = Trajectory::from_normalized(&t.normalized(), 24);
        for (a, b) in t.slots.iter().zip(&back.slots) {
            assert!((a.x - b.x).abs() < 1e-5 && (a.y - b.y).abs() < 1e-5);
            assert!((a.radius - b.radius).abs() < 1e-5);
            assert!((a.presence - b.presence).abs() < 1e-5);
        }
    }

    #[test]
    fn maps_follow_the_object_and_leave_empty_slots_blank() {
        let t = moving_left(24);
        let (fpl, side) = (4, 8);
        let maps = t.rasterize(fpl, side);
        let latent_frames = 6;
        let cells = side * side;
        assert_eq!(maps.len(), SLOTS * fpl * latent_frames * cells);
        // Slot 0, sub-frame 0: the peak cell moves left from the first to the last latent frame.
        let peak = |t: usize| {
            let m = &maps[t * cells..(t + 1) * cells];
            let i = (0..cells)
                .max_by(|&a, &b| m[a].total_cmp(&m[b]))
                .unwrap_or(0);
            (i % side, i / side)
        };
        let (x0, y0) = peak(0);
        let (x5, y5) = peak(5);
        assert!(x5 + 2 < x0, "moved left: {x0} → {x5}");
        assert_eq!(y0, y5);
        assert_eq!(y0, 4, "y = 0.6 of 8 cells");
        // Slots 1 and 2 are empty.
        assert!(
            maps[fpl * latent_frames * cells..]
                .iter()
                .all(|v| *v == 0.0)
        );
    }

    #[test]
    fn object_maps_carry_what_each_object_is_where_it_is() {
        let t = moving_left(8);
        let features = vec![vec![0.0, 1.0, 0.25], vec![0.5, 0.5, 0.5]];
        let side = 16;
        let maps = object_maps(&t, &features, 3, side);
        let plane = 8 * side * side;
        assert_eq!(maps.len(), SLOTS * 4 * plane);
        let bump = &maps[..plane];
        assert!(bump.iter().any(|v| *v > 0.5), "slot 0 is drawn");
        // Feature channels are the bump scaled by the feature.
        for (j, p) in [0.0f32, 1.0, 0.25].into_iter().enumerate() {
            let ch = &maps[(1 + j) * plane..(2 + j) * plane];
            for (a, b) in ch.iter().zip(bump) {
                assert!((a - b * p).abs() < 1e-6);
            }
        }
        // Slot 1 is empty in the plan: its features have nowhere to go.
        assert!(maps[4 * plane..8 * plane].iter().all(|v| *v == 0.0));
    }
}
