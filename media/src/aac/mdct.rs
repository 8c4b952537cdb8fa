//! Sine-windowed MDCT 2048 -> 1024 (AAC long block), O(N log N) via a
//! 256-point complex FFT.
//!
//! Scaling follows ISO/IEC 14496-3 4.6.11 (forward transform in the informative
//! encoder description): X[k] = 2 * sum_n w[n] x[n] cos(2π/N (n + n0)(k + 1/2)),
//! n0 = (N/2 + 1)/2, so that the normative IMDCT (factor 2/N) plus overlap-add
//! with a sine window reconstructs x exactly.

use super::fft::{Complex, Fft};

pub(super) const BLOCK_LEN: usize = 2048;
pub(super) const SPECTRUM_LEN: usize = BLOCK_LEN / 2;

pub(super) struct Mdct {
    window: Vec<f32>,
    fft: Fft,
    /// exp(-iπ(n + 1/4)/M) for the DCT-IV pre-rotation, M = SPECTRUM_LEN.
    pre_twiddle: Vec<Complex>,
    /// exp(-iπ k/M) for the DCT-IV post-rotation.
    post_twiddle: Vec<Complex>,
    folded: Vec<f32>,
    work: Vec<Complex>,
}

impl Mdct {
    pub(super) fn new() -> Self {
        let m = SPECTRUM_LEN;
        let window = (0..BLOCK_LEN)
            .map(|n| (std::f64::consts::PI * (n as f64 + 0.5) / BLOCK_LEN as f64).sin() as f32)
            .collect();
        let rotation = |angle: f64| Complex::new(angle.cos() as f32, angle.sin() as f32);
        let pre_twiddle = (0..m / 2)
            .map(|n| rotation(-std::f64::consts::PI * (n as f64 + 0.25) / m as f64))
            .collect();
        let post_twiddle = (0..m / 2)
            .map(|k| rotation(-std::f64::consts::PI * k as f64 / m as f64))
            .collect();
        Self {
            window,
            fft: Fft::new(m / 2),
            pre_twiddle,
            post_twiddle,
            folded: vec![0.0; m],
            work: vec![Complex::default(); m / 2],
        }
    }

    /// Windows `block` (BLOCK_LEN samples) and writes SPECTRUM_LEN coefficients.
    pub(super) fn forward(&mut self, block: &[f32], spectrum: &mut [f32]) {
        assert_eq!(block.len(), BLOCK_LEN);
        assert_eq!(spectrum.len(), SPECTRUM_LEN);
        let n = BLOCK_LEN;
        let m = SPECTRUM_LEN;
        let quarter = n / 4;
        let z = |i: usize| block[i] * self.window[i];
        // Fold the four quarters (a, b, c, d) into (-c_r - d, a - b_r): the MDCT of
        // the block equals the DCT-IV of this folded sequence.
        for i in 0..quarter {
            self.folded[i] = -z(3 * quarter - 1 - i) - z(3 * quarter + i);
            self.folded[quarter + i] = z(i) - z(2 * quarter - 1 - i);
        }
        // DCT-IV via an M/2-point complex FFT of interleaved even/odd-reversed pairs.
        for i in 0..m / 2 {
            let packed = Complex::new(self.folded[2 * i], self.folded[m - 1 - 2 * i]);
            self.work[i] = packed.mul(self.pre_twiddle[i]);
        }
        debug_assert_eq!(self.fft.size(), m / 2);
        self.fft.forward(&mut self.work);
        for k in 0..m / 2 {
            let y = self.work[k].mul(self.post_twiddle[k]);
            spectrum[2 * k] = 2.0 * y.re;
            spectrum[m - 1 - 2 * k] = -2.0 * y.im;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{BLOCK_LEN, Mdct, SPECTRUM_LEN};
    use std::f64::consts::PI;

    fn test_signal(len: usize, seed: f64) -> Vec<f32> {
        (0..len)
            .map(|i| {
                let t = i as f64;
                ((t * 0.05 + seed).sin() * 0.6 + (t * 0.31 * seed).cos() * 0.3) as f32
            })
            .collect()
    }

    fn window(n: usize) -> f64 {
        (PI * (n as f64 + 0.5) / BLOCK_LEN as f64).sin()
    }

    #[test]
    fn matches_direct_formula() {
        let block = test_signal(BLOCK_LEN, 0.7);
        let mut fast = vec![0.0; SPECTRUM_LEN];
        Mdct::new().forward(&block, &mut fast);
        let n0 = (BLOCK_LEN as f64 / 2.0 + 1.0) / 2.0;
        let peak = fast.iter().fold(0.0f32, |a, &b| a.max(b.abs()));
        for (k, &got) in fast.iter().enumerate().step_by(7) {
            let direct: f64 = (0..BLOCK_LEN)
                .map(|n| {
                    2.0 * window(n)
                        * f64::from(block[n])
                        * (2.0 * PI / BLOCK_LEN as f64 * (n as f64 + n0) * (k as f64 + 0.5)).cos()
                })
                .sum();
            assert!(
                (f64::from(got) - direct).abs() < 1e-4 * f64::from(peak),
                "k={k}: {got} vs {direct}"
            );
        }
    }

    /// The spec IMDCT (2/N) with sine window and overlap-add must give the input back.
    #[test]
    fn spec_imdct_overlap_add_reconstructs() {
        let signal = test_signal(3 * SPECTRUM_LEN, 1.3);
        let mut mdct = Mdct::new();
        let n0 = (BLOCK_LEN as f64 / 2.0 + 1.0) / 2.0;
        let imdct = |spec: &[f32]| -> Vec<f64> {
            (0..BLOCK_LEN)
                .map(|n| {
                    let s: f64 = spec
                        .iter()
                        .enumerate()
                        .map(|(k, &x)| {
                            f64::from(x)
                                * (2.0 * PI / BLOCK_LEN as f64 * (n as f64 + n0) * (k as f64 + 0.5))
                                    .cos()
                        })
                        .sum();
                    s * 2.0 / BLOCK_LEN as f64 * window(n)
                })
                .collect()
        };
        let mut spec_a = vec![0.0; SPECTRUM_LEN];
        let mut spec_b = vec![0.0; SPECTRUM_LEN];
        mdct.forward(&signal[..BLOCK_LEN], &mut spec_a);
        mdct.forward(&signal[SPECTRUM_LEN..], &mut spec_b);
        let a = imdct(&spec_a);
        let b = imdct(&spec_b);
        for i in 0..SPECTRUM_LEN {
            let rebuilt = a[SPECTRUM_LEN + i] + b[i];
            let want = f64::from(signal[SPECTRUM_LEN + i]);
            assert!((rebuilt - want).abs() < 1e-4, "i={i}: {rebuilt} vs {want}");
        }
    }
}
