//! How fast this device runs the model, measured on a short clip: what the estimate shown
//! before Generate is made of.

use serde::{Deserialize, Serialize};

/// Timings of a generation of [`Speed::CALIBRATION_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Speed {
    /// Reading the prompt and planning the motion, ms.
    pub start_ms: f64,
    /// One denoising step, ms.
    pub step_ms: f64,
    /// Decoding the frames, ms.
    pub decode_ms: f64,
    /// The sound, ms (None: the model has no sound).
    pub sound_ms: Option<f64>,
}

impl Speed {
    /// Length of the calibration clip, s.
    pub const CALIBRATION_SECONDS: f64 = 2.0;

    /// Seconds a clip of `seconds` at `steps` steps should take, with its sound or not
    /// (the work grows with the number of latent frames and sound windows, so linearly in
    /// the length to a first approximation).
    pub fn estimate(self, seconds: f64, steps: u32, sound: bool) -> f64 {
        let scale = seconds / Self::CALIBRATION_SECONDS;
        let sound_ms = if sound {
            self.sound_ms.unwrap_or(0.0)
        } else {
            0.0
        };
        (self.start_ms + self.step_ms * f64::from(steps) + self.decode_ms + sound_ms) * scale
            / 1000.0
    }

    /// The speed a finished run of `seconds` at `steps` steps shows (when the calibration
    /// gave way to it); `None` when its timings are not usable.
    pub fn from_run(seconds: f64, steps: u32, stages: &crate::StageTimes) -> Option<Speed> {
        let scale = seconds / Self::CALIBRATION_SECONDS;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        if !(positive(scale) && steps > 0 && positive(stages.denoise_ms)) {
            return None;
        }
        Some(Speed {
            start_ms: stages.plan_ms.max(0.0) / scale,
            step_ms: stages.denoise_ms / scale / f64::from(steps),
            decode_ms: stages.decode_ms.max(0.0) / scale,
            sound_ms: positive(stages.sound_ms).then(|| stages.sound_ms / scale),
        })
    }

    /// The same speed refitted to a measured generation: the step time to its frames'
    /// time, the sound's to its sound's (when it made one: 0 ms means none).
    pub fn refit(self, seconds: f64, steps: u32, stages: &crate::StageTimes) -> Speed {
        let scale = seconds / Self::CALIBRATION_SECONDS;
        let step_ms =
            (stages.video_ms() / scale - self.start_ms - self.decode_ms) / f64::from(steps.max(1));
        let sound_ms = stages.sound_ms / scale;
        let positive = |v: f64| v.is_finite() && v > 0.0;
        Speed {
            step_ms: if positive(step_ms) {
                step_ms
            } else {
                self.step_ms
            },
            sound_ms: if positive(sound_ms) {
                Some(sound_ms)
            } else {
                self.sound_ms
            },
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEED: Speed = Speed {
        start_ms: 100.0,
        step_ms: 50.0,
        decode_ms: 200.0,
        sound_ms: Some(300.0),
    };

    #[test]
    fn the_estimate_scales_with_length_and_steps() {
        // 2 s at 8 steps: 100 + 400 + 200 (+ 300 sound) ms.
        assert!((SPEED.estimate(2.0, 8, false) - 0.7).abs() < 1e-9);
        assert!((SPEED.estimate(2.0, 8, true) - 1.0).abs() < 1e-9);
        assert!((SPEED.estimate(4.0, 8, true) - 2.0).abs() < 1e-9);
    }

    #[test]
    fn a_run_gives_a_speed_that_predicts_it_again() {
        let stages = crate::StageTimes {
            plan_ms: 200.0,
            denoise_ms: 1600.0,
            decode_ms: 400.0,
            sound_ms: 600.0,
        };
        let speed = Speed::from_run(4.0, 8, &stages).expect("usable timings");
        assert!((speed.estimate(4.0, 8, true) - 2.8).abs() < 1e-9);
        assert!((speed.estimate(4.0, 8, false) - 2.2).abs() < 1e-9);
        assert_eq!(Speed::from_run(2.0, 0, &stages), None);
        let silent = crate::StageTimes {
            sound_ms: 0.0,
            ..stages
        };
        assert_eq!(
            Speed::from_run(2.0, 8, &silent).and_then(|s| s.sound_ms),
            None
        );
    }

    #[test]
    fn a_refit_takes_the_measured_step_time_and_ignores_nonsense() {
        // A 4 s clip at 10 steps whose frames took 3000 ms: 1500 ms per 2 s, so the steps
        // took 1500 − 300 = 1200 ms, 120 ms each.
        let run = |video_ms: f64, sound_ms: f64| crate::StageTimes {
            plan_ms: 0.0,
            denoise_ms: video_ms,
            decode_ms: 0.0,
            sound_ms,
        };
        let refit = SPEED.refit(4.0, 10, &run(3000.0, 1000.0));
        assert!((refit.step_ms - 120.0).abs() < 1e-9);
        assert_eq!(refit.sound_ms, Some(500.0));
        let kept = SPEED.refit(2.0, 8, &run(0.0, f64::NAN));
        assert_eq!(kept, SPEED);
        assert_eq!(SPEED.refit(2.0, 8, &run(0.0, 0.0)), SPEED, "no sound made");
    }
}
