//! In-place iterative radix-2 complex FFT, only what the MDCT needs.

#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(super) struct Complex {
    pub re: f32,
    pub im: f32,
}

impl Complex {
    pub(super) const fn new(re: f32, im: f32) -> Self {
        Self { re, im }
    }

    pub(super) fn mul(self, other: Self) -> Self {
        Self::new(
            self.re * other.re - self.im * other.im,
            self.re * other.im + self.im * other.re,
        )
    }
}

/// Forward FFT (exp(-2πi nk/N)) of a fixed power-of-two size.
pub(super) struct Fft {
    size: usize,
    /// exp(-2πi k/N) for k in 0..N/2, computed in f64 for accuracy.
    twiddles: Vec<Complex>,
    bit_reversed: Vec<usize>,
}

impl Fft {
    pub(super) fn new(size: usize) -> Self {
        assert!(size.is_power_of_two() && size >= 2, "FFT size must be 2^k");
        let twiddles = (0..size / 2)
            .map(|k| {
                let angle = -2.0 * std::f64::consts::PI * k as f64 / size as f64;
                Complex::new(angle.cos() as f32, angle.sin() as f32)
            })
            .collect();
        let bits = size.trailing_zeros();
        let bit_reversed = (0..size)
            .map(|i| i.reverse_bits() >> (usize::BITS - bits))
            .collect();
        Self {
            size,
            twiddles,
            bit_reversed,
        }
    }

    pub(super) fn size(&self) -> usize {
        self.size
    }

    pub(super) fn forward(&self, data: &mut [Complex]) {
        assert_eq!(data.len(), self.size);
        for (i, &j) in self.bit_reversed.iter().enumerate() {
            if i < j {
                data.swap(i, j);
            }
        }
        let mut half = 1;
        while half < self.size {
            let stride = self.size / (2 * half);
            for start in (0..self.size).step_by(2 * half) {
                for k in 0..half {
                    let t = data[start + k + half].mul(self.twiddles[k * stride]);
                    let u = data[start + k];
                    data[start + k] = Complex::new(u.re + t.re, u.im + t.im);
                    data[start + k + half] = Complex::new(u.re - t.re, u.im - t.im);
                }
            }
            half *= 2;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Complex, Fft};

    #[test]
    fn matches_direct_dft() {
        let n = 64;
        let input: Vec<Complex> = (0..n)
            .map(|i| Complex::new((i as f32 * 0.37).sin(), (i as f32 * 1.3).cos() * 0.5))
            .collect();
        let mut fast = input.clone();
        Fft::new(n).forward(&mut fast);
        for (k, got) in fast.iter().enumerate() {
            let (mut re, mut im) = (0.0f64, 0.0f64);
            for (t, x) in input.iter().enumerate() {
                let a = -2.0 * std::f64::consts::PI * (k * t) as f64 / n as f64;
                re += f64::from(x.re) * a.cos() - f64::from(x.im) * a.sin();
                im += f64::from(x.re) * a.sin() + f64::from(x.im) * a.cos();
            }
            assert!((f64::from(got.re) - re).abs() < 1e-4, "re k={k}");
            assert!((f64::from(got.im) - im).abs() < 1e-4, "im k={k}");
        }
    }
}
