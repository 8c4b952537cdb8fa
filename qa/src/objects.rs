//! Salient objects: segment each frame's foreground against a camera-aligned temporal
//! median background, track the blobs, and flag objects that vanish in the middle of the
//! picture (and come back), pop in from nowhere, or teleport. The tracks' sudden velocity
//! changes are the motion events the audio-visual check pairs with sound onsets.
//!
//! Why it works: an object moves relative to the background, so the per-pixel median of
//! the same background point seen in frames a few steps before and after (aligned by the
//! camera's global shift) shows the background without the object. Pixels far from it are
//! foreground. Real objects enter and leave through the frame's edges, behind other
//! objects (their blobs merge, so foreground stays where they were) or grow from small; a
//! blob that has no successor while nothing foreground remains where it was, in the middle
//! of the picture, and a blob like it reappears nearby a few frames later, is an object
//! that blinked out. Camera motion is taken as one global translation per frame; zooms
//! and parallax leave residue mostly at edges and on thin outlines, which the minimum blob
//! size and the border rule ignore.

use crate::luma::Lumas;
use crate::stats::median;
use crate::{Frames, Kind, Raw, Severity};

/// Foreground threshold (largest channel difference from the background, levels).
const FG: f32 = 40.0;
/// Reference frames for the background, relative to the frame.
const REFS: [i64; 6] = [-12, -8, -4, 4, 8, 12];
/// Mean luma change (levels) over an object's pixels that shows it really left (or
/// arrived); less means a still object merged into the background estimate.
const CHANGE: f32 = 15.0;
/// Longest gap (frames) after which a vanished object may reappear.
const MAX_GAP: usize = 8;
/// How far (in multiples of the square root of its area, about its diameter) a blob
/// with no near successor may have moved to one of its own colour and size.
const FAST_REACH: f32 = 2.5;

/// One foreground blob.
#[derive(Debug, Clone)]
pub struct Blob {
    /// Pixels.
    pub area: usize,
    /// Centroid (px).
    pub cx: f32,
    /// Centroid (px).
    pub cy: f32,
    /// Bounding box `(x0, y0, x1, y1)`, inclusive.
    pub bbox: (usize, usize, usize, usize),
    /// Mean RGB.
    pub rgb: [f32; 3],
    /// Within two pixels of the frame edge.
    pub border: bool,
}

/// A sudden change of an object's velocity (a bounce, landing, collision), in seconds.
#[derive(Debug, Clone, Copy)]
pub struct MotionEvent {
    /// Time (s), refined between frames.
    pub time: f32,
    /// Size of the velocity change (px per frame).
    pub strength: f32,
}

/// Blobs, links and camera shifts of a clip.
pub struct Tracks {
    w: usize,
    h: usize,
    fps: f32,
    min_area: usize,
    /// Cumulative camera shift of each frame (content at x in frame 0 is at x + pos[t]).
    pos: Vec<(i32, i32)>,
    /// Foreground masks.
    mask: Vec<Vec<bool>>,
    /// Luma per frame.
    y: Vec<Vec<f32>>,
    /// Blobs per frame.
    pub blobs: Vec<Vec<Blob>>,
    /// `next[t][i]`: the blob in frame t+1 that blob i of frame t became.
    next: Vec<Vec<Option<usize>>>,
    /// `has_prev[t][i]`: some blob of frame t−1 became blob i of frame t.
    has_prev: Vec<Vec<bool>>,
}

/// Shift `(dx, dy)` minimizing the mean |a(x, y) − b(x + dx, y + dy)| near `guess`.
fn align(a: &[f32], b: &[f32], w: usize, h: usize, guess: (i32, i32), r: i32) -> (i32, i32) {
    let mut best = (f32::MAX, guess);
    for dy in guess.1 - r..=guess.1 + r {
        for dx in guess.0 - r..=guess.0 + r {
            let (mut s, mut c) = (0.0f32, 0u32);
            for y in (0..h as i32).step_by(2) {
                let yy = y + dy;
                if yy < 0 || yy >= h as i32 {
                    continue;
                }
                for x in (0..w as i32).step_by(2) {
                    let xx = x + dx;
                    if xx < 0 || xx >= w as i32 {
                        continue;
                    }
                    s += (a[y as usize * w + x as usize] - b[yy as usize * w + xx as usize]).abs();
                    c += 1;
                }
            }
            // Require a real overlap (a third of the frame).
            if c as usize * 12 < w * h {
                continue;
            }
            let m = s / c as f32 + 0.02 * (dx * dx + dy * dy) as f32;
            if m < best.0 {
                best = (m, (dx, dy));
            }
        }
    }
    best.1
}

fn components(mask: &[bool], rgb: &[u8], w: usize, h: usize, min_area: usize) -> Vec<Blob> {
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for s in 0..w * h {
        if !mask[s] || seen[s] {
            continue;
        }
        seen[s] = true;
        stack.push(s);
        let (mut area, mut sx, mut sy) = (0usize, 0.0f32, 0.0f32);
        let mut c = [0.0f32; 3];
        let mut bb = (w, h, 0, 0);
        while let Some(i) = stack.pop() {
            let (x, y) = (i % w, i / w);
            area += 1;
            sx += x as f32;
            sy += y as f32;
            for (k, v) in c.iter_mut().enumerate() {
                *v += rgb[i * 3 + k] as f32;
            }
            bb = (bb.0.min(x), bb.1.min(y), bb.2.max(x), bb.3.max(y));
            let mut push = |j: usize| {
                if mask[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        if area >= min_area {
            let a = area as f32;
            out.push(Blob {
                area,
                cx: sx / a,
                cy: sy / a,
                bbox: bb,
                rgb: [c[0] / a, c[1] / a, c[2] / a],
                border: bb.0 <= 2 || bb.1 <= 2 || bb.2 + 3 >= w || bb.3 + 3 >= h,
            });
        }
    }
    out
}

impl Tracks {
    /// Segment and track a clip.
    pub fn of(frames: &Frames, l: &Lumas) -> Tracks {
        let (w, h, n) = (frames.width, frames.height, frames.rgb.len());
        let min_area = (w * h / 400).max(8);
        let mut pos = vec![(0i32, 0i32); n];
        for t in 1..n {
            let s = align(&l.y[t - 1], &l.y[t], w, h, (0, 0), 6);
            pos[t] = (pos[t - 1].0 + s.0, pos[t - 1].1 + s.1);
        }
        let mut mask = Vec::with_capacity(n);
        let mut blobs = Vec::with_capacity(n);
        let mut samples: Vec<(f32, [f32; 3])> = Vec::with_capacity(REFS.len());
        for t in 0..n {
            let refs: Vec<(usize, (i32, i32))> = REFS
                .iter()
                .filter_map(|&d| {
                    let u = t as i64 + d;
                    (0..n as i64).contains(&u).then_some(u as usize)
                })
                .map(|u| {
                    let guess = (pos[u].0 - pos[t].0, pos[u].1 - pos[t].1);
                    (u, align(&l.y[t], &l.y[u], w, h, guess, 1))
                })
                .collect();
            let f = frames.rgb[t];
            let mut m = vec![false; w * h];
            for y in 0..h {
                for x in 0..w {
                    samples.clear();
                    for &(u, (dx, dy)) in &refs {
                        let (xx, yy) = (x as i32 + dx, y as i32 + dy);
                        if xx < 0 || yy < 0 || xx >= w as i32 || yy >= h as i32 {
                            continue;
                        }
                        let j = (yy as usize * w + xx as usize) * 3;
                        let p = &frames.rgb[u][j..j + 3];
                        let c = [p[0] as f32, p[1] as f32, p[2] as f32];
                        samples.push((0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2], c));
                    }
                    if samples.len() < 3 {
                        continue;
                    }
                    let mid = samples.len() / 2;
                    samples.select_nth_unstable_by(mid, |a, b| a.0.total_cmp(&b.0));
                    let b = samples[mid].1;
                    let i = y * w + x;
                    let d = (0..3)
                        .map(|k| (f[i * 3 + k] as f32 - b[k]).abs())
                        .fold(0.0, f32::max);
                    m[i] = d > FG;
                }
            }
            blobs.push(components(&m, f, w, h, min_area));
            mask.push(m);
        }
        let mut next = vec![Vec::new(); n];
        let mut has_prev: Vec<Vec<bool>> = blobs.iter().map(|b| vec![false; b.len()]).collect();
        for t in 0..n.saturating_sub(1) {
            let shift = (pos[t + 1].0 - pos[t].0, pos[t + 1].1 - pos[t].1);
            let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
            for (i, a) in blobs[t].iter().enumerate() {
                for (j, b) in blobs[t + 1].iter().enumerate() {
                    let d = ((a.cx + shift.0 as f32 - b.cx).powi(2)
                        + (a.cy + shift.1 as f32 - b.cy).powi(2))
                    .sqrt();
                    let ratio = a.area as f32 / b.area as f32;
                    if d <= (a.area as f32).sqrt().max(5.0) && (0.33..=3.0).contains(&ratio) {
                        pairs.push((d, i, j));
                    }
                }
            }
            pairs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut nx = vec![None; blobs[t].len()];
            for (_, i, j) in pairs {
                if nx[i].is_none() && !has_prev[t + 1][j] {
                    nx[i] = Some(j);
                    has_prev[t + 1][j] = true;
                }
            }
            // A fast object (a ball falling into its bounce) can move more than its own
            // size in a frame: a blob left without a successor takes a free one of its
            // colour and size within FAST_REACH of its sizes, nearest first.
            let mut far: Vec<(f32, usize, usize)> = Vec::new();
            for (i, a) in blobs[t]
                .iter()
                .enumerate()
                .filter(|(i, _)| nx[*i].is_none())
            {
                for (j, b) in blobs[t + 1].iter().enumerate() {
                    if has_prev[t + 1][j] {
                        continue;
                    }
                    let d = ((a.cx + shift.0 as f32 - b.cx).powi(2)
                        + (a.cy + shift.1 as f32 - b.cy).powi(2))
                    .sqrt();
                    let ratio = a.area as f32 / b.area as f32;
                    let colour = (0..3)
                        .map(|k| (a.rgb[k] - b.rgb[k]).abs())
                        .fold(0.0, f32::max);
                    if d <= FAST_REACH * (a.area as f32).sqrt().max(5.0)
                        && (0.5..=2.0).contains(&ratio)
                        && colour < 40.0
                    {
                        far.push((d, i, j));
                    }
                }
            }
            far.sort_by(|a, b| a.0.total_cmp(&b.0));
            for (_, i, j) in far {
                if nx[i].is_none() && !has_prev[t + 1][j] {
                    nx[i] = Some(j);
                    has_prev[t + 1][j] = true;
                }
            }
            next[t] = nx;
        }
        if let Some(last) = next.last_mut() {
            *last = vec![None; blobs[n - 1].len()];
        }
        Tracks {
            w,
            h,
            fps: frames.fps,
            min_area,
            pos,
            mask,
            y: l.y.clone(),
            blobs,
            next,
            has_prev,
        }
    }

    /// Share of `b`'s area that is foreground inside its (slightly grown) box in frame `t`,
    /// after the camera shift from frame `from`.
    fn coverage(&self, b: &Blob, from: usize, t: usize) -> f32 {
        let (dx, dy) = (
            self.pos[t].0 - self.pos[from].0,
            self.pos[t].1 - self.pos[from].1,
        );
        let (x0, y0, x1, y1) = b.bbox;
        let mut c = 0;
        for y in y0 as i32 - 2 + dy..=y1 as i32 + 2 + dy {
            for x in x0 as i32 - 2 + dx..=x1 as i32 + 2 + dx {
                if x >= 0
                    && y >= 0
                    && (x as usize) < self.w
                    && (y as usize) < self.h
                    && self.mask[t][y as usize * self.w + x as usize]
                {
                    c += 1;
                }
            }
        }
        c as f32 / b.area as f32
    }

    /// Mean |luma| change over `b`'s foreground pixels of frame `t` between frame `t` and
    /// frame `u` (camera shift removed): large when the object is there in one frame and
    /// not in the other, small when a still object was merely absorbed into (or released
    /// from) the background estimate.
    fn change(&self, b: &Blob, t: usize, u: usize) -> f32 {
        let (dx, dy) = (self.pos[u].0 - self.pos[t].0, self.pos[u].1 - self.pos[t].1);
        let (x0, y0, x1, y1) = b.bbox;
        let (mut s, mut c) = (0.0f32, 0usize);
        for y in y0..=y1 {
            for x in x0..=x1 {
                let (xx, yy) = (x as i32 + dx, y as i32 + dy);
                if !self.mask[t][y * self.w + x]
                    || xx < 0
                    || yy < 0
                    || xx as usize >= self.w
                    || yy as usize >= self.h
                {
                    continue;
                }
                s += (self.y[t][y * self.w + x] - self.y[u][yy as usize * self.w + xx as usize])
                    .abs();
                c += 1;
            }
        }
        s / c.max(1) as f32
    }

    /// Velocity (px per frame, camera removed) of blob `i` of frame `t` from its predecessor.
    fn speed(&self, t: usize, i: usize) -> f32 {
        if t == 0 || !self.has_prev[t][i] {
            return 0.0;
        }
        let Some(p) = (0..self.blobs[t - 1].len()).find(|&k| self.next[t - 1][k] == Some(i)) else {
            return 0.0;
        };
        let (a, b) = (&self.blobs[t - 1][p], &self.blobs[t][i]);
        let s = (
            (self.pos[t].0 - self.pos[t - 1].0) as f32,
            (self.pos[t].1 - self.pos[t - 1].1) as f32,
        );
        ((b.cx - a.cx - s.0).powi(2) + (b.cy - a.cy - s.1).powi(2)).sqrt()
    }

    /// Objects that vanish mid-picture (and come back) and objects that pop in.
    pub(crate) fn persistence(&self) -> Vec<Raw> {
        let n = self.blobs.len();
        let mut out: Vec<Raw> = Vec::new();
        let mut explained: Vec<(usize, usize)> = Vec::new();
        let big = self.min_area * 3 / 2;
        for t in 0..n.saturating_sub(2) {
            for (i, a) in self.blobs[t].iter().enumerate() {
                if a.border || a.area < big || self.next[t][i].is_some() {
                    continue;
                }
                if self.coverage(a, t, t + 1) > 0.3 || self.change(a, t, t + 1) < CHANGE {
                    continue;
                }
                let v = self.speed(t, i);
                let back = (t + 2..(t + 1 + MAX_GAP).min(n)).find_map(|u| {
                    let g = (u - t) as f32;
                    let s = (
                        (self.pos[u].0 - self.pos[t].0) as f32,
                        (self.pos[u].1 - self.pos[t].1) as f32,
                    );
                    self.blobs[u].iter().enumerate().find_map(|(j, b)| {
                        let d = ((a.cx + s.0 - b.cx).powi(2) + (a.cy + s.1 - b.cy).powi(2)).sqrt();
                        let ratio = a.area as f32 / b.area as f32;
                        let colour = (0..3)
                            .map(|k| (a.rgb[k] - b.rgb[k]).abs())
                            .fold(0.0, f32::max);
                        (!self.has_prev[u][j]
                            && !b.border
                            && d <= (a.area as f32).sqrt().max(6.0) + g * (v + 1.0)
                            && (0.5..=2.0).contains(&ratio)
                            && colour < 40.0)
                            .then_some((u, j))
                    })
                });
                if let Some((u, j)) = back {
                    explained.push((u, j));
                    out.push(Raw {
                        kind: Kind::ObjectVanished,
                        severity: Severity::Serious,
                        frames: t + 1..u,
                        explanation: format!(
                            "an object near ({:.0}, {:.0}) px disappears in frame {} in the \
                             middle of the picture and reappears in frame {u}",
                            a.cx,
                            a.cy,
                            t + 1
                        ),
                    });
                }
            }
        }
        for t in 1..n.saturating_sub(2) {
            for (j, b) in self.blobs[t].iter().enumerate() {
                if b.border || b.area < big || self.has_prev[t][j] || explained.contains(&(t, j)) {
                    continue;
                }
                // It must persist two more frames and come from no foreground.
                let Some(k) = self.next[t][j] else { continue };
                if self.next[t + 1][k].is_none()
                    || self.coverage(b, t, t - 1) > 0.3
                    || self.change(b, t, t - 1) < CHANGE
                {
                    continue;
                }
                out.push(Raw {
                    kind: Kind::ObjectPopped,
                    severity: Severity::Warning,
                    frames: t..t + 1,
                    explanation: format!(
                        "an object appears out of nowhere near ({:.0}, {:.0}) px in frame \
                         {t}, away from the picture's edges",
                        b.cx, b.cy
                    ),
                });
            }
        }
        out
    }

    /// Per track: frame indices and camera-compensated centroids.
    fn chains(&self) -> Vec<Vec<(usize, f32, f32)>> {
        let n = self.blobs.len();
        let mut out = Vec::new();
        for t in 0..n {
            for i in 0..self.blobs[t].len() {
                if self.has_prev[t][i] {
                    continue;
                }
                let mut chain = Vec::new();
                let (mut u, mut k) = (t, i);
                loop {
                    let b = &self.blobs[u][k];
                    chain.push((u, b.cx - self.pos[u].0 as f32, b.cy - self.pos[u].1 as f32));
                    match self.next.get(u).and_then(|nx| nx.get(k)).copied().flatten() {
                        Some(j) => {
                            u += 1;
                            k = j;
                        }
                        None => break,
                    }
                }
                out.push(chain);
            }
        }
        out
    }

    /// Objects that jump along their own path (a displacement many times the track's usual
    /// step).
    pub(crate) fn motion_mismatch(&self) -> Vec<Raw> {
        let mut out = Vec::new();
        for c in self.chains() {
            if c.len() < 6 {
                continue;
            }
            let steps: Vec<f32> = c
                .windows(2)
                .map(|p| ((p[1].1 - p[0].1).powi(2) + (p[1].2 - p[0].2).powi(2)).sqrt())
                .collect();
            let m = median(&steps);
            for (k, &s) in steps.iter().enumerate() {
                if s > 6.0 * m.max(1.0) && s > 0.15 * self.w.min(self.h) as f32 {
                    let t = c[k + 1].0;
                    out.push(Raw {
                        kind: Kind::MotionMismatch,
                        severity: Severity::Info,
                        frames: t - 1..t + 1,
                        explanation: format!(
                            "an object jumps {s:.0} px between frames {} and {t}, {:.0}× its \
                             usual step: its motion does not follow its own path",
                            t - 1,
                            s / m.max(1.0)
                        ),
                    });
                }
            }
        }
        out
    }

    /// Sudden velocity changes along the tracks, refined between frames: where the straight
    /// paths before and after the change cross.
    pub fn motion_events(&self) -> Vec<MotionEvent> {
        let mut out = Vec::new();
        for c in self.chains() {
            if c.len() < 5 {
                continue;
            }
            for k in 2..c.len() - 2 {
                let v = |a: usize, b: usize| (c[b].1 - c[a].1, c[b].2 - c[a].2);
                let (vin, vout) = (v(k - 2, k - 1), v(k + 1, k + 2));
                let dv = ((vout.0 - vin.0).powi(2) + (vout.1 - vin.1).powi(2)).sqrt();
                let speed = (vin.0.hypot(vin.1)).max(vout.0.hypot(vout.1));
                if dv < 1.5 || dv < 0.8 * speed {
                    continue;
                }
                // The axis that changes most; lines through (k−2, k−1) and (k+1, k+2).
                let ax = if (vout.0 - vin.0).abs() > (vout.1 - vin.1).abs() {
                    1
                } else {
                    2
                };
                let p = |i: usize| if ax == 1 { c[i].1 } else { c[i].2 };
                let (s1, s2) = (p(k - 1) - p(k - 2), p(k + 2) - p(k + 1));
                if (s1 - s2).abs() < 1e-3 {
                    continue;
                }
                // p(k−1) + s1 (x − (k−1)) = p(k+1) + s2 (x − (k+1))
                let x = (p(k + 1) - p(k - 1) + s1 * (k as f32 - 1.0) - s2 * (k as f32 + 1.0))
                    / (s1 - s2);
                let x = x.clamp(k as f32 - 1.0, k as f32 + 1.0);
                let frame = c[0].0 as f32 + x;
                if out
                    .last()
                    .is_some_and(|e: &MotionEvent| (e.time * self.fps - frame).abs() < 1.5)
                {
                    continue;
                }
                out.push(MotionEvent {
                    time: frame / self.fps,
                    strength: dv,
                });
            }
        }
        out.sort_by(|a, b| a.time.total_cmp(&b.time));
        out
    }
}
