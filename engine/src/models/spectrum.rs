//! The audio codec's classical half: short-time Fourier magnitudes (what the audio model
//! generates, as log-magnitude frames) and the way back to a waveform (fast Griffin–Lim
//! phase reconstruction). Both run on the CPU with `rustfft` in the browser and natively:
//! a 2 s clip is 200 frames of a 1024-point FFT per iteration — milliseconds.
//!
//! Frame `j` is centred on sample `j × HOP + HOP / 2`, so a clip of `frames × HOP` samples
//! has exactly `frames` frames and frame `j` belongs to audio time `(j + ½) × 10 ms`.

use rustfft::num_complex::Complex32;
use rustfft::{Fft, FftPlanner};
use std::sync::Arc;

/// FFT size (43 ms at 24 kHz: enough resolution for the harmonics of chords).
pub const N_FFT: usize = 1024;
/// Hop between frames in samples (10 ms at 24 kHz: 100 frames per second).
pub const HOP: usize = 240;
/// Frequency bins per frame (0 … Nyquist).
pub const BINS: usize = N_FFT / 2 + 1;
/// Floor added before the logarithm (about −60 dB below a full-scale tone's peak bin).
pub const LOG_FLOOR: f32 = 1e-3;

/// A planned FFT pair and the analysis window.
pub struct Stft {
    forward: Arc<dyn Fft<f32>>,
    inverse: Arc<dyn Fft<f32>>,
    window: Vec<f32>,
}

impl Default for Stft {
    fn default() -> Self {
        Self::new()
    }
}

impl Stft {
    /// Plans the 1024-point transforms.
    pub fn new() -> Self {
        let mut planner = FftPlanner::new();
        let window = (0..N_FFT)
            .map(|i| 0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / N_FFT as f32).cos())
            .collect();
        Stft {
            forward: planner.plan_fft_forward(N_FFT),
            inverse: planner.plan_fft_inverse(N_FFT),
            window,
        }
    }

    /// First sample of frame `j`'s window (may be negative: zero padding).
    fn start(j: usize) -> isize {
        (j * HOP + HOP / 2) as isize - (N_FFT / 2) as isize
    }

    /// Complex spectra of `frames` frames of `audio` (zero outside it), `frames × BINS`.
    pub fn analyse(&self, audio: &[f32], frames: usize) -> Vec<Complex32> {
        let mut out = Vec::with_capacity(frames * BINS);
        let mut buf = vec![Complex32::new(0.0, 0.0); N_FFT];
        for j in 0..frames {
            let s = Self::start(j);
            for (i, b) in buf.iter_mut().enumerate() {
                let k = s + i as isize;
                let x = if k >= 0 && (k as usize) < audio.len() {
                    audio[k as usize]
                } else {
                    0.0
                };
                *b = Complex32::new(x * self.window[i], 0.0);
            }
            self.forward.process(&mut buf);
            out.extend_from_slice(&buf[..BINS]);
        }
        out
    }

    /// Weighted overlap-add of `frames × BINS` spectra into `samples` samples (the
    /// least-squares inverse of [`Stft::analyse`]).
    pub fn synthesise(&self, spectra: &[Complex32], samples: usize) -> Vec<f32> {
        let frames = spectra.len() / BINS;
        let mut out = vec![0.0f32; samples];
        let mut norm = vec![0.0f32; samples];
        let mut buf = vec![Complex32::new(0.0, 0.0); N_FFT];
        for j in 0..frames {
            let row = &spectra[j * BINS..(j + 1) * BINS];
            buf[..BINS].copy_from_slice(row);
            for k in 1..N_FFT - BINS + 1 {
                buf[BINS - 1 + k] = row[BINS - 1 - k].conj();
            }
            self.inverse.process(&mut buf);
            let s = Self::start(j);
            for (i, b) in buf.iter().enumerate() {
                let k = s + i as isize;
                if k >= 0 && (k as usize) < samples {
                    let w = self.window[i];
                    out[k as usize] += b.re / N_FFT as f32 * w;
                    norm[k as usize] += w * w;
                }
            }
        }
        for (o, n) in out.iter_mut().zip(&norm) {
            if *n > 1e-6 {
                *o /= n;
            }
        }
        out
    }

    /// Log-magnitude frames of `audio`: `frames × BINS`, `ln(LOG_FLOOR + |X|)`.
    pub fn log_magnitudes(&self, audio: &[f32], frames: usize) -> Vec<f32> {
        self.analyse(audio, frames)
            .iter()
            .map(|c| (LOG_FLOOR + c.norm()).ln())
            .collect()
    }

    /// A waveform of `samples` samples whose STFT magnitudes approach `log_mags`
    /// (`frames × BINS`, as from [`Stft::log_magnitudes`]): fast Griffin–Lim (Perraudin et
    /// al. 2013, momentum 0.99) from a seeded random phase.
    pub fn reconstruct(
        &self,
        log_mags: &[f32],
        samples: usize,
        iterations: usize,
        seed: u64,
    ) -> Vec<f32> {
        match self.reconstruct_until(log_mags, samples, iterations, seed, &mut || true) {
            Some(audio) => audio,
            None => vec![0.0; samples],
        }
    }

    /// [`Stft::reconstruct`], asking `keep_going` before each iteration: None as soon as
    /// it says no (the page's Cancel lands within one iteration, a few milliseconds).
    pub fn reconstruct_until(
        &self,
        log_mags: &[f32],
        samples: usize,
        iterations: usize,
        seed: u64,
        keep_going: &mut dyn FnMut() -> bool,
    ) -> Option<Vec<f32>> {
        let mags: Vec<f32> = log_mags
            .iter()
            .map(|l| (l.exp() - LOG_FLOOR).max(0.0))
            .collect();
        let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        let mut spectra: Vec<Complex32> = mags
            .iter()
            .map(|&m| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let phase = (state >> 40) as f32 / (1u64 << 24) as f32 * std::f32::consts::TAU;
                Complex32::from_polar(m, phase)
            })
            .collect();
        let frames = mags.len() / BINS;
        let mut previous = spectra.clone();
        for _ in 0..iterations {
            if !keep_going() {
                return None;
            }
            let audio = self.synthesise(&spectra, samples);
            let projected: Vec<Complex32> = self
                .analyse(&audio, frames)
                .iter()
                .zip(&mags)
                .map(|(c, &m)| {
                    let n = c.norm();
                    if n > 1e-12 {
                        c * (m / n)
                    } else {
                        Complex32::new(m, 0.0)
                    }
                })
                .collect();
            spectra = projected
                .iter()
                .zip(&previous)
                .zip(&mags)
                .map(|((c, p), &m)| {
                    let t = c + (c - p) * 0.99;
                    let n = t.norm();
                    if n > 1e-12 { t * (m / n) } else { *c }
                })
                .collect();
            previous = projected;
        }
        Some(self.synthesise(&spectra, samples))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_phase_rebuild_stops_when_asked() {
        let stft = Stft::new();
        let n = 20 * HOP;
        let audio: Vec<f32> = (0..n).map(|i| (i as f32 * 0.05).sin()).collect();
        let mags = stft.log_magnitudes(&audio, n / HOP);
        let mut asked = 0;
        let stopped = stft.reconstruct_until(&mags, n, 32, 1, &mut || {
            asked += 1;
            asked < 3
        });
        assert_eq!(stopped, None);
        assert_eq!(
            asked, 3,
            "asked before each iteration, stopped at the first no"
        );
        let mut all = 0;
        let done = stft.reconstruct_until(&mags, n, 4, 1, &mut || {
            all += 1;
            true
        });
        assert_eq!((done.map(|a| a.len()), all), (Some(n), 4));
    }

    #[test]
    fn analysis_then_synthesis_is_the_identity() {
        let stft = Stft::new();
        let n = 20 * HOP;
        let audio: Vec<f32> = (0..n)
            .map(|i| (i as f32 * 0.05).sin() * 0.5 + ((i * 7919) % 13) as f32 * 0.01)
            .collect();
        let back = stft.synthesise(&stft.analyse(&audio, 20), n);
        let err = audio
            .iter()
            .zip(&back)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(err < 1e-3, "max error {err}");
    }

    #[test]
    fn a_tone_rebuilt_from_magnitudes_keeps_its_pitch_and_level() {
        let stft = Stft::new();
        let frames = 50;
        let n = frames * HOP;
        let f = 440.0;
        let audio: Vec<f32> = (0..n)
            .map(|i| 0.3 * (std::f32::consts::TAU * f * i as f32 / 24_000.0).sin())
            .collect();
        let mags = stft.log_magnitudes(&audio, frames);
        let back = stft.reconstruct(&mags, n, 32, 1);
        let rms = |a: &[f32]| (a.iter().map(|x| x * x).sum::<f32>() / a.len() as f32).sqrt();
        let (r0, r1) = (
            rms(&audio[HOP * 5..n - HOP * 5]),
            rms(&back[HOP * 5..n - HOP * 5]),
        );
        assert!((r1 / r0 - 1.0).abs() < 0.1, "level {r0} → {r1}");
        let spectrum = stft.log_magnitudes(&back, frames);
        let mid = &spectrum[25 * BINS..26 * BINS];
        let peak = (0..BINS)
            .max_by(|&a, &b| mid[a].total_cmp(&mid[b]))
            .unwrap_or(0);
        let expected = (f * N_FFT as f32 / 24_000.0).round() as usize;
        assert!(
            peak.abs_diff(expected) <= 1,
            "peak bin {peak}, expected {expected}"
        );
    }
}
