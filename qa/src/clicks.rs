//! Audio clicks: a sample-level discontinuity that stands out from the sound around it.
//!
//! Why it works: the jump between consecutive samples, |x[n] − x[n−1]|, is limited by the
//! sound's bandwidth and loudness. In each 1 ms block we take the largest jump; a click is
//! a block whose largest jump is several times the typical largest jump of the blocks just
//! *before and after* it. Requiring both sides separates a click (an isolated spike) from
//! the sharp start of a real sound (an impact), whose noisy tail keeps the jumps large
//! afterwards.

use crate::stats::median;
use crate::{Audio, AudioEvent, Severity};

/// Times the surrounding level a click's jump must reach.
const RATIO: f32 = 4.0;
/// Smallest jump (full scale = 1) that counts as audible.
const FLOOR: f32 = 0.05;

/// Clicks found in the soundtrack.
pub fn analyze(a: &Audio) -> Vec<AudioEvent> {
    let sr = a.sample_rate as f32;
    let x = a.samples;
    let block = ((sr / 1000.0) as usize).max(4);
    let nb = x.len() / block;
    if nb < 16 {
        return vec![];
    }
    // Largest jump per block and where it is.
    let peaks: Vec<(f32, usize)> = (0..nb)
        .map(|b| {
            (b * block..(b + 1) * block)
                .filter(|&n| n > 0)
                .map(|n| ((x[n] - x[n - 1]).abs(), n))
                .fold((0.0f32, b * block), |m, v| if v.0 > m.0 { v } else { m })
        })
        .collect();
    let level = |lo: usize, hi: usize| -> f32 {
        let v: Vec<f32> = (lo..hi.min(nb)).map(|b| peaks[b].0).collect();
        median(&v)
    };
    let mut out: Vec<AudioEvent> = Vec::new();
    for (b, &(p, n)) in peaks.iter().enumerate().take(nb.saturating_sub(8)).skip(6) {
        if p < FLOOR {
            continue;
        }
        let before = level(b - 6, b - 1);
        let after = level(b + 2, b + 8);
        let around = before.max(after).max(1e-4);
        if p > RATIO * around {
            let t = n as f32 / sr;
            if out.last().is_some_and(|e| t - e.end < 0.01) {
                continue;
            }
            out.push(AudioEvent {
                start: t,
                end: t + 0.001,
                severity: Severity::Warning,
                explanation: format!(
                    "a click at {t:.3} s: the waveform jumps {:.0}× more than the sound \
                     around it",
                    p / around
                ),
            });
        }
    }
    out
}
