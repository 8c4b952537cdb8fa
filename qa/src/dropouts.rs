//! Audio dropouts: the sound cuts to silence and comes back.
//!
//! Why it works: natural sounds fade (an impact's ring decays over tens of ms), so going
//! from clearly audible to digital near-silence within one 2.5 ms block, and coming back
//! just as abruptly, is what a lost buffer or a gap in the stream does. Both edges must be
//! loud, so the quiet stretch between two sounds of a sparse soundtrack is not a dropout.

use crate::{Audio, AudioEvent, Severity};

/// RMS below which a block is silent.
const SILENT: f32 = 2e-3;
/// RMS a block next to the gap must reach (clearly audible).
const LOUD: f32 = 0.02;
/// Shortest and longest dropout (s).
const MIN_S: f32 = 0.01;
const MAX_S: f32 = 1.0;

/// Dropouts found in the soundtrack.
pub fn analyze(a: &Audio) -> Vec<AudioEvent> {
    let sr = a.sample_rate as f32;
    let block = ((sr / 400.0) as usize).max(4);
    let r: Vec<f32> = a
        .samples
        .chunks_exact(block)
        .map(crate::stats::rms)
        .collect();
    let nb = r.len();
    let bs = block as f32 / sr;
    let mut out = Vec::new();
    let mut b = 1;
    while b < nb {
        if r[b] >= SILENT || r[b - 1].max(r[b.saturating_sub(2)]) < LOUD {
            b += 1;
            continue;
        }
        let start = b;
        while b < nb && r[b] < SILENT {
            b += 1;
        }
        let len = (b - start) as f32 * bs;
        if b < nb
            && r[b].max(r.get(b + 1).copied().unwrap_or(0.0)) >= LOUD
            && (MIN_S..=MAX_S).contains(&len)
        {
            let t = start as f32 * bs;
            out.push(AudioEvent {
                start: t,
                end: t + len,
                severity: Severity::Serious,
                explanation: format!(
                    "the sound cuts out for {:.0} ms at {t:.2} s and comes back abruptly \
                     (a dropout)",
                    len * 1000.0
                ),
            });
        }
    }
    out
}
