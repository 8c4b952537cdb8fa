//! Intra prediction: Intra_16x16 (§8.3.3, modes V/H/DC/plane) and chroma DC (§8.3.4.1-3).
//! Neighbours come from the reconstruction of the current picture; with one
//! slice per picture a neighbour is available iff it lies inside the picture.

use super::picture::Plane;

/// Intra16x16PredMode values as coded in mb_type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Intra16Mode {
    Vertical = 0,
    Horizontal = 1,
    Dc = 2,
    Plane = 3,
}

/// Builds the 16x16 luma prediction for the macroblock at sample (x0, y0).
pub(crate) fn predict_luma16(
    recon: &Plane,
    x0: usize,
    y0: usize,
    mode: Intra16Mode,
    out: &mut [u8; 256],
) {
    match mode {
        Intra16Mode::Vertical => {
            let top = &recon.data[(y0 - 1) * recon.width + x0..(y0 - 1) * recon.width + x0 + 16];
            for row in out.chunks_exact_mut(16) {
                row.copy_from_slice(top);
            }
        }
        Intra16Mode::Horizontal => {
            for (y, row) in out.chunks_exact_mut(16).enumerate() {
                row.fill(recon.at(x0 - 1, y0 + y));
            }
        }
        Intra16Mode::Dc => {
            let dc = dc_value(recon, (x0, y0), (0, 0), 16, x0 > 0, y0 > 0);
            out.fill(dc);
        }
        Intra16Mode::Plane => predict_plane(recon, x0, y0, out),
    }
}

/// Intra_16x16_Plane (§8.3.3.4): a linear ramp fitted to the top row and
/// left column; cheap to code for gradients. Needs top, left and top-left.
fn predict_plane(recon: &Plane, x0: usize, y0: usize, out: &mut [u8; 256]) {
    // p(x, y) relative to the macroblock, with -1 meaning the neighbour row/column.
    let p = |x: isize, y: isize| {
        i32::from(recon.at((x0 as isize + x) as usize, (y0 as isize + y) as usize))
    };
    let h: i32 = (0..8)
        .map(|i| (i as i32 + 1) * (p(8 + i, -1) - p(6 - i, -1)))
        .sum();
    let v: i32 = (0..8)
        .map(|i| (i as i32 + 1) * (p(-1, 8 + i) - p(-1, 6 - i)))
        .sum();
    let a = 16 * (p(-1, 15) + p(15, -1));
    let b = (5 * h + 32) >> 6;
    let c = (5 * v + 32) >> 6;
    for y in 0..16 {
        for x in 0..16 {
            let val = (a + b * (x as i32 - 7) + c * (y as i32 - 7) + 16) >> 5;
            out[y * 16 + x] = val.clamp(0, 255) as u8;
        }
    }
}

/// Modes whose neighbours exist at this position.
pub(crate) fn available_luma_modes(x0: usize, y0: usize) -> impl Iterator<Item = Intra16Mode> {
    [
        (Intra16Mode::Dc, true),
        (Intra16Mode::Vertical, y0 > 0),
        (Intra16Mode::Horizontal, x0 > 0),
        (Intra16Mode::Plane, x0 > 0 && y0 > 0),
    ]
    .into_iter()
    .filter_map(|(m, ok)| ok.then_some(m))
}

/// Mean of the available top row / left column of an n-wide/high block,
/// rounded as the spec's Intra_16x16 DC and chroma DC equations do.
/// The block sits at offset (bx, by) inside the macroblock at (x0, y0); its
/// neighbours are always the macroblock's edge samples: top row
/// p[bx + i, -1] and left column p[-1, by + i].
fn dc_value(
    p: &Plane,
    (x0, y0): (usize, usize),
    (bx, by): (usize, usize),
    n: usize,
    use_left: bool,
    use_top: bool,
) -> u8 {
    let shift = n.trailing_zeros();
    let top = || {
        (0..n)
            .map(|i| u32::from(p.at(x0 + bx + i, y0 - 1)))
            .sum::<u32>()
    };
    let left = || {
        (0..n)
            .map(|i| u32::from(p.at(x0 - 1, y0 + by + i)))
            .sum::<u32>()
    };
    let v = match (use_left, use_top) {
        (true, true) => (top() + left() + n as u32) >> (shift + 1),
        (true, false) => (left() + (n as u32 >> 1)) >> shift,
        (false, true) => (top() + (n as u32 >> 1)) >> shift,
        (false, false) => 128,
    };
    v as u8
}

/// Intra chroma DC prediction (intra_chroma_pred_mode 0) for one 8x8 chroma
/// block at chroma sample (x0, y0). Each 4x4 sub-block prefers particular
/// neighbours (§8.3.4.1-3): the top-right block prefers its top samples, the
/// bottom-left block its left samples.
pub(crate) fn predict_chroma_dc(recon: &Plane, x0: usize, y0: usize, out: &mut [u8; 64]) {
    let has_left = x0 > 0;
    let has_top = y0 > 0;
    for blk in 0..4 {
        let (bx, by) = (4 * (blk & 1), 4 * (blk >> 1));
        let dc = match (bx, by) {
            (4, 0) => {
                if has_top {
                    dc_value(recon, (x0, y0), (bx, by), 4, false, true)
                } else {
                    dc_value(recon, (x0, y0), (bx, by), 4, has_left, false)
                }
            }
            (0, 4) => {
                if has_left {
                    dc_value(recon, (x0, y0), (bx, by), 4, true, false)
                } else {
                    dc_value(recon, (x0, y0), (bx, by), 4, false, has_top)
                }
            }
            _ => dc_value(recon, (x0, y0), (bx, by), 4, has_left, has_top),
        };
        for row in 0..4 {
            out[(by + row) * 8 + bx..(by + row) * 8 + bx + 4].fill(dc);
        }
    }
}
