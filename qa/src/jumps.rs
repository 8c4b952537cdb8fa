//! Jumps and transitions: a frame pair whose difference towers over the clip's own motion.
//!
//! Why it works: in a continuous shot, consecutive frames differ by roughly the same
//! amount (the clip's motion), so the mean absolute luma difference has a tight median and
//! spread. A cut or a jump replaces most of the picture at once; its difference is many
//! robust standard deviations above the median *and* several times the median, which
//! ordinary accelerations never reach.

use crate::luma::Lumas;
use crate::stats::{mad, median};
use crate::{Kind, Raw, Severity};

/// Spread multiple above the median that marks a jump.
const SPREAD_K: f32 = 8.0;
/// A jump is also at least this many times the clip's median difference.
const RATIO: f32 = 3.5;
/// And at least this many luma levels (a still clip's tiny noise never counts).
const FLOOR: f32 = 6.0;

/// Frames that start a jump (frame `t` differs from `t − 1` like a cut).
pub fn jump_frames(l: &Lumas) -> Vec<usize> {
    if l.len() < 3 {
        return vec![];
    }
    let d = &l.diff[1..];
    let (m, s) = (median(d), mad(d));
    (1..l.len())
        .filter(|&t| {
            let x = l.diff[t];
            x > m + SPREAD_K * s.max(0.25) && x > RATIO * m && x > FLOOR
        })
        .collect()
}

/// Findings.
pub(crate) fn analyze(l: &Lumas) -> Vec<Raw> {
    let m = median(&l.diff[1.min(l.len())..]);
    jump_frames(l)
        .into_iter()
        .map(|t| Raw {
            kind: Kind::Jump,
            severity: Severity::Warning,
            frames: t..t + 1,
            explanation: format!(
                "the picture jumps between frames {} and {t}: it changes {:.0}× more than \
                 the clip's typical frame-to-frame change — a cut or a jump (fine if it is \
                 an intended cut)",
                t - 1,
                l.diff[t] / m.max(0.05)
            ),
        })
        .collect()
}
