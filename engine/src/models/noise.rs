//! Seeded Gaussian noise made on the host, so a seed gives the same starting latents on
//! every backend (burn's device RNGs differ between flex and wgpu).

use crate::quant::SplitMix64;

/// Gaussian noise from SplitMix64 (tiny, fast and well mixed; enough for noise).
#[derive(Debug, Clone)]
pub struct SeededRng(SplitMix64);

impl SeededRng {
    /// A generator for `seed`.
    pub fn new(seed: u64) -> Self {
        SeededRng(SplitMix64::new(seed ^ 0x4B49_4E4F_5241_0001))
    }

    /// Uniform in (0, 1].
    pub fn uniform(&mut self) -> f32 {
        ((self.0.next_u64() >> 40) as f32 + 1.0) / (1u64 << 24) as f32
    }

    /// `n` standard normal values (Box–Muller).
    pub fn normal(&mut self, n: usize) -> Vec<f32> {
        let mut out = Vec::with_capacity(n + 1);
        while out.len() < n {
            let (u1, u2) = (self.uniform(), self.uniform());
            let r = (-2.0 * u1.ln()).sqrt();
            let a = std::f32::consts::TAU * u2;
            out.push(r * a.cos());
            out.push(r * a.sin());
        }
        out.truncate(n);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_noise_and_roughly_standard() {
        let a = SeededRng::new(7).normal(10_001);
        assert_eq!(a, SeededRng::new(7).normal(10_001));
        assert_ne!(a, SeededRng::new(8).normal(10_001));
        let mean = a.iter().sum::<f32>() / a.len() as f32;
        let var = a.iter().map(|x| (x - mean) * (x - mean)).sum::<f32>() / a.len() as f32;
        assert!(
            mean.abs() < 0.05 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}
