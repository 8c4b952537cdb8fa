//! Audio clicks: a sample-level discontinuity that stands out from the sound around it.
//!
//! Why it works: a sound is largely predictable from its own recent past — a tone, a
//! chord or a formant all are — so a short linear predictor (order 12, fitted per 20 ms
//! frame) leaves only a small residual. A click is one or two samples that no predictor
//! foresees: its residual towers over the residual of the sound *just before and after*
//! it. Requiring both sides to be quiet separates a click (an isolated spike) from the
//! sharp start of a real sound (an impact), whose noisy tail keeps the residual large
//! afterwards, and from the regular pulses of a voice, which repeat every few ms. Noise
//! beds (rain, wind) are unpredictable too, but their residual is spread evenly, so the
//! comparison holds there as well — which the raw sample-to-sample jump cannot do.

use crate::stats::quantile;
use crate::{Audio, AudioEvent, Severity};

/// Times the surrounding residual level a click's residual must reach.
const RATIO: f32 = 3.6;
/// Smallest residual (full scale = 1) that counts as audible.
const FLOOR: f32 = 0.05;
/// Predictor order and frame length (s).
const ORDER: usize = 12;
const FRAME_S: f32 = 0.02;
/// Blocks (1 ms) either side that set the surrounding level, and the gap left around the
/// candidate (the predictor carries a click into the next few samples).
const SIDE: usize = 10;
const GAP: usize = 2;

/// Linear-prediction coefficients `a` (x[n] ≈ Σ a[k] x[n−1−k]) of a Hann-windowed frame,
/// by Levinson–Durbin.
fn lpc(x: &[f32]) -> Vec<f32> {
    let n = x.len();
    let w: Vec<f64> = x
        .iter()
        .enumerate()
        .map(|(i, v)| {
            let h = 0.5 - 0.5 * (std::f64::consts::TAU * i as f64 / (n - 1).max(1) as f64).cos();
            *v as f64 * h
        })
        .collect();
    let mut r = [0.0f64; ORDER + 1];
    for (k, rk) in r.iter_mut().enumerate() {
        *rk = (k..n).map(|i| w[i] * w[i - k]).sum();
    }
    r[0] = r[0] * 1.0001 + 1e-12;
    let mut a = vec![0.0f64; ORDER + 1];
    let mut err = r[0];
    for i in 1..=ORDER {
        let acc: f64 = (1..i).map(|j| a[j] * r[i - j]).sum();
        let k = (r[i] - acc) / err;
        let prev = a.clone();
        a[i] = k;
        for j in 1..i {
            a[j] = prev[j] - k * prev[i - j];
        }
        err *= 1.0 - k * k;
        if err <= 0.0 {
            break;
        }
    }
    a[1..].iter().map(|v| *v as f32).collect()
}

/// Prediction residual of the whole soundtrack (each frame with its own predictor).
pub(crate) fn residual(x: &[f32], frame: usize) -> Vec<f32> {
    let mut e = vec![0.0f32; x.len()];
    for f0 in (0..x.len()).step_by(frame) {
        let f1 = (f0 + frame).min(x.len());
        if f1 - f0 <= ORDER {
            continue;
        }
        let a = lpc(&x[f0..f1]);
        for n in f0.max(ORDER)..f1 {
            let p: f32 = a.iter().enumerate().map(|(k, c)| c * x[n - 1 - k]).sum();
            e[n] = x[n] - p;
        }
    }
    e
}

/// Per sample, |residual| over the residual level of the 1 ms blocks around it (the
/// larger of the two sides, leaving a gap of [`GAP`] blocks).
fn ratios(e: &[f32], block: usize) -> Vec<f32> {
    let nb = e.len() / block;
    let peaks: Vec<f32> = (0..nb)
        .map(|b| {
            e[b * block..(b + 1) * block]
                .iter()
                .fold(0.0f32, |m, v| m.max(v.abs()))
        })
        .collect();
    let level = |lo: usize, hi: usize| -> f32 {
        let v: Vec<f32> = peaks[lo..hi.min(nb)].to_vec();
        quantile(&v, 0.75)
    };
    let mut out = vec![0.0f32; e.len()];
    for b in SIDE + GAP..nb.saturating_sub(SIDE + GAP) {
        let around = level(b - GAP - SIDE, b - GAP + 1)
            .max(level(b + GAP, b + GAP + SIDE))
            .max(1e-4);
        for n in b * block..(b + 1) * block {
            out[n] = e[n].abs() / around;
        }
    }
    out
}

/// Candidate clicks: (time s, residual, score) for every 1 ms block whose residual peak
/// is at least twice its surroundings and above the floor. The score is the smaller of
/// the forward and the backward ratio: a click breaks the waveform seen from both sides,
/// whereas the start of a sound breaks it only going forward (the backward predictor
/// fails one sample *earlier*, on the last quiet sample) and its end only going backward.
pub fn candidates(a: &Audio) -> Vec<(f32, f32, f32)> {
    let sr = a.sample_rate as f32;
    let x = a.samples;
    let block = ((sr / 1000.0) as usize).max(4);
    let nb = x.len() / block;
    if nb < 2 * (SIDE + GAP) + 1 {
        return vec![];
    }
    let frame = ((FRAME_S * sr) as usize).max(4 * ORDER);
    let ef = residual(x, frame);
    let rev: Vec<f32> = x.iter().rev().copied().collect();
    let mut eb = residual(&rev, frame);
    eb.reverse();
    let (rf, rb) = (ratios(&ef, block), ratios(&eb, block));
    let mut out = Vec::new();
    for b in SIDE + GAP..nb - SIDE - GAP {
        let (n, p) = (b * block..(b + 1) * block)
            .map(|n| (n, ef[n].abs()))
            .fold((b * block, 0.0f32), |m, v| if v.1 > m.1 { v } else { m });
        if p < FLOOR || rf[n] < 2.0 {
            continue;
        }
        let back = rb[n..(n + 3).min(x.len())]
            .iter()
            .fold(0.0f32, |m, v| m.max(*v));
        let score = rf[n].min(back);
        if score >= 2.0 {
            out.push((n as f32 / sr, p, score));
        }
    }
    out
}

/// Clicks found in the soundtrack.
pub fn analyze(a: &Audio) -> Vec<AudioEvent> {
    let mut out: Vec<AudioEvent> = Vec::new();
    for (t, _, ratio) in candidates(a) {
        if ratio < RATIO || out.last().is_some_and(|e| t - e.end < 0.01) {
            continue;
        }
        out.push(AudioEvent {
            start: t,
            end: t + 0.001,
            severity: Severity::Warning,
            explanation: format!(
                "a click at {t:.3} s: the waveform breaks {ratio:.0}× more sharply than the \
                 sound around it"
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_in_a_tone_is_found_and_the_tone_alone_is_not() {
        let sr = 24_000;
        let mut x: Vec<f32> = (0..sr)
            .map(|n| 0.3 * (std::f32::consts::TAU * 440.0 * n as f32 / sr as f32).sin())
            .collect();
        let a = Audio {
            sample_rate: sr as u32,
            samples: &x,
        };
        assert!(analyze(&a).is_empty());
        x[12_000] += 0.3;
        let a = Audio {
            sample_rate: sr as u32,
            samples: &x,
        };
        let found = analyze(&a);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!((found[0].start - 0.5).abs() < 0.002);
    }
}
