//! Audio stutter: a piece of sound (20–120 ms) played twice in a row.
//!
//! Why it works: after a stutter the waveform equals itself shifted by the repeated
//! length L — for exactly L samples, and no longer. Autocorrelation of short windows
//! (by FFT, of the linear-prediction residual) proposes candidate lags; each is then verified block by block (the shifted
//! waveform must match within −17 dB). A periodic sound (a held note) also matches itself
//! at multiples of its period, but over a stretch much longer than the lag, so the match
//! must last about one lag (0.7–1.4 L) to count.

use crate::{Audio, AudioEvent, Severity};

/// Analysis window (samples, power of two) and hop.
const WINDOW: usize = 4096;
/// Shortest and longest repeat (s).
const MIN_LAG_S: f32 = 0.02;
const MAX_LAG_S: f32 = 0.12;
/// A block matches when the shifted difference has at most this share of the energy.
const MATCH: f32 = 0.02;
/// Candidate lags checked per window.
const CANDIDATES: usize = 24;
/// A candidate lag is the largest autocorrelation within this many samples.
const PEAK_RADIUS: usize = 4;

/// In-place radix-2 FFT (length a power of two).
fn fft(re: &mut [f32], im: &mut [f32]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -2.0 * std::f32::consts::PI / len as f32;
        for s in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (c, si) = ((ang * k as f32).cos(), (ang * k as f32).sin());
                let (a, b) = (s + k, s + k + len / 2);
                let (tr, ti) = (re[b] * c - im[b] * si, re[b] * si + im[b] * c);
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
        len <<= 1;
    }
}

/// Autocorrelation of `x` for lags `0..x.len()` (zero-padded FFT).
fn autocorr(x: &[f32]) -> Vec<f32> {
    let n = (2 * x.len()).next_power_of_two();
    let mut re = vec![0.0; n];
    let mut im = vec![0.0; n];
    re[..x.len()].copy_from_slice(x);
    fft(&mut re, &mut im);
    for i in 0..n {
        re[i] = re[i] * re[i] + im[i] * im[i];
        im[i] = 0.0;
    }
    // Inverse via the forward transform of the (real, even) power spectrum.
    fft(&mut re, &mut im);
    re.truncate(x.len());
    let z = re[0].max(1e-12);
    re.iter().map(|v| v / z).collect()
}

/// `x` clipped to four times its median magnitude: a splice's discontinuity leaves a
/// spike in the prediction residual that would otherwise dominate the autocorrelation.
fn clipped(x: &[f32]) -> Vec<f32> {
    let mags: Vec<f32> = x.iter().map(|v| v.abs()).collect();
    let c = 4.0 * crate::stats::median(&mags);
    x.iter().map(|v| v.clamp(-c, c)).collect()
}

/// Longest run (in samples, block resolution) in `lo..hi` where `x[n] ≈ x[n + lag]`,
/// with its start.
fn matching_run(x: &[f32], lag: usize, lo: usize, hi: usize, block: usize) -> (usize, usize) {
    let (mut best, mut best_start, mut run, mut start) = (0, 0, 0, lo);
    let mut b = lo;
    while b + block + lag <= x.len() && b < hi {
        let (mut e, mut d) = (0.0f32, 0.0f32);
        for n in b..b + block {
            e += x[n] * x[n] + x[n + lag] * x[n + lag];
            d += (x[n] - x[n + lag]).powi(2);
        }
        let audible = e / (2 * block) as f32 > 1e-5;
        if audible && d < MATCH * 0.5 * e {
            if run == 0 {
                start = b;
            }
            run += block;
            if run > best {
                best = run;
                best_start = start;
            }
        } else {
            run = 0;
        }
        b += block;
    }
    (best, best_start)
}

/// Stutters found in the soundtrack.
pub fn analyze(a: &Audio) -> Vec<AudioEvent> {
    let sr = a.sample_rate as f32;
    let x = a.samples;
    let (min_lag, max_lag) = (
        (MIN_LAG_S * sr) as usize,
        ((MAX_LAG_S * sr) as usize).min(WINDOW / 2),
    );
    let block = ((sr / 400.0) as usize).max(4);
    let mut out: Vec<AudioEvent> = Vec::new();
    if x.len() < WINDOW || min_lag >= max_lag {
        return out;
    }
    // Candidate lags come from the prediction residual: whitening removes a tone's or a
    // chord's own periodicity, which would otherwise crowd out the repeat's peak.
    let white = crate::clicks::residual(x, ((0.02 * sr) as usize).max(64));
    let mut w0 = 0;
    while w0 + WINDOW <= x.len() {
        let ac = autocorr(&clipped(&white[w0..w0 + WINDOW]));
        let mut peaks: Vec<(f32, usize)> = (min_lag.max(1)..max_lag)
            .filter(|&l| {
                let lo = l.saturating_sub(PEAK_RADIUS);
                let hi = (l + PEAK_RADIUS).min(ac.len() - 1);
                ac[l] > 0.05 && (lo..=hi).all(|k| ac[k] <= ac[l])
            })
            .map(|l| (ac[l], l))
            .collect();
        peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
        'cand: for &(_, l0) in peaks.iter().take(CANDIDATES) {
            for lag in l0.saturating_sub(1).max(min_lag)..=l0 + 1 {
                let (run, start) = matching_run(x, lag, w0, w0 + WINDOW, block);
                let r = run as f32 / lag as f32;
                if (0.7..=1.4).contains(&r) {
                    let t = start as f32 / sr;
                    if out.iter().any(|e| (e.start - t).abs() < 0.05) {
                        continue 'cand;
                    }
                    out.push(AudioEvent {
                        start: t,
                        end: (start + 2 * lag) as f32 / sr,
                        severity: Severity::Warning,
                        explanation: format!(
                            "at {t:.2} s a {:.0} ms piece of sound plays twice in a row \
                             (stutter)",
                            lag as f32 / sr * 1000.0
                        ),
                    });
                    continue 'cand;
                }
            }
        }
        w0 += WINDOW / 4;
    }
    out.sort_by(|a, b| a.start.total_cmp(&b.start));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn autocorr_of_a_repeat_peaks_at_its_length() {
        let mut s = 1u64;
        let mut noise: Vec<f32> = (0..6000)
            .map(|_| {
                s = s
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                ((s >> 40) as f32 / (1u64 << 24) as f32) - 0.5
            })
            .collect();
        let chunk: Vec<f32> = noise[2000..2960].to_vec();
        noise.splice(2960..2960, chunk);
        noise.truncate(8192);
        let a = Audio {
            sample_rate: 24_000,
            samples: &noise,
        };
        let found = analyze(&a);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!((found[0].start - 2000.0 / 24_000.0).abs() < 0.005);
    }
}
