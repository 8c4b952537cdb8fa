//! Inter prediction for P_L0_16x16 / P_Skip with one reference picture:
//! motion-vector prediction (§8.4.1.1, §8.4.1.3), motion compensation
//! (§8.4.2.2) and an integer-pel motion search.

use super::bitwriter::se_bits;
use super::picture::Plane;
use super::subpel::{HalfPelPlanes, predict_luma_qpel};

/// Motion vector in quarter luma samples (the unit mvd_l0 is coded in).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub(crate) struct Mv {
    pub(crate) x: i32,
    pub(crate) y: i32,
}

impl Mv {
    pub(crate) const ZERO: Mv = Mv { x: 0, y: 0 };
}

/// What a neighbouring macroblock contributes to motion-vector prediction.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Neighbour {
    /// Outside the picture (or not yet coded).
    Unavailable,
    /// Intra coded: refIdx = -1, mv = 0.
    Intra,
    /// Inter coded with refIdx 0 (P_L0_16x16 or P_Skip).
    Inter(Mv),
}

impl Neighbour {
    fn uses_ref0(self) -> bool {
        matches!(self, Neighbour::Inter(_))
    }

    fn mv(self) -> Mv {
        match self {
            Neighbour::Inter(mv) => mv,
            _ => Mv::ZERO,
        }
    }
}

fn median(a: i32, b: i32, c: i32) -> i32 {
    a.max(b).min(a.min(b).max(c))
}

/// Luma mv predictor for a 16x16 partition with refIdx 0 (§8.4.1.3).
/// `c` is the above-right neighbour, already replaced by above-left (D)
/// when above-right is unavailable.
pub(crate) fn predict_mv(a: Neighbour, b: Neighbour, c: Neighbour) -> Mv {
    let (mut b, mut c) = (b, c);
    if b == Neighbour::Unavailable && c == Neighbour::Unavailable && a != Neighbour::Unavailable {
        b = a;
        c = a;
    }
    let matching = [a, b, c].iter().filter(|n| n.uses_ref0()).count();
    if matching == 1 {
        return [a, b, c]
            .into_iter()
            .find(|n| n.uses_ref0())
            .map_or(Mv::ZERO, Neighbour::mv);
    }
    let (ma, mb, mc) = (a.mv(), b.mv(), c.mv());
    Mv {
        x: median(ma.x, mb.x, mc.x),
        y: median(ma.y, mb.y, mc.y),
    }
}

/// Motion vector a P_Skip macroblock uses (§8.4.1.1).
pub(crate) fn predict_skip_mv(a: Neighbour, b: Neighbour, c: Neighbour) -> Mv {
    if a == Neighbour::Unavailable || b == Neighbour::Unavailable {
        return Mv::ZERO;
    }
    if a == Neighbour::Inter(Mv::ZERO) || b == Neighbour::Inter(Mv::ZERO) {
        return Mv::ZERO;
    }
    predict_mv(a, b, c)
}

/// 16x16 luma prediction at (x0, y0) displaced by `mv` (quarter samples).
pub(crate) fn predict_luma(reference: &Plane, x0: usize, y0: usize, mv: Mv, out: &mut [u8; 256]) {
    if mv.x & 3 != 0 || mv.y & 3 != 0 {
        predict_luma_qpel(reference, x0, y0, mv, out);
        return;
    }
    let rx = x0 as isize + (mv.x >> 2) as isize;
    let ry = y0 as isize + (mv.y >> 2) as isize;
    if rx >= 0
        && ry >= 0
        && rx as usize + 16 <= reference.width
        && ry as usize + 16 <= reference.height
    {
        reference.read_block(rx as usize, ry as usize, 16, out);
        return;
    }
    for y in 0..16 {
        for x in 0..16 {
            out[y * 16 + x] = reference.at_clamped(rx + x as isize, ry + y as isize);
        }
    }
}

/// 8x8 chroma prediction (§8.4.2.2.2): the chroma vector equals the luma one
/// in 1/8 chroma samples, so odd full-pel luma vectors land on half-chroma
/// positions and need the bilinear filter.
pub(crate) fn predict_chroma(
    reference: &Plane,
    xc0: usize,
    yc0: usize,
    mv: Mv,
    out: &mut [u8; 64],
) {
    let x_frac = mv.x & 7;
    let y_frac = mv.y & 7;
    let bx = xc0 as isize + (mv.x >> 3) as isize;
    let by = yc0 as isize + (mv.y >> 3) as isize;
    for y in 0..8isize {
        for x in 0..8isize {
            let a = i32::from(reference.at_clamped(bx + x, by + y));
            let b = i32::from(reference.at_clamped(bx + x + 1, by + y));
            let c = i32::from(reference.at_clamped(bx + x, by + y + 1));
            let d = i32::from(reference.at_clamped(bx + x + 1, by + y + 1));
            let v = ((8 - x_frac) * (8 - y_frac) * a
                + x_frac * (8 - y_frac) * b
                + (8 - x_frac) * y_frac * c
                + x_frac * y_frac * d
                + 32)
                >> 6;
            out[(y * 8 + x) as usize] = v as u8;
        }
    }
}

/// Sum of absolute differences between two 16x16 blocks.
pub(crate) fn sad16(a: &[u8; 256], b: &[u8; 256]) -> u32 {
    a.iter()
        .zip(b)
        .map(|(&p, &q)| u32::from(p.abs_diff(q)))
        .sum()
}

/// Result of the motion search: the vector and its SAD + rate cost.
pub(crate) struct MotionResult {
    pub(crate) mv: Mv,
    pub(crate) cost: u32,
}

/// Integer-pel search (best of the predictor/zero/skip candidates, a
/// small-diamond descent and a 3x3 refinement, within `range` samples),
/// then half- and quarter-sample refinement on the interpolated planes.
/// Cost = SAD + lambda · bits(mvd), as in x264's ME.
pub(crate) fn motion_search(
    src: &[u8; 256],
    halfpel: &HalfPelPlanes,
    (x0, y0): (usize, usize),
    mvp: Mv,
    candidates: &[Mv],
    lambda: u32,
    range: i32,
) -> MotionResult {
    let cost_of = |dx: i32, dy: i32, limit: u32| -> Option<u32> {
        let mv = Mv {
            x: dx * 4,
            y: dy * 4,
        };
        if dx.abs() > range || dy.abs() > range || !halfpel.covers(x0, y0, mv) {
            return None;
        }
        let rate = lambda * (se_bits(mv.x - mvp.x) + se_bits(mv.y - mvp.y));
        if rate >= limit {
            return None;
        }
        halfpel.sad(src, x0, y0, mv, limit - rate).map(|s| s + rate)
    };

    let mut best = (0, 0);
    let mut best_cost = u32::MAX;
    for mv in std::iter::once(&Mv::ZERO).chain(candidates) {
        let (dx, dy) = (mv.x >> 2, mv.y >> 2);
        if let Some(c) = cost_of(dx, dy, best_cost) {
            best = (dx, dy);
            best_cost = c;
        }
    }
    if best_cost == u32::MAX {
        // Every candidate is out of reach; (0,0) always fits.
        best_cost = cost_of(0, 0, u32::MAX).unwrap_or(u32::MAX);
    }

    const DIAMOND: [(i32, i32); 4] = [(0, -1), (-1, 0), (1, 0), (0, 1)];
    for _ in 0..(2 * range) {
        let centre = best;
        for (ox, oy) in DIAMOND {
            if let Some(c) = cost_of(centre.0 + ox, centre.1 + oy, best_cost) {
                best = (centre.0 + ox, centre.1 + oy);
                best_cost = c;
            }
        }
        if best == centre {
            break;
        }
    }
    let centre = best;
    for oy in -1..=1 {
        for ox in -1..=1 {
            if (ox, oy) != (0, 0)
                && let Some(c) = cost_of(centre.0 + ox, centre.1 + oy, best_cost)
            {
                best = (centre.0 + ox, centre.1 + oy);
                best_cost = c;
            }
        }
    }
    let mut best = Mv {
        x: best.0 * 4,
        y: best.1 * 4,
    };
    let qcost = |mv: Mv, limit: u32| -> Option<u32> {
        if !halfpel.covers(x0, y0, mv) {
            return None;
        }
        let rate = lambda * (se_bits(mv.x - mvp.x) + se_bits(mv.y - mvp.y));
        if rate >= limit {
            return None;
        }
        halfpel.sad(src, x0, y0, mv, limit - rate).map(|s| s + rate)
    };
    // A fractional predictor costs no mvd bits: worth trying directly.
    if let Some(c) = qcost(mvp, best_cost) {
        best = mvp;
        best_cost = c;
    }
    for step in [2, 1] {
        let centre = best;
        for oy in -1..=1 {
            for ox in -1..=1 {
                let mv = Mv {
                    x: centre.x + ox * step,
                    y: centre.y + oy * step,
                };
                if (ox, oy) != (0, 0)
                    && let Some(c) = qcost(mv, best_cost)
                {
                    best = mv;
                    best_cost = c;
                }
            }
        }
    }
    MotionResult {
        mv: best,
        cost: best_cost,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_prediction_and_single_match_rule() {
        let m = |x, y| Neighbour::Inter(Mv { x, y });
        assert_eq!(predict_mv(m(4, 0), m(8, 4), m(-4, 12)), Mv { x: 4, y: 4 });
        // Only B uses ref 0: its vector is taken as is.
        assert_eq!(
            predict_mv(Neighbour::Intra, m(8, 4), Neighbour::Intra),
            Mv { x: 8, y: 4 }
        );
        // Top row: B and C missing, so both copy A.
        assert_eq!(
            predict_mv(m(12, -4), Neighbour::Unavailable, Neighbour::Unavailable),
            Mv { x: 12, y: -4 }
        );
        assert_eq!(
            predict_skip_mv(m(12, -4), Neighbour::Unavailable, Neighbour::Unavailable),
            Mv::ZERO
        );
    }
}
