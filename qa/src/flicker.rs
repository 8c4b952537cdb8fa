//! Flicker: the brightness of the whole picture, or of one region, jumps for a frame or
//! two and comes back.
//!
//! Why it works: the picture is cut into a 4×4 grid, and for each region the *median* of
//! the per-pixel luma change is taken. Moving objects and camera motion change some pixels
//! up and others down, so that median stays near zero; a brightness jump moves nearly all
//! pixels of the region the same way. A flicker is a bump — up entering the frame(s) and
//! down leaving them (or the reverse) — whereas a real lighting change or a slow pan over a
//! gradient changes the median steadily in one direction.

use crate::luma::Lumas;
use crate::stats::median;
use crate::{Kind, Raw, Severity};

/// Grid size (regions per side).
const GRID: usize = 4;
/// Median bump over all regions (levels) that is a global flicker.
const GLOBAL: f32 = 3.0;
/// Bump in one region (levels) that is a regional flicker.
const REGIONAL: f32 = 7.0;

/// Per region, the median of `a − b` over its pixels.
fn region_medians(l: &Lumas, a: usize, b: usize) -> Vec<f32> {
    let (w, h) = (l.width, l.height);
    let mut out = Vec::with_capacity(GRID * GRID);
    let mut buf = Vec::new();
    for gy in 0..GRID {
        for gx in 0..GRID {
            buf.clear();
            for y in gy * h / GRID..(gy + 1) * h / GRID {
                for x in gx * w / GRID..(gx + 1) * w / GRID {
                    let i = y * w + x;
                    buf.push(l.y[a][i] - l.y[b][i]);
                }
            }
            out.push(median(&buf));
        }
    }
    out
}

/// Findings.
pub(crate) fn analyze(l: &Lumas) -> Vec<Raw> {
    let n = l.len();
    if n < 3 || l.width < GRID || l.height < GRID {
        return vec![];
    }
    // enter[t] = medians of (t − (t−1)) per region, t ≥ 1.
    let enter: Vec<Vec<f32>> = (0..n)
        .map(|t| {
            if t == 0 {
                vec![0.0; GRID * GRID]
            } else {
                region_medians(l, t, t - 1)
            }
        })
        .collect();
    let mut out: Vec<Raw> = Vec::new();
    for t in 1..n - 1 {
        for w in 1..=2usize {
            if t + w >= n {
                continue;
            }
            // Leaving the bump: (t+w−1) − (t+w) = −enter[t+w].
            let bumps: Vec<f32> = (0..GRID * GRID)
                .map(|r| {
                    let (a, b) = (enter[t][r], -enter[t + w][r]);
                    if a * b > 0.0 {
                        a.signum() * a.abs().min(b.abs())
                    } else {
                        0.0
                    }
                })
                .collect();
            let global = median(&bumps);
            let (worst_r, worst) = bumps
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
                .map(|(i, v)| (i, *v))
                .unwrap_or((0, 0.0));
            let span = if w == 1 {
                format!("frame {t}")
            } else {
                format!("frames {t}–{}", t + w - 1)
            };
            let way = |v: f32| if v > 0.0 { "brighter" } else { "darker" };
            let found = if global.abs() >= GLOBAL {
                Some(format!(
                    "{span} is {:.0} levels {} than the frames around it across the whole \
                     picture, and the motion does not explain it: flicker",
                    global.abs(),
                    way(global)
                ))
            } else if worst.abs() >= REGIONAL {
                let (gx, gy) = (worst_r % GRID, worst_r / GRID);
                let vert = ["top", "upper middle", "lower middle", "bottom"][gy];
                let horiz = ["left", "centre-left", "centre-right", "right"][gx];
                Some(format!(
                    "{span} is {:.0} levels {} than the frames around it in the {vert} \
                     {horiz} of the picture: regional flicker",
                    worst.abs(),
                    way(worst)
                ))
            } else {
                None
            };
            if let Some(explanation) = found {
                if out.iter().any(|o| o.frames.contains(&t)) {
                    continue;
                }
                out.push(Raw {
                    kind: Kind::Flicker,
                    severity: Severity::Warning,
                    frames: t..t + w,
                    explanation,
                });
            }
        }
    }
    out
}
