//! Finding a key's pattern in decoded frames.

use super::grid::{CELLS, GRID, cell_of};
use super::key::WatermarkKey;
use super::{WatermarkError, check_plane};

/// Score above which the watermark is reported present.
///
/// Without this key's mark the score is a ±1-weighted sum with i.i.d. fair signs,
/// so by Hoeffding P(score ≥ t) ≤ exp(−t²/2): for t = 6 that is 1.5·10⁻⁸ per clip.
pub const DETECTION_THRESHOLD: f32 = 6.0;

/// The verdict on one clip.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Detection {
    /// Normalized correlation with the key's pattern (≈ N(0,1) without the mark).
    pub score: f32,
    /// `score ≥ DETECTION_THRESHOLD`.
    pub present: bool,
    /// Frames that went into the score.
    pub frames: u32,
}

/// Accumulates decoded frames of one clip and scores them against a key.
#[derive(Debug, Clone)]
pub struct Detector {
    pattern: Vec<f32>,
    /// Sum over frames of each cell's high-passed luma.
    residual: Vec<f64>,
    frames: u32,
}

impl Detector {
    /// A detector for `key`'s pattern.
    pub fn new(key: &WatermarkKey) -> Detector {
        Detector {
            pattern: key.pattern(),
            residual: vec![0.0; CELLS],
            frames: 0,
        }
    }

    /// Add one decoded luma plane (stride = `width`), at any resolution.
    pub fn add_luma(&mut self, y: &[u8], width: u32, height: u32) -> Result<(), WatermarkError> {
        check_plane(y.len(), width, height)?;
        let cells = high_pass(&cell_means(y, width as usize, height as usize));
        for (acc, r) in self.residual.iter_mut().zip(cells) {
            *acc += r;
        }
        self.frames += 1;
        Ok(())
    }

    /// The verdict so far.
    pub fn finish(&self) -> Detection {
        let score = correlation(&self.weighted(), &self.pattern);
        Detection {
            score,
            present: score >= DETECTION_THRESHOLD,
            frames: self.frames,
        }
    }

    /// Score of the same frames against another key's pattern. Used to measure the
    /// null distribution (wrong keys) on real content without re-reading frames.
    pub fn score_for(&self, key: &WatermarkKey) -> f32 {
        correlation(&self.weighted(), &key.pattern())
    }

    /// The accumulated residual with each cell divided by the RMS residual of its
    /// 3×3 neighbourhood.
    ///
    /// Without this, a few cells on strong edges or busy texture (where content
    /// leaks through the high-pass) would dominate the sum and drown the many flat
    /// cells where the pattern stands out; equalizing local energy lets every region
    /// vote. The weights depend on the residual only, never on the key, so the
    /// false-positive bound still holds.
    fn weighted(&self) -> Vec<f64> {
        let r = &self.residual;
        let mean_energy = r.iter().map(|v| v * v).sum::<f64>() / CELLS as f64;
        // Keeps an all-flat neighbourhood from dividing by ~0 (and amplifying noise).
        let floor = 1e-3 * mean_energy + 1e-12;
        let mut out = Vec::with_capacity(CELLS);
        for row in 0..GRID {
            for c in 0..GRID {
                let (mut sum, mut n) = (0.0, 0.0);
                for nr in row.saturating_sub(1)..=(row + 1).min(GRID - 1) {
                    for nc in c.saturating_sub(1)..=(c + 1).min(GRID - 1) {
                        sum += r[nr * GRID + nc].powi(2);
                        n += 1.0;
                    }
                }
                out.push(r[row * GRID + c] / (sum / n + floor).sqrt());
            }
        }
        out
    }
}

/// `Σ pᵢ·Rᵢ / √(Σ Rᵢ²)`; 0 when there is no residual at all (e.g. no frames).
fn correlation(residual: &[f64], pattern: &[f32]) -> f32 {
    let energy: f64 = residual.iter().map(|r| r * r).sum();
    if energy <= 0.0 {
        return 0.0;
    }
    let dot: f64 = residual
        .iter()
        .zip(pattern)
        .map(|(r, &p)| r * p as f64)
        .sum();
    (dot / energy.sqrt()) as f32
}

/// Area-average the plane onto the grid (each pixel counts for the cell it lies in).
fn cell_means(y: &[u8], width: usize, height: usize) -> Vec<f64> {
    let columns: Vec<usize> = (0..width).map(|x| cell_of(x, width)).collect();
    let mut sums = vec![0.0f64; CELLS];
    let mut counts = vec![0u32; CELLS];
    for (row_index, row) in y.chunks_exact(width).enumerate() {
        let base = cell_of(row_index, height) * GRID;
        for (&value, &c) in row.iter().zip(&columns) {
            sums[base + c] += value as f64;
            counts[base + c] += 1;
        }
    }
    sums.iter()
        .zip(&counts)
        .map(|(s, &n)| if n > 0 { s / n as f64 } else { 0.0 })
        .collect()
}

/// Each cell minus the mean of its (up to 8) neighbours: removes the smooth content,
/// keeps the cell-to-cell sign changes of the pattern.
fn high_pass(cells: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(CELLS);
    for r in 0..GRID {
        for c in 0..GRID {
            let (mut sum, mut n) = (0.0, 0.0);
            for nr in r.saturating_sub(1)..=(r + 1).min(GRID - 1) {
                for nc in c.saturating_sub(1)..=(c + 1).min(GRID - 1) {
                    if (nr, nc) != (r, c) {
                        sum += cells[nr * GRID + nc];
                        n += 1.0;
                    }
                }
            }
            out.push(cells[r * GRID + c] - sum / n);
        }
    }
    out
}
