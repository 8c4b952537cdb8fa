//! The artifact taxonomy's picture defects: boundary smears (an edge of the picture filled
//! with stretched copies of one row or column) and texture-noise patches (a spot far
//! busier than the same place in the rest of the clip).
//!
//! Why they work:
//! - Smear: real content changes from one row to the next, at least a little, and how many
//!   identical lines a frame has at an edge is stable over a shot (a flat sky stays flat).
//!   A stretched band makes several lines at the edge identical in some frames only, so the
//!   count jumps above that edge's own median.
//! - Noise: high-frequency energy (mean |pixel − mean of its four neighbours|) of a block
//!   is set by the texture under it, which stays similar while the shot goes on. Noise
//!   raises it well above both that block's median over time and the busiest its
//!   neighbourhood gets at other times (a textured object passing through was, or will
//!   be, next door too; a burst of noise is there for a few frames only).

use crate::luma::Lumas;
use crate::stats::median;
use crate::{Kind, Raw, Severity};

/// Lines differing by less than this (mean levels) count as copies.
const SAME_LINE: f32 = 0.15;
/// Mean step along a smeared line (levels) below which the line is flat.
const MIN_DETAIL: f32 = 1.0;
/// Identical lines at an edge beyond the edge's own median that make a smear.
const SMEAR_EXTRA: usize = 3;

/// Number of identical consecutive lines from one edge of frame `y`.
fn flat_lines(y: &[f32], w: usize, h: usize, edge: usize) -> usize {
    // edge: 0 top, 1 bottom, 2 left, 3 right.
    let (lines, len) = if edge < 2 { (h, w) } else { (w, h) };
    let at = |line: usize, k: usize| -> f32 {
        match edge {
            0 => y[line * w + k],
            1 => y[(h - 1 - line) * w + k],
            2 => y[k * w + line],
            _ => y[k * w + (w - 1 - line)],
        }
    };
    // A flat line (a clear sky) copied onto itself is no smear: the copied line must
    // carry detail along its length.
    let detail = |line: usize| {
        (0..len - 1)
            .map(|k| (at(line, k) - at(line, k + 1)).abs())
            .sum::<f32>()
            / (len - 1) as f32
    };
    if detail(0) < MIN_DETAIL {
        return 0;
    }
    let mut count = 0;
    for line in 0..lines.saturating_sub(1) / 2 {
        let d = (0..len)
            .map(|k| (at(line, k) - at(line + 1, k)).abs())
            .sum::<f32>()
            / len as f32;
        if d >= SAME_LINE {
            break;
        }
        count += 1;
    }
    count
}

/// Groups a per-frame flag into runs `start..end`.
fn runs(flags: &[bool]) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut start = None;
    for (t, &f) in flags.iter().chain(std::iter::once(&false)).enumerate() {
        match (f, start) {
            (true, None) => start = Some(t),
            (false, Some(s)) => {
                out.push(s..t);
                start = None;
            }
            _ => {}
        }
    }
    out
}

/// Boundary smears.
pub(crate) fn boundary_smears(l: &Lumas) -> Vec<Raw> {
    let (w, h) = (l.width, l.height);
    let mut out = Vec::new();
    if w < 8 || h < 8 {
        return out;
    }
    for (edge, name) in ["top", "bottom", "left", "right"].iter().enumerate() {
        let counts: Vec<usize> = l.y.iter().map(|y| flat_lines(y, w, h, edge)).collect();
        let norm = median(&counts.iter().map(|&c| c as f32).collect::<Vec<_>>()) as usize;
        let flags: Vec<bool> = counts
            .iter()
            .map(|&c| c >= 3 && c >= norm + SMEAR_EXTRA)
            .collect();
        for r in runs(&flags) {
            let widest = counts[r.clone()].iter().copied().max().unwrap_or(0);
            out.push(Raw {
                kind: Kind::BoundarySmear,
                severity: Severity::Warning,
                frames: r.clone(),
                explanation: format!(
                    "at the {name} edge, {widest} {} of frames {}–{} are copies of one \
                     line: the edge is stretched or smeared",
                    if edge < 2 { "rows" } else { "columns" },
                    r.start,
                    r.end - 1
                ),
            });
        }
    }
    out
}

/// Block size and stride of the noise map.
const BLOCK: usize = 8;
const STRIDE: usize = 4;
/// Noise is this many times its block's usual high-frequency energy and the busiest its
/// neighbourhood gets more than [`NOISE_SPAN`] frames away (chosen on tuning seeds: clean
/// clips reach 2.1).
const NOISE_RATIO: f32 = 2.2;
/// And at least this much (levels).
const NOISE_FLOOR: f32 = 12.0;
/// Frames either side of a frame that its neighbourhood's norm leaves out (a noise burst
/// lasting up to `2 × NOISE_SPAN + 1` frames does not mask itself).
const NOISE_SPAN: usize = 2;

/// High-frequency energy per block: `[block][frame]`, with block origins.
fn hf_map(l: &Lumas) -> (Vec<(usize, usize)>, Vec<Vec<f32>>) {
    let (w, h) = (l.width, l.height);
    let mut origins = Vec::new();
    let mut y0 = 1;
    while y0 + BLOCK < h {
        let mut x0 = 1;
        while x0 + BLOCK < w {
            origins.push((x0, y0));
            x0 += STRIDE;
        }
        y0 += STRIDE;
    }
    let energy = origins
        .iter()
        .map(|&(x0, y0)| {
            l.y.iter()
                .map(|y| {
                    let mut s = 0.0;
                    for yy in y0..y0 + BLOCK {
                        for xx in x0..x0 + BLOCK {
                            let i = yy * w + xx;
                            let nb = 0.25 * (y[i - 1] + y[i + 1] + y[i - w] + y[i + w]);
                            s += (y[i] - nb).abs();
                        }
                    }
                    s / (BLOCK * BLOCK) as f32
                })
                .collect()
        })
        .collect();
    (origins, energy)
}

/// Texture-noise patches.
pub(crate) fn noise_patches(l: &Lumas) -> Vec<Raw> {
    let (origins, e) = hf_map(l);
    let n = l.len();
    if origins.is_empty() || n < 3 {
        return vec![];
    }
    let mut worst: Vec<Option<(f32, usize)>> = vec![None; n];
    for (b, series) in e.iter().enumerate() {
        // Busiest the neighbourhood (this block and those overlapping it) gets at other
        // times: a textured object that passes through was, or will be, next door too.
        let (bx, by) = origins[b];
        let near: Vec<usize> = (0..origins.len())
            .filter(|&c| origins[c].0.abs_diff(bx) <= STRIDE && origins[c].1.abs_diff(by) <= STRIDE)
            .collect();
        let around: Vec<f32> = (0..n)
            .map(|u| near.iter().map(|&c| e[c][u]).fold(0.0, f32::max))
            .collect();
        let own = median(series);
        for (t, &v) in series.iter().enumerate() {
            let elsewhere = (0..n)
                .filter(|u| u.abs_diff(t) > NOISE_SPAN)
                .map(|u| around[u])
                .fold(0.0, f32::max);
            let norm = own.max(elsewhere);
            if v > NOISE_RATIO * norm && v > NOISE_FLOOR {
                let r = v / norm;
                if worst[t].is_none_or(|(w, _)| r > w) {
                    worst[t] = Some((r, b));
                }
            }
        }
    }
    let flags: Vec<bool> = worst.iter().map(Option::is_some).collect();
    runs(&flags)
        .into_iter()
        .map(|r| {
            let (ratio, b) = r
                .clone()
                .filter_map(|t| worst[t])
                .max_by(|a, b| a.0.total_cmp(&b.0))
                .unwrap_or((0.0, 0));
            let (x, y) = origins[b];
            Raw {
                kind: Kind::NoisePatch,
                severity: Severity::Warning,
                frames: r.clone(),
                explanation: format!(
                    "frames {}–{}: a patch near ({x}, {y}) px is {ratio:.1}× noisier than \
                     the same place elsewhere in the clip (texture noise)",
                    r.start,
                    r.end - 1
                ),
            }
        })
        .collect()
}
