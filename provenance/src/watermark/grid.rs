//! Geometry shared by embedder and detector: where each pixel sits on the cell grid.
//!
//! Coordinates are normalized to the frame (pixel centres at `(x + 0.5) / width`),
//! the same convention ffmpeg's scaler uses, so a resized frame maps onto the same
//! cells as the original.

/// Cells per side of the pattern grid.
pub const GRID: usize = 32;
/// Number of cells.
pub const CELLS: usize = GRID * GRID;

/// Index of the cell containing pixel `x` of a side with `len` pixels (area binning).
pub fn cell_of(x: usize, len: usize) -> usize {
    // ((x + 0.5) / len) * GRID, in integers: exact and never reaches GRID.
    ((2 * x + 1) * GRID / (2 * len)).min(GRID - 1)
}

/// Smooth interpolation stencil for pixel `x` of a side with `len` pixels: the two
/// neighbouring cell centres and the weight of the second one.
///
/// The weight follows a smoothstep so the field is flat around each cell centre
/// (most of a cell carries its full sign, which the detector's area average sees)
/// and has no kinks between cells (which would be visible and cost bits).
pub fn stencil(x: usize, len: usize) -> (usize, usize, f32) {
    let u = (x as f32 + 0.5) * GRID as f32 / len as f32 - 0.5;
    if u <= 0.0 {
        return (0, 0, 0.0);
    }
    let i0 = u.floor() as usize;
    if i0 >= GRID - 1 {
        return (GRID - 1, GRID - 1, 0.0);
    }
    let t = u - i0 as f32;
    (i0, i0 + 1, t * t * (3.0 - 2.0 * t))
}

/// The pattern interpolated to a `width`×`height` field in −1..1, row-major.
pub fn field(pattern: &[f32], width: usize, height: usize) -> Vec<f32> {
    let columns: Vec<_> = (0..width).map(|x| stencil(x, width)).collect();
    let mut out = Vec::with_capacity(width * height);
    for y in 0..height {
        let (r0, r1, ty) = stencil(y, height);
        for &(c0, c1, tx) in &columns {
            let at = |r: usize, c: usize| pattern[r * GRID + c];
            let top = at(r0, c0) + tx * (at(r0, c1) - at(r0, c0));
            let bottom = at(r1, c0) + tx * (at(r1, c1) - at(r1, c0));
            out.push(top + ty * (bottom - top));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_cover_the_side_evenly() {
        for len in [32, 33, 96, 127, 128, 255, 256, 320] {
            let mut counts = [0usize; GRID];
            for x in 0..len {
                counts[cell_of(x, len)] += 1;
            }
            let (lo, hi) = (counts.iter().min().unwrap(), counts.iter().max().unwrap());
            assert!(*lo >= 1 && hi - lo <= 1, "len {len}: {counts:?}");
        }
    }

    #[test]
    fn field_hits_the_pattern_at_cell_centres() {
        let pattern: Vec<f32> = (0..CELLS)
            .map(|i| if i % 3 == 0 { 1.0 } else { -1.0 })
            .collect();
        // At 96 px (3 px per cell) the centre of cell k is pixel 3k + 1.
        let f = field(&pattern, 96, 96);
        for r in 0..GRID {
            for c in 0..GRID {
                let v = f[(3 * r + 1) * 96 + 3 * c + 1];
                assert!((v - pattern[r * GRID + c]).abs() < 1e-5);
            }
        }
        assert!(f.iter().all(|v| v.abs() <= 1.0 + 1e-6));
    }
}
