//! Global camera motion from pixels: per-row horizontal shifts (parallax pans), a global
//! vertical shift (tilts) and a global scale (zooms), each found by SAD search between
//! frames a quarter second apart, with sub-pixel parabolic refinement.
//!
//! Pans move near layers faster than far ones, so horizontal motion is modelled per row;
//! tilts and lens zooms have no parallax, so one parameter describes them.

use crate::render::Frame;
use crate::scene::{CameraMotion, Speed};

/// Luma image (f32), used for motion estimation.
#[derive(Debug, Clone)]
pub struct Luma {
    /// Width.
    pub w: usize,
    /// Height.
    pub h: usize,
    /// Row-major values 0..255.
    pub v: Vec<f32>,
}

impl Luma {
    /// Luma of an RGB frame.
    pub fn of(f: &Frame) -> Luma {
        let v = f
            .rgb
            .chunks_exact(3)
            .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
            .collect();
        Luma {
            w: f.width as usize,
            h: f.height as usize,
            v,
        }
    }

    /// Bilinear sample (clamped to the border).
    pub fn at(&self, x: f32, y: f32) -> f32 {
        let x = x.clamp(0.0, (self.w - 1) as f32);
        let y = y.clamp(0.0, (self.h - 1) as f32);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (x1, y1) = ((x0 + 1).min(self.w - 1), (y0 + 1).min(self.h - 1));
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let a = self.v[y0 * self.w + x0] * (1.0 - fx) + self.v[y0 * self.w + x1] * fx;
        let b = self.v[y1 * self.w + x0] * (1.0 - fx) + self.v[y1 * self.w + x1] * fx;
        a * (1.0 - fy) + b * fy
    }
}

/// Estimated camera motion of a clip.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CameraEstimate {
    /// Classified motion.
    pub motion: CameraMotion,
    /// Classified speed (slow for static).
    pub speed: Speed,
    /// Ground-layer horizontal content velocity in frame widths per second (+ = rightward).
    pub pan_rate: f32,
    /// Vertical content velocity in frame heights per second (+ = downward).
    pub tilt_rate: f32,
    /// Log-zoom rate per second (+ = zooming in).
    pub zoom_rate: f32,
    /// Per-row horizontal content velocity in pixels per frame (used to warp frames).
    #[serde(skip)]
    pub row_vx: Vec<f32>,
}

/// A block motion vector: (centre x, centre y, vx, vy) in pixels.
type BlockVector = (f32, f32, f32, f32);

fn parabolic(c: &[f32], i: usize) -> f32 {
    if i == 0 || i + 1 >= c.len() {
        return 0.0;
    }
    let (a, b, d) = (c[i - 1], c[i], c[i + 1]);
    let den = a - 2.0 * b + d;
    if den.abs() < 1e-9 {
        0.0
    } else {
        (0.5 * (a - d) / den).clamp(-0.5, 0.5)
    }
}

fn argmin(c: &[f32]) -> usize {
    c.iter()
        .enumerate()
        .min_by(|a, b| a.1.total_cmp(b.1))
        .map(|(i, _)| i)
        .unwrap_or(0)
}

fn median(v: &mut [f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Per-row shifts (px) of content from `a` to `b`; `None` for rows without texture.
fn row_shifts(a: &Luma, b: &Luma, r: i32) -> Vec<Option<f32>> {
    let (w, h) = (a.w, a.h);
    let m = r as usize;
    (0..h)
        .map(|y| {
            let ra = &a.v[y * w..(y + 1) * w];
            let rb = &b.v[y * w..(y + 1) * w];
            let costs: Vec<f32> = (-r..=r)
                .map(|s| {
                    let mut c = 0.0;
                    for x in m..w - m {
                        c += (rb[(x as i32 + s) as usize] - ra[x]).abs();
                    }
                    c / (w - 2 * m) as f32
                })
                .collect();
            let i = argmin(&costs);
            let max = costs.iter().copied().fold(0.0, f32::max);
            // A row with no texture (flat sky) constrains nothing.
            if max - costs[i] < 2.0 {
                return None;
            }
            Some((i as i32 - r) as f32 + parabolic(&costs, i))
        })
        .collect()
}

/// Block motion vectors from `a` to `b`: (block centre x, y, vx, vy) for textured blocks.
fn block_vectors(a: &Luma, b: &Luma, r: i32) -> Vec<BlockVector> {
    let bs = (a.w / 8).max(8);
    let mut out = Vec::new();
    let ri = r as usize;
    let mut by = ri;
    while by + bs + ri <= a.h {
        let mut bx = ri;
        while bx + bs + ri <= a.w {
            let side = (2 * r + 1) as usize;
            let mut costs = vec![0.0f32; side * side];
            for (ci, c) in costs.iter_mut().enumerate() {
                let (dx, dy) = ((ci % side) as i32 - r, (ci / side) as i32 - r);
                let mut s = 0.0;
                for y in (by..by + bs).step_by(2) {
                    let yb = (y as i32 + dy) as usize;
                    for x in (bx..bx + bs).step_by(2) {
                        let xb = (x as i32 + dx) as usize;
                        s += (b.v[yb * b.w + xb] - a.v[y * a.w + x]).abs().min(40.0);
                    }
                }
                *c = s / ((bs / 2) * (bs / 2)) as f32;
            }
            let i = argmin(&costs);
            let mean = costs.iter().sum::<f32>() / costs.len() as f32;
            // Textureless blocks (flat sky, smooth snow) say nothing about motion.
            let (ix, iy) = (i % side, i / side);
            let row: Vec<f32> = (0..side).map(|k| costs[iy * side + k]).collect();
            let col: Vec<f32> = (0..side).map(|k| costs[k * side + ix]).collect();
            let range = |v: &[f32]| {
                v.iter().copied().fold(0.0, f32::max)
                    - v[..].iter().copied().fold(f32::MAX, f32::min)
            };
            // Textureless blocks (flat sky, smooth snow) and blocks textured along one axis
            // only (gradients, stripes: the aperture problem) say nothing reliable.
            if mean > 3.0
                && costs[i] < 0.5 * mean
                && range(&row) > 0.4 * mean
                && range(&col) > 0.4 * mean
            {
                let vx = ix as f32 - r as f32 + parabolic(&row, ix);
                let vy = iy as f32 - r as f32 + parabolic(&col, iy);
                out.push((
                    bx as f32 + bs as f32 / 2.0,
                    by as f32 + bs as f32 / 2.0,
                    vx,
                    vy,
                ));
            }
            bx += bs;
        }
        by += bs;
    }
    out
}

/// Estimate the camera motion of a clip from its luma frames.
///
/// Per pair of frames a quarter second apart: block vectors, then three models compete on
/// their median residual — still, translation (ground blocks set the pan speed, since
/// objects share the ground's parallax) and scale about the centre. The clip's motion is the
/// majority model; its rates are medians over the pairs.
pub fn estimate(lumas: &[Luma], fps: u32) -> CameraEstimate {
    let n = lumas.len();
    let (w, h) = (lumas[0].w, lumas[0].h);
    let k = ((fps as f32 / 4.0).round() as usize).clamp(1, n.saturating_sub(1).max(1));
    let dt = k as f32 / fps as f32;
    let r = ((0.05 * w as f32).ceil() as i32).max(3);
    let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
    let mut rows: Vec<Vec<f32>> = vec![Vec::new(); h];
    let (mut pans, mut tilts, mut zooms) = (Vec::new(), Vec::new(), Vec::new());
    let mut votes = [0usize; 4];
    let mut coherent = Vec::new();
    let mut t = 0;
    while t + k < n {
        let (a, b) = (&lumas[t], &lumas[t + k]);
        let v = block_vectors(a, b, r);
        if v.len() >= 6 {
            let mut ground: Vec<f32> = v
                .iter()
                .filter(|q| q.1 > 0.6 * h as f32)
                .map(|q| q.2)
                .collect();
            let vx = if ground.len() >= 3 {
                median(&mut ground)
            } else {
                median(&mut v.iter().map(|q| q.2).collect::<Vec<_>>())
            };
            // The ground moves as one layer across the whole width; an object covers a few
            // block columns only. Prefer the horizontal velocity shared by the most columns
            // of ground blocks (the median can follow an object over a textureless ground).
            let low: Vec<&BlockVector> = v.iter().filter(|q| q.1 > 0.6 * h as f32).collect();
            let support = |c: f32| {
                let mut cols: Vec<i32> = low
                    .iter()
                    .filter(|q| (q.2 - c).abs() < 0.6)
                    .map(|q| q.0 as i32)
                    .collect();
                cols.sort_unstable();
                cols.dedup();
                cols.len()
            };
            let (vx, cols) = low
                .iter()
                .map(|q| (q.2, support(q.2)))
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.abs().total_cmp(&a.0.abs())))
                .filter(|m| m.1 >= 3 && m.1 > support(vx))
                .map(|m| (m.0, m.1))
                .unwrap_or((vx, support(vx)));
            let vy = median(&mut v.iter().map(|q| q.3).collect::<Vec<_>>());
            let num: f32 = v.iter().map(|q| q.2 * (q.0 - cx) + q.3 * (q.1 - cy)).sum();
            let den: f32 = v
                .iter()
                .map(|q| (q.0 - cx).powi(2) + (q.1 - cy).powi(2))
                .sum();
            let s = if den > 0.0 { num / den } else { 0.0 };
            let res = |f: &dyn Fn(&BlockVector) -> (f32, f32)| {
                let mut e: Vec<f32> = v
                    .iter()
                    .map(|q| {
                        let (mx, my) = f(q);
                        (q.2 - mx).hypot(q.3 - my)
                    })
                    .collect();
                median(&mut e)
            };
            let r0 = res(&|_| (0.0, 0.0));
            // Medians shrug off the minority of slower far-layer blocks in a parallax pan.
            // Pans have parallax: far layers move between still and the ground's speed.
            let rt = res(&|q| (q.2.clamp(vx.min(0.0), vx.max(0.0)), vy));
            let rz = res(&|q| (s * (q.0 - cx), s * (q.1 - cy)));
            let model = if r0 <= rt.min(rz) + 0.25 {
                0
            } else if rz < rt {
                3
            } else if vx.abs() >= vy.abs() {
                1
            } else {
                2
            };
            votes[model] += 1;
            coherent.push(cols);
            pans.push(vx / w as f32 / dt);
            tilts.push(vy / h as f32 / dt);
            zooms.push(s / dt);
            if model == 1 {
                for (y, sh) in row_shifts(a, b, r).iter().enumerate() {
                    if let Some(sh) = sh {
                        rows[y].push(sh / k as f32);
                    }
                }
            }
        } else {
            votes[0] += 1;
        }
        t += k.max(1);
    }
    let pan_rate = median(&mut pans);
    let tilt_rate = median(&mut tilts);
    let zoom_rate = median(&mut zooms);
    // The moving model most pairs preferred decides the kind of motion; its rate (relative
    // to the slow speed of that kind) decides whether the camera moved at all.
    // (When every pair preferred "still" — e.g. a starry sky outvotes the ground — the
    // largest normalized rate decides the kind.)
    let norm = [
        0.0,
        pan_rate.abs() / 0.06,
        tilt_rate.abs() / 0.035,
        zoom_rate.abs() / 0.1,
    ];
    // In that fallback a pan also needs its ground velocity shared across the width in
    // most pairs, not just by the blocks of one moving object.
    let wide = median(&mut coherent.iter().map(|&c| c as f32).collect::<Vec<_>>()) >= 4.0;
    let kind = if votes[1..].iter().all(|&v| v == 0) {
        (1..4)
            .filter(|&i| i != 1 || wide)
            .max_by(|&a, &b| norm[a].total_cmp(&norm[b]))
            .unwrap_or(0)
    } else {
        (1..4).max_by_key(|&i| (votes[i], 4 - i)).unwrap_or(1)
    };
    let best = if norm[kind] < 0.45 { 0 } else { kind };
    let (motion, speed) = match best {
        1 => (
            if pan_rate > 0.0 {
                CameraMotion::PanLeft
            } else {
                CameraMotion::PanRight
            },
            if pan_rate.abs() > 0.1 {
                Speed::Fast
            } else {
                Speed::Slow
            },
        ),
        2 => (
            if tilt_rate > 0.0 {
                CameraMotion::PanUp
            } else {
                CameraMotion::PanDown
            },
            if tilt_rate.abs() > 0.055 {
                Speed::Fast
            } else {
                Speed::Slow
            },
        ),
        3 => (
            if zoom_rate > 0.0 {
                CameraMotion::ZoomIn
            } else {
                CameraMotion::ZoomOut
            },
            if zoom_rate.abs() > 0.165 {
                Speed::Fast
            } else {
                Speed::Slow
            },
        ),
        _ => (CameraMotion::Static, Speed::Slow),
    };
    // Per-row velocities for warping: only meaningful for pans; rows without texture take
    // the nearest textured row's value.
    let mut row_vx: Vec<Option<f32>> = rows
        .iter_mut()
        .map(|v| if v.len() >= 2 { Some(median(v)) } else { None })
        .collect();
    if !matches!(motion, CameraMotion::PanLeft | CameraMotion::PanRight) {
        row_vx = vec![Some(0.0); h];
    }
    let vg = pan_rate * w as f32 / fps as f32;
    let filled = ground_rows(fill_rows(&row_vx, vg), vg);
    CameraEstimate {
        motion,
        speed,
        pan_rate,
        tilt_rate,
        zoom_rate,
        row_vx: filled,
    }
}

/// Objects share the ground's parallax, so a row that seems to move faster than the ground,
/// or against it, is following an object, not a layer. The ground is found from the bottom
/// up as the rows that move with it; they take its velocity, and rows above are clamped
/// between still and the ground's velocity.
fn ground_rows(mut v: Vec<f32>, vg: f32) -> Vec<f32> {
    let h = v.len();
    let tol = 0.25 * vg.abs() + 0.1;
    let mut top = h;
    let mut consistent = 0usize;
    for y in (0..h).rev() {
        if (v[y] - vg).abs() <= tol {
            consistent += 1;
        }
        if consistent as f32 >= 0.7 * (h - y) as f32 {
            top = y;
        }
    }
    let (lo, hi) = (vg.min(0.0), vg.max(0.0));
    for (y, x) in v.iter_mut().enumerate() {
        *x = if y >= top { vg } else { x.clamp(lo, hi) };
    }
    v
}

fn fill_rows(v: &[Option<f32>], default: f32) -> Vec<f32> {
    (0..v.len())
        .map(|y| {
            (0..v.len())
                .filter_map(|d| {
                    let up = y.checked_sub(d).and_then(|i| v[i]);
                    let down = v.get(y + d).copied().flatten();
                    up.or(down)
                })
                .next()
                .unwrap_or(default)
        })
        .collect()
}

/// Maps a pixel of frame `t` to where the same background point is in frame `u`.
#[allow(clippy::too_many_arguments)] // a pure coordinate map; bundling would only obscure it
pub fn map_point(
    cam: &CameraEstimate,
    fps: u32,
    w: usize,
    h: usize,
    x: f32,
    y: f32,
    t: usize,
    u: usize,
) -> (f32, f32) {
    let dtf = u as f32 - t as f32;
    match cam.motion {
        CameraMotion::Static => (x, y),
        CameraMotion::PanLeft | CameraMotion::PanRight => {
            let row = (y.round() as usize).min(h - 1);
            (x + cam.row_vx[row] * dtf, y)
        }
        CameraMotion::PanUp | CameraMotion::PanDown => {
            (x, y + cam.tilt_rate * h as f32 / fps as f32 * dtf)
        }
        CameraMotion::ZoomIn | CameraMotion::ZoomOut => {
            let s = (cam.zoom_rate / fps as f32 * dtf).exp();
            let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
            (cx + (x - cx) * s, cy + (y - cy) * s)
        }
    }
}
