//! Euler sampling of the rectified flow with classifier-free guidance.
//!
//! The flow runs from `t = 1` (pure noise) to `t = 0` (clean latents): `x ← x − Δt · v`.
//! With guidance `g`, `v = v_uncond + g · (v_cond − v_uncond)`; both branches run as one
//! batch of two. Times are spaced uniformly after an optional SD3-style shift that spends
//! more steps at high noise, where the layout of the clip is decided.

use super::dit::{DitCondition, VideoDit};
use super::noise::SeededRng;
use burn::prelude::*;

/// How to sample.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SamplerSettings {
    /// Euler steps.
    pub steps: usize,
    /// Classifier-free guidance scale (1 = no guidance).
    pub guidance: f32,
    /// Noise seed.
    pub seed: u64,
    /// Time shift (1 = uniform; > 1 spends more steps at high noise).
    pub shift: f32,
}

impl Default for SamplerSettings {
    fn default() -> Self {
        SamplerSettings {
            steps: 16,
            guidance: 5.0,
            seed: 0,
            shift: 2.0,
        }
    }
}

/// The flow times visited, from 1 down to 0 (`steps + 1` values).
pub fn schedule(steps: usize, shift: f32) -> Vec<f32> {
    (0..=steps)
        .map(|i| {
            let u = 1.0 - i as f32 / steps.max(1) as f32;
            shift * u / (1.0 + (shift - 1.0) * u)
        })
        .collect()
}

/// Samples latents of `shape = [C, T, H, W]` for one prompt.
///
/// `on_step(i, steps, &latents)` runs after each step (progress and previews); returning
/// false cancels, and the latents reached so far are returned with `false`.
pub fn sample(
    dit: &VideoDit,
    cond: &DitCondition,
    uncond: &DitCondition,
    shape: [usize; 4],
    settings: &SamplerSettings,
    device: &Device,
    mut on_step: impl FnMut(usize, usize, &Tensor<5>) -> bool,
) -> (Tensor<5>, bool) {
    let [c, t, h, w] = shape;
    let noise = SeededRng::new(settings.seed).normal(c * t * h * w);
    let mut x = Tensor::<1>::from_data(TensorData::new(noise, [c * t * h * w]), device)
        .reshape([1, c, t, h, w]);
    let guided = settings.guidance != 1.0;
    let both = if guided {
        Some(DitCondition::concat(cond.clone(), uncond.clone()))
    } else {
        None
    };
    let times = schedule(settings.steps, settings.shift);
    for i in 0..settings.steps {
        let (now, next) = (times[i], times[i + 1]);
        let v = match &both {
            Some(both) => {
                let v2 = dit.forward(
                    Tensor::cat(vec![x.clone(), x.clone()], 0),
                    &[now, now],
                    both,
                );
                let vc = v2.clone().narrow(0, 0, 1);
                let vu = v2.narrow(0, 1, 1);
                vu.clone() + (vc - vu).mul_scalar(settings.guidance)
            }
            None => dit.forward(x.clone(), &[now], cond),
        };
        x = x - v.mul_scalar(now - next);
        if !on_step(i + 1, settings.steps, &x) {
            return (x, false);
        }
    }
    (x, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedule_runs_from_noise_to_clean_and_shift_favours_noise() {
        let s = schedule(4, 1.0);
        assert_eq!(s, [1.0, 0.75, 0.5, 0.25, 0.0]);
        let shifted = schedule(4, 3.0);
        assert_eq!(shifted[0], 1.0);
        assert_eq!(shifted[4], 0.0);
        assert!(shifted[2] > 0.5);
    }
}
