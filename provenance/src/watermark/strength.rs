//! Content-adaptive amplitude: how many luma levels the pattern may move each pixel.
//!
//! The eye (and H.264's psycho-visual tuning) tolerates changes in texture far more
//! than in flat areas such as sky, so the amplitude grows with local activity (mean
//! absolute gradient around the pixel) between [`MIN_LEVELS`] and [`MAX_LEVELS`];
//! [`fit_budget`] then caps the whole frame's RMS change at [`RMS_BUDGET`].

/// Amplitude in perfectly flat areas (luma levels).
pub const MIN_LEVELS: f32 = 2.5;
/// Amplitude ceiling in busy texture (luma levels).
pub const MAX_LEVELS: f32 = 6.0;
/// Extra amplitude per level of mean absolute gradient.
const GAIN: f32 = 0.35;
/// Cap on the RMS luma change of a frame (before rounding to integers, which adds
/// ≈0.29 RMS): PSNR ≥ 20·log10(255 / √(2.3² + 1/12)) ≈ 40.8 dB.
pub const RMS_BUDGET: f32 = 2.3;

/// Per-pixel amplitude (luma levels) for a `width`×`height` luma plane.
pub fn amplitude(luma: &[u8], width: usize, height: usize) -> Vec<f32> {
    let activity = box_mean(
        &gradient(luma, width, height),
        width,
        height,
        radius(width, height),
    );
    activity
        .iter()
        .map(|a| (MIN_LEVELS + GAIN * a).min(MAX_LEVELS))
        .collect()
}

/// The change `amplitude × field` per pixel, scaled down as a whole if its RMS
/// exceeds [`RMS_BUDGET`] (busy frames would otherwise lose too much PSNR).
pub fn fit_budget(amplitude: &[f32], field: &[f32]) -> Vec<f32> {
    let mut change: Vec<f32> = amplitude.iter().zip(field).map(|(a, f)| a * f).collect();
    let mean_sq = change.iter().map(|c| c * c).sum::<f32>() / change.len().max(1) as f32;
    let rms = mean_sq.sqrt();
    if rms > RMS_BUDGET {
        let scale = RMS_BUDGET / rms;
        change.iter_mut().for_each(|c| *c *= scale);
    }
    change
}

/// Smoothing radius: about a quarter cell, so the amplitude varies smoothly but still
/// follows object boundaries.
fn radius(width: usize, height: usize) -> usize {
    (width.min(height) / 128).max(1)
}

/// |∂x| + |∂y| with forward differences (zero on the last row/column).
fn gradient(luma: &[u8], width: usize, height: usize) -> Vec<f32> {
    let mut g = vec![0.0; width * height];
    for y in 0..height {
        for x in 0..width {
            let i = y * width + x;
            let v = luma[i] as f32;
            let dx = if x + 1 < width {
                (luma[i + 1] as f32 - v).abs()
            } else {
                0.0
            };
            let dy = if y + 1 < height {
                (luma[i + width] as f32 - v).abs()
            } else {
                0.0
            };
            g[i] = dx + dy;
        }
    }
    g
}

/// Mean over a (2r+1)² window clipped to the frame, via a summed-area table.
pub(crate) fn box_mean(values: &[f32], width: usize, height: usize, r: usize) -> Vec<f32> {
    let stride = width + 1;
    let mut sat = vec![0.0f64; stride * (height + 1)];
    for y in 0..height {
        let mut row = 0.0f64;
        for x in 0..width {
            row += values[y * width + x] as f64;
            sat[(y + 1) * stride + x + 1] = sat[y * stride + x + 1] + row;
        }
    }
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        let (y0, y1) = (y.saturating_sub(r), (y + r + 1).min(height));
        for x in 0..width {
            let (x0, x1) = (x.saturating_sub(r), (x + r + 1).min(width));
            let sum = sat[y1 * stride + x1] - sat[y0 * stride + x1] - sat[y1 * stride + x0]
                + sat[y0 * stride + x0];
            out.push((sum / ((y1 - y0) * (x1 - x0)) as f64) as f32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_gets_minimum_texture_gets_more() {
        let (w, h) = (64, 64);
        let mut luma = vec![100u8; w * h];
        for y in 0..h {
            for x in w / 2..w {
                luma[y * w + x] = if (x + y) % 2 == 0 { 80 } else { 120 };
            }
        }
        let amp = amplitude(&luma, w, h);
        let (flat, busy) = (amp[10 * w + 5], amp[10 * w + 50]);
        assert!((flat - MIN_LEVELS).abs() < 1e-4, "flat {flat}");
        assert!(busy > 2.0 * flat, "busy {busy} flat {flat}");
        // A full-strength ±1 field: half the frame busy exceeds the budget.
        let field = vec![1.0; w * h];
        let change = fit_budget(&amp, &field);
        let rms = (change.iter().map(|c| c * c).sum::<f32>() / change.len() as f32).sqrt();
        assert!((rms - RMS_BUDGET).abs() < 1e-3, "rms {rms}");
        assert!(change[10 * w + 50] > 2.0 * change[10 * w + 5]);
    }
}
