//! Fitting the audio codec: the principal components of log-magnitude frames (covariance
//! by one matmul, then subspace iteration with Gram–Schmidt), so the flow model works on a
//! few dozen unit-scaled numbers per frame instead of 513 bins.

use burn::prelude::*;
use kinora_engine::models::pipeline::to_vec;
use kinora_engine::models::spectrum::BINS;

/// A fitted codec.
#[derive(Debug, Clone)]
pub struct Pca {
    /// `k × BINS`, orthonormal rows, strongest component first.
    pub basis: Vec<f32>,
    /// Mean frame.
    pub mean: Vec<f32>,
    /// Standard deviation of each coefficient.
    pub scale: Vec<f32>,
    /// Share of the frames' variance the `k` components keep.
    pub explained: f32,
}

/// Fits `k` components to `frames` (each `BINS` long).
pub fn fit(frames: &[&[f32]], k: usize) -> Pca {
    let n = frames.len().max(1);
    let mut mean = vec![0.0f64; BINS];
    for f in frames {
        for (m, v) in mean.iter_mut().zip(f.iter()) {
            *m += *v as f64;
        }
    }
    let mean: Vec<f32> = mean.iter().map(|m| (m / n as f64) as f32).collect();
    let device = Device::flex();
    let mut centred = Vec::with_capacity(n * BINS);
    for f in frames {
        centred.extend(f.iter().zip(&mean).map(|(v, m)| v - m));
    }
    let x =
        Tensor::<1>::from_data(TensorData::new(centred, [n * BINS]), &device).reshape([n, BINS]);
    let cov = to_vec(x.clone().transpose().matmul(x).div_scalar(n as f32));
    let trace: f32 = (0..BINS).map(|i| cov[i * BINS + i]).sum();
    // Subspace iteration: Q ← orth(C Q), columns kept in order so each converges to the
    // next strongest component.
    let mut q: Vec<Vec<f32>> = (0..k)
        .map(|j| {
            (0..BINS)
                .map(|i| (((i * 7 + j * 13) % 17) as f32 - 8.0) + if i == j { 10.0 } else { 0.0 })
                .collect()
        })
        .collect();
    let times = |v: &[f32]| -> Vec<f32> {
        (0..BINS)
            .map(|i| {
                cov[i * BINS..(i + 1) * BINS]
                    .iter()
                    .zip(v)
                    .map(|(a, b)| a * b)
                    .sum()
            })
            .collect()
    };
    for _ in 0..120 {
        let mut next: Vec<Vec<f32>> = q.iter().map(|v| times(v)).collect();
        orthonormalize(&mut next);
        q = next;
    }
    let variances: Vec<f32> = q
        .iter()
        .map(|v| times(v).iter().zip(v).map(|(a, b)| a * b).sum::<f32>())
        .collect();
    Pca {
        basis: q.concat(),
        mean,
        scale: variances.iter().map(|v| v.max(1e-8).sqrt()).collect(),
        explained: variances.iter().sum::<f32>() / trace.max(1e-8),
    }
}

/// Modified Gram–Schmidt, in place.
fn orthonormalize(vs: &mut [Vec<f32>]) {
    for j in 0..vs.len() {
        let (done, rest) = vs.split_at_mut(j);
        let v = &mut rest[0];
        for u in done.iter() {
            let d: f32 = u.iter().zip(v.iter()).map(|(a, b)| a * b).sum();
            v.iter_mut().zip(u).for_each(|(x, y)| *x -= d * y);
        }
        let norm = v.iter().map(|x| x * x).sum::<f32>().sqrt().max(1e-12);
        v.iter_mut().for_each(|x| *x /= norm);
    }
}

impl Pca {
    /// Components kept.
    pub fn dims(&self) -> usize {
        self.scale.len()
    }

    /// One frame → unit-scaled coefficients.
    pub fn encode(&self, frame: &[f32]) -> Vec<f32> {
        self.basis
            .chunks(BINS)
            .zip(&self.scale)
            .map(|(b, s)| {
                b.iter()
                    .zip(frame.iter().zip(&self.mean))
                    .map(|(w, (v, m))| w * (v - m))
                    .sum::<f32>()
                    / s
            })
            .collect()
    }

    /// Unit-scaled coefficients → one frame.
    pub fn decode(&self, coefficients: &[f32]) -> Vec<f32> {
        let mut out = self.mean.clone();
        for ((b, s), c) in self.basis.chunks(BINS).zip(&self.scale).zip(coefficients) {
            out.iter_mut().zip(b).for_each(|(o, w)| *o += c * s * w);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_in_a_low_dimensional_space_are_kept_exactly() {
        // Frames = mean + a·u + b·v for two fixed directions.
        let u: Vec<f32> = (0..BINS).map(|i| ((i as f32) * 0.1).sin()).collect();
        let v: Vec<f32> = (0..BINS).map(|i| if i < 40 { 1.0 } else { 0.0 }).collect();
        let frames: Vec<Vec<f32>> = (0..300)
            .map(|j| {
                let (a, b) = ((j as f32 * 0.37).sin() * 3.0, (j as f32 * 0.11).cos());
                (0..BINS).map(|i| -4.0 + a * u[i] + b * v[i]).collect()
            })
            .collect();
        let refs: Vec<&[f32]> = frames.iter().map(Vec::as_slice).collect();
        let pca = fit(&refs, 2);
        assert!(pca.explained > 0.999, "explained {}", pca.explained);
        assert!(
            pca.scale[0] >= pca.scale[1],
            "strongest first: {:?}",
            pca.scale
        );
        for f in &frames[..5] {
            let back = pca.decode(&pca.encode(f));
            let worst = back
                .iter()
                .zip(f)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 0.05, "{worst}");
        }
    }
}
