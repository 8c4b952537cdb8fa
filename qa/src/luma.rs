//! Shared per-frame measurements: luma (BT.601 weights, 0..255) and the mean absolute
//! luma difference between consecutive frames, which several analyzers read.

use crate::Frames;

/// Luma of every frame plus consecutive differences.
#[derive(Debug, Clone)]
pub struct Lumas {
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
    /// Frames per second.
    pub fps: f32,
    /// Row-major luma per frame.
    pub y: Vec<Vec<f32>>,
    /// `diff[t]`: mean |luma(t) − luma(t−1)| for t ≥ 1; `diff[0]` = 0.
    pub diff: Vec<f32>,
}

impl Lumas {
    /// Measure a clip.
    pub fn of(frames: &Frames) -> Lumas {
        let y: Vec<Vec<f32>> = frames
            .rgb
            .iter()
            .map(|f| {
                f.chunks_exact(3)
                    .map(|p| 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32)
                    .collect()
            })
            .collect();
        let mut diff = vec![0.0; y.len()];
        for t in 1..y.len() {
            diff[t] = mean_abs_diff(&y[t], &y[t - 1]);
        }
        Lumas {
            width: frames.width,
            height: frames.height,
            fps: frames.fps,
            y,
            diff,
        }
    }

    /// Number of frames.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// Whether there are no frames.
    pub fn is_empty(&self) -> bool {
        self.y.is_empty()
    }
}

/// Mean absolute difference of two equal-length images.
pub fn mean_abs_diff(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| (x - y).abs()).sum::<f32>() / a.len().max(1) as f32
}
