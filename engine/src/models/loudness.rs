//! Integrated loudness (ITU-R BS.1770-4: K-weighting, 400 ms blocks with 75% overlap,
//! absolute gate at −70 LUFS, relative gate 10 LU below) and normalization of a generated
//! soundtrack to [`TARGET_LUFS`] with a −1 dBFS look-ahead peak limiter.

/// The loudness soundtracks are normalized to (the common target for web and mobile).
pub const TARGET_LUFS: f32 = -16.0;
/// Highest sample magnitude after normalization (−1 dBFS).
pub const PEAK_CEILING: f32 = 0.891;

/// A biquad in direct form I.
struct Biquad {
    b: [f64; 3],
    a: [f64; 2],
}

impl Biquad {
    fn run(&self, x: &[f64]) -> Vec<f64> {
        let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
        x.iter()
            .map(|&x0| {
                let y0 = self.b[0] * x0 + self.b[1] * x1 + self.b[2] * x2
                    - self.a[0] * y1
                    - self.a[1] * y2;
                (x2, x1, y2, y1) = (x1, x0, y1, y0);
                y0
            })
            .collect()
    }
}

/// The two K-weighting stages at `rate` (the standard's analog prototypes, as in
/// pyloudnorm, so any sample rate gets the 48 kHz curve).
fn k_weighting(rate: f64) -> [Biquad; 2] {
    let (g, q, fc) = (
        3.999_843_853_97,
        0.707_175_236_955_419_3,
        1_681.974_450_955_532,
    );
    let k = (std::f64::consts::PI * fc / rate).tan();
    let vh = 10f64.powf(g / 20.0);
    let vb = vh.powf(0.499_666_774_155);
    let a0 = 1.0 + k / q + k * k;
    let shelf = Biquad {
        b: [
            (vh + vb * k / q + k * k) / a0,
            2.0 * (k * k - vh) / a0,
            (vh - vb * k / q + k * k) / a0,
        ],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    let (q, fc) = (0.500_327_037_325_395_3, 38.135_470_876_139_82);
    let k = (std::f64::consts::PI * fc / rate).tan();
    let a0 = 1.0 + k / q + k * k;
    let high_pass = Biquad {
        b: [1.0, -2.0, 1.0],
        a: [2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0],
    };
    [shelf, high_pass]
}

/// Integrated loudness of mono `samples` in LUFS (−∞ as `f32::NEG_INFINITY` for silence).
pub fn integrated_lufs(samples: &[f32], rate: u32) -> f32 {
    let x: Vec<f64> = samples.iter().map(|&s| s as f64).collect();
    let [shelf, high_pass] = k_weighting(rate as f64);
    let y = high_pass.run(&shelf.run(&x));
    let block = (0.4 * rate as f64) as usize;
    let step = (0.1 * rate as f64) as usize;
    let mut powers = Vec::new();
    if y.len() < block {
        powers.push(y.iter().map(|v| v * v).sum::<f64>() / y.len().max(1) as f64);
    } else {
        let mut s = 0;
        while s + block <= y.len() {
            powers.push(y[s..s + block].iter().map(|v| v * v).sum::<f64>() / block as f64);
            s += step;
        }
    }
    let lufs = |p: f64| -0.691 + 10.0 * p.log10();
    let gated: Vec<f64> = powers
        .into_iter()
        .filter(|&p| p > 0.0 && lufs(p) > -70.0)
        .collect();
    if gated.is_empty() {
        return f32::NEG_INFINITY;
    }
    let mean = gated.iter().sum::<f64>() / gated.len() as f64;
    let relative = lufs(mean) - 10.0;
    let kept: Vec<f64> = gated.into_iter().filter(|&p| lufs(p) > relative).collect();
    let mean = kept.iter().sum::<f64>() / kept.len().max(1) as f64;
    lufs(mean) as f32
}

/// Scales `samples` to [`TARGET_LUFS`], then a peak limiter keeps every sample within
/// [`PEAK_CEILING`] (an impact louder than that is turned down for its few milliseconds
/// instead of the whole clip); returns the loudness reached (silence is left as it is).
pub fn normalize(samples: &mut [f32], rate: u32) -> f32 {
    let now = integrated_lufs(samples, rate);
    if !now.is_finite() {
        return now;
    }
    // Limiting loud impacts lowers the integrated loudness, so gain and limiter alternate
    // until the clip is within half a unit of the target (a few rounds at most).
    let mut reached = now;
    for _ in 0..4 {
        let gain = 10f32.powf((TARGET_LUFS - reached) / 20.0);
        samples.iter_mut().for_each(|s| *s *= gain);
        limit(samples, rate);
        reached = integrated_lufs(samples, rate);
        if (reached - TARGET_LUFS).abs() < 0.5 {
            break;
        }
    }
    reached
}

/// Look-ahead peak limiter: the gain reaches what the loudest sample of the next 2 ms
/// needs before that sample arrives, and recovers over ~50 ms.
fn limit(samples: &mut [f32], rate: u32) {
    let ahead = (0.002 * rate as f32) as usize + 1;
    let release = (-1.0 / (0.05 * rate as f32)).exp();
    let need: Vec<f32> = samples
        .iter()
        .map(|s| (PEAK_CEILING / s.abs().max(1e-9)).min(1.0))
        .collect();
    // The smallest need over each look-ahead window (a sliding minimum).
    let mut window = std::collections::VecDeque::<usize>::new();
    let mut upcoming = vec![1.0f32; samples.len()];
    for i in (0..samples.len()).rev() {
        while window.back().is_some_and(|&j| need[j] >= need[i]) {
            window.pop_back();
        }
        window.push_back(i);
        while window.front().is_some_and(|&j| j >= i + ahead) {
            window.pop_front();
        }
        upcoming[i] = window.front().map_or(1.0, |&j| need[j]);
    }
    let mut g = 1.0f32;
    for (s, u) in samples.iter_mut().zip(&upcoming) {
        g = (g * release + (1.0 - release)).min(*u);
        *s *= g;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sine(f: f32, amp: f32, rate: u32, seconds: f32) -> Vec<f32> {
        (0..(seconds * rate as f32) as usize)
            .map(|i| amp * (std::f32::consts::TAU * f * i as f32 / rate as f32).sin())
            .collect()
    }

    #[test]
    fn a_full_scale_1khz_sine_reads_minus_3_lufs() {
        // BS.1770's reference: a 0 dBFS 1 kHz sine in one channel reads −3.01 LUFS.
        let l = integrated_lufs(&sine(1000.0, 1.0, 48_000, 3.0), 48_000);
        assert!((l + 3.01).abs() < 0.1, "{l}");
        let l24 = integrated_lufs(&sine(1000.0, 1.0, 24_000, 3.0), 24_000);
        assert!((l24 + 3.01).abs() < 0.15, "{l24}");
    }

    #[test]
    fn normalizing_reaches_the_target_within_the_ceiling() {
        let mut quiet = sine(440.0, 0.01, 24_000, 2.0);
        let reached = normalize(&mut quiet, 24_000);
        assert!((reached - TARGET_LUFS).abs() < 0.1, "{reached}");
        assert!((integrated_lufs(&quiet, 24_000) - TARGET_LUFS).abs() < 0.1);
        let mut clicks = vec![0.0f32; 48_000];
        clicks[100] = 0.5;
        clicks[30_000] = 0.5;
        normalize(&mut clicks, 24_000);
        assert!(clicks.iter().all(|s| s.abs() <= PEAK_CEILING + 1e-6));
        // A bed with loud impacts: the bed reaches the target, the impacts are limited.
        let mut bed = sine(220.0, 0.02, 24_000, 2.0);
        for at in [10_000, 30_000] {
            for k in 0..200 {
                bed[at + k] += 0.8 * (-(k as f32) / 50.0).exp();
            }
        }
        let reached = normalize(&mut bed, 24_000);
        assert!((reached - TARGET_LUFS).abs() < 0.5, "{reached}");
        assert!(bed.iter().all(|s| s.abs() <= PEAK_CEILING + 1e-6));
        let mut silence = vec![0.0f32; 100];
        assert!(!normalize(&mut silence, 24_000).is_finite());
    }
}
