//! Audio-visual offset: sharp sound onsets against sudden changes of motion.
//!
//! Why it works: a bounce, landing or collision changes an object's velocity abruptly and
//! makes a sharp sound at that instant. Onsets are found as 1 ms blocks whose
//! high-passed energy leaps far above the preceding 20 ms; motion events come from the
//! object tracks, refined between frames where the paths before and after cross. Each
//! motion event is paired with the nearest onset within ±150 ms; the median of the
//! pairs' offsets is robust to the odd mismatched pair, and a median beyond ±40 ms is
//! an offset viewers notice. An offset resting on a single pair is reported at info level
//! only.

use crate::objects::MotionEvent;
use crate::stats::median;
use crate::{Audio, Kind, Raw, Severity};

/// Offsets beyond this (ms) are reported.
pub const LIMIT_MS: f32 = 40.0;
/// Pairs needed before an offset is more than an info-level finding.
const MIN_PAIRS: usize = 2;
/// Largest offset considered a pairing (s).
const PAIR_S: f32 = 0.15;

/// Result of the check.
pub struct Sync {
    /// Median audio − video offset (ms), when at least one pair was found.
    pub offset_ms: Option<f32>,
    /// A finding when the offset is beyond the limit.
    pub(crate) finding: Option<Raw>,
}

/// Sharp onsets (s): blocks whose high-passed energy jumps over the recent level.
pub fn onsets(a: &Audio) -> Vec<f32> {
    let sr = a.sample_rate as f32;
    let x = a.samples;
    let block = ((sr / 1000.0) as usize).max(4);
    let e: Vec<f32> = (0..x.len() / block)
        .map(|b| {
            (b * block..(b + 1) * block)
                .filter(|&n| n > 0)
                .map(|n| (x[n] - x[n - 1]).powi(2))
                .sum::<f32>()
                / block as f32
        })
        .collect();
    let mut out: Vec<f32> = Vec::new();
    for b in 20..e.len() {
        let recent = e[b - 20..b].iter().sum::<f32>() / 20.0;
        if e[b] > 10.0 * recent.max(1e-7) && e[b] > 1e-4 {
            // First sample of the block whose jump reaches 30% of the block's largest.
            let range = b * block..(b + 1) * block;
            let peak = range
                .clone()
                .map(|n| (x[n] - x[n - 1]).abs())
                .fold(0.0, f32::max);
            let n = range
                .clone()
                .find(|&n| (x[n] - x[n - 1]).abs() >= 0.3 * peak)
                .unwrap_or(range.start);
            let t = n as f32 / sr;
            if out.last().is_none_or(|&p| t - p > 0.05) {
                out.push(t);
            }
        }
    }
    out
}

/// Pair motion events with onsets.
pub(crate) fn analyze(a: &Audio, events: &[MotionEvent], fps: f32, n: usize) -> Sync {
    let on = onsets(a);
    let pairs: Vec<(f32, f32)> = events
        .iter()
        .filter_map(|e| {
            on.iter()
                .map(|&o| o - e.time)
                .filter(|d| d.abs() <= PAIR_S)
                .min_by(|x, y| x.abs().total_cmp(&y.abs()))
                .map(|d| (e.time, d * 1000.0))
        })
        .collect();
    if pairs.is_empty() {
        return Sync {
            offset_ms: None,
            finding: None,
        };
    }
    let offs: Vec<f32> = pairs.iter().map(|p| p.1).collect();
    let m = median(&offs);
    let finding = (m.abs() > LIMIT_MS).then(|| {
        let first = crate::frame_at(pairs[0].0, fps, n);
        let last = crate::frame_at(pairs[pairs.len() - 1].0, fps, n);
        Raw {
            kind: Kind::AvOffset,
            // One impact is weak evidence (a mismatched pair, a motion event mistimed by
            // the tracker): worth a look, not a defect.
            severity: if pairs.len() < MIN_PAIRS {
                Severity::Info
            } else if m.abs() > 2.0 * LIMIT_MS {
                Severity::Serious
            } else {
                Severity::Warning
            },
            frames: first..last + 1,
            explanation: format!(
                "sounds come {:.0} ms {} the motion that makes them (median of {} \
                 impacts): the soundtrack is out of sync",
                m.abs(),
                if m > 0.0 { "after" } else { "before" },
                pairs.len()
            ),
        }
    });
    Sync {
        offset_ms: Some(m),
        finding,
    }
}
