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
            guidance: 2.0,
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

/// Samples latents of `shape = [C, T, H, W]` for one prompt, from pure noise.
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
    on_step: impl FnMut(usize, usize, &Tensor<5>) -> bool,
) -> (Tensor<5>, bool) {
    sample_from(
        dit,
        cond,
        uncond,
        Start::Noise(shape),
        settings,
        device,
        on_step,
    )
}

/// Where a sampling run starts.
#[derive(Debug, Clone)]
pub enum Start {
    /// Pure noise of shape `[C, T, H, W]` at `t = 1`.
    Noise([usize; 4]),
    /// Clean latents `[1, C, T, H, W]` re-noised to flow time `strength` (0..=1): the
    /// steps of the schedule above it are skipped (remix: keep the layout, redo the rest).
    Renoise {
        /// The clean latents.
        latents: Tensor<5>,
        /// How much to redo: 1 = from pure noise, 0 = nothing.
        strength: f32,
    },
    /// Pure noise, with latent frames `0..known_frames` held to `known` (re-noised to each
    /// step's time, the "replacement" method of inpainting): the new frames are sampled
    /// to continue the known ones (extend).
    Continue {
        /// Shape of the whole window `[C, T, H, W]`.
        shape: [usize; 4],
        /// Clean latents of the first frames `[1, C, known_frames, H, W]`.
        known: Tensor<5>,
        /// Flow time below which the known frames are released (0: held to the end and put
        /// back exactly). Releasing them for the last, low-noise steps lets the sampler
        /// harmonize them with the new frames, which replacement alone leaves to a jump.
        release: f32,
    },
}

/// Samples latents from a [`Start`]: Euler steps of the flow with classifier-free guidance.
pub fn sample_from(
    dit: &VideoDit,
    cond: &DitCondition,
    uncond: &DitCondition,
    start: Start,
    settings: &SamplerSettings,
    device: &Device,
    mut on_step: impl FnMut(usize, usize, &Tensor<5>) -> bool,
) -> (Tensor<5>, bool) {
    let mut run = SamplerRun::new(cond, uncond, start, settings, device);
    while !run.done() {
        run.step(dit, cond);
        let (i, n) = run.progress();
        if !on_step(i, n, &run.x) {
            return (run.x, false);
        }
    }
    (run.finish(), true)
}

/// A sampling run taken one Euler step at a time, so a caller can yield between steps
/// (the page stays responsive, previews update, Cancel is seen).
pub struct SamplerRun {
    x: Tensor<5>,
    noise: Tensor<5>,
    times: Vec<f32>,
    next: usize,
    first: usize,
    steps: usize,
    guidance: f32,
    both: Option<DitCondition>,
    known: Option<(Tensor<5>, usize)>,
    release: f32,
}

impl SamplerRun {
    /// Sets up a run (draws its noise from the seed).
    pub fn new(
        cond: &DitCondition,
        uncond: &DitCondition,
        start: Start,
        settings: &SamplerSettings,
        device: &Device,
    ) -> SamplerRun {
        let shape = match &start {
            Start::Noise(shape) | Start::Continue { shape, .. } => *shape,
            Start::Renoise { latents, .. } => {
                let [_, c, t, h, w] = latents.dims();
                [c, t, h, w]
            }
        };
        let [c, t, h, w] = shape;
        let mut rng = SeededRng::new(settings.seed);
        let noise = Tensor::<1>::from_data(
            TensorData::new(rng.normal(c * t * h * w), [c * t * h * w]),
            device,
        )
        .reshape([1, c, t, h, w]);
        let times = schedule(settings.steps, settings.shift);
        let (x, first) = match &start {
            Start::Noise(_) | Start::Continue { .. } => (noise.clone(), 0),
            Start::Renoise { latents, strength } => {
                let first = times
                    .iter()
                    .position(|&s| s <= *strength)
                    .unwrap_or(settings.steps);
                let s = times[first];
                (latents.clone() * (1.0 - s) + noise.clone() * s, first)
            }
        };
        let (known, release) = match start {
            Start::Continue { known, release, .. } => {
                let k = known.dims()[2];
                (Some((known, k)), release)
            }
            _ => (None, 0.0),
        };
        let guided = settings.guidance != 1.0;
        SamplerRun {
            x,
            noise,
            times,
            next: first,
            first,
            steps: settings.steps,
            guidance: settings.guidance,
            both: guided.then(|| DitCondition::concat(cond.clone(), uncond.clone())),
            known,
            release,
        }
    }

    /// True when every step has run.
    pub fn done(&self) -> bool {
        self.next >= self.steps
    }

    /// (steps run, steps this run takes).
    pub fn progress(&self) -> (usize, usize) {
        (self.next - self.first, self.steps - self.first)
    }

    /// The current latents (noisy until the last step).
    pub fn latents(&self) -> &Tensor<5> {
        &self.x
    }

    /// One Euler step (`cond` is the conditional branch, used when guidance is off).
    pub fn step(&mut self, dit: &VideoDit, cond: &DitCondition) {
        if self.done() {
            return;
        }
        let (now, next) = (self.times[self.next], self.times[self.next + 1]);
        let t = self.x.dims()[2];
        if let Some((known, k)) = &self.known
            && now > self.release
        {
            // The known frames at this step's noise level (the same noise draw throughout).
            let held = known.clone() * (1.0 - now) + self.noise.clone().narrow(2, 0, *k) * now;
            self.x = Tensor::cat(vec![held, self.x.clone().narrow(2, *k, t - k)], 2);
        }
        let v = match &self.both {
            Some(both) => {
                let v2 = dit.forward(
                    Tensor::cat(vec![self.x.clone(), self.x.clone()], 0),
                    &[now, now],
                    both,
                );
                let vc = v2.clone().narrow(0, 0, 1);
                let vu = v2.narrow(0, 1, 1);
                vu.clone() + (vc - vu).mul_scalar(self.guidance)
            }
            None => dit.forward(self.x.clone(), &[now], cond),
        };
        self.x = self.x.clone() - v.mul_scalar(now - next);
        self.next += 1;
    }

    /// The sampled latents (with the known frames put back exactly unless released).
    pub fn finish(&self) -> Tensor<5> {
        match &self.known {
            Some((known, k)) if self.release <= 0.0 => {
                let t = self.x.dims()[2];
                Tensor::cat(vec![known.clone(), self.x.clone().narrow(2, *k, t - k)], 2)
            }
            _ => self.x.clone(),
        }
    }
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
