//! Frame cadence: duplicated frames (the motion stalls for a frame) and dropped frames
//! (the motion skips ahead).
//!
//! Why it works: motion in a shot changes smoothly, so a frame's difference from its
//! predecessor is close to that of its neighbours. A repeated frame differs by almost
//! nothing while the frames around it move; a skipped frame differs by two or more steps'
//! worth of motion at once. A repeat is judged against the median of the nearby
//! differences; a skip against the larger of its two neighbours (a skip of two frames
//! makes one difference about twice the size of both, while a clip's own accelerations
//! change it gradually). Slow and fast clips are treated alike, and a genuinely still shot
//! (no motion to stall) is never flagged. The frame difference saturates once an object
//! moves more than its own size, so very fast small objects hide a skip.

use crate::jumps::jump_frames;
use crate::luma::Lumas;
use crate::stats::median;
use crate::{Kind, Raw, Severity};

/// Below this share of the local motion a frame counts as a repeat.
const DUP_SHARE: f32 = 0.15;
/// Above this multiple of the larger neighbouring difference the motion skipped ahead
/// (chosen on tuning seeds: clean clips peak at 1.7, two dropped frames give ≥ 1.8).
const DROP_RATIO: f32 = 1.75;
/// Luma levels by which a skip's difference must also exceed its larger neighbour. A
/// generated or encoded clip that barely moves has frame differences of 0.2–0.6 levels
/// that wander by half their size from frame to frame (the scene model's and the codec's
/// noise): the ratio alone flagged 91% of 5 s generated clips for skips no one could see.
/// A real skip in motion the eye follows (≥ 0.5 levels a frame) exceeds it.
const DROP_EXCESS: f32 = 0.5;
/// Local motion (luma levels) below which cadence is not judged.
const MIN_MOTION: f32 = 0.3;
/// Frames either side that define the local motion.
const WINDOW: usize = 4;

fn local_motion(d: &[f32], t: usize) -> f32 {
    let lo = t.saturating_sub(WINDOW).max(1);
    let hi = (t + WINDOW).min(d.len() - 1);
    let v: Vec<f32> = (lo..=hi).filter(|&j| j != t).map(|j| d[j]).collect();
    median(&v)
}

/// Findings.
pub(crate) fn analyze(l: &Lumas) -> Vec<Raw> {
    let n = l.len();
    if n < 4 {
        return vec![];
    }
    let d = &l.diff;
    let jumps = jump_frames(l);
    let mut out = Vec::new();
    let mut dup = vec![false; n];
    for t in 1..n {
        let m = local_motion(d, t);
        if m < MIN_MOTION {
            continue;
        }
        if d[t] < DUP_SHARE * m {
            dup[t] = true;
            out.push(Raw {
                kind: Kind::DuplicatedFrame,
                severity: Severity::Warning,
                frames: t..t + 1,
                explanation: format!(
                    "frame {t} repeats frame {} while the clip is moving: the motion \
                     stalls for a frame (a duplicated frame)",
                    t - 1
                ),
            });
        } else if t + 1 < n
            && d[t] > DROP_RATIO * d[t - 1].max(d[t + 1]).max(MIN_MOTION)
            && d[t] - d[t - 1].max(d[t + 1]) > DROP_EXCESS
            && !jumps.contains(&t)
            && !dup[t - 1]
        {
            out.push(Raw {
                kind: Kind::DroppedFrames,
                severity: Severity::Warning,
                frames: t - 1..t + 1,
                explanation: format!(
                    "between frames {} and {t} the motion skips ahead about {:.1} frames' \
                     worth at once: frames look dropped",
                    t - 1,
                    d[t] / d[t - 1].max(d[t + 1]).max(MIN_MOTION)
                ),
            });
        }
    }
    out
}
