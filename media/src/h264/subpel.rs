//! Fractional-sample luma interpolation (§8.4.2.2.1): 6-tap half samples
//! and bilinear quarter samples, with reference coordinates clamped to the
//! picture exactly like a decoder does.

use super::inter::Mv;
use super::picture::Plane;

#[inline]
fn tap6(a: i32, b: i32, c: i32, d: i32, e: i32, f: i32) -> i32 {
    a - 5 * b + 20 * c + 20 * d - 5 * e + f
}

#[inline]
fn clip1(v: i32) -> u8 {
    v.clamp(0, 255) as u8
}

#[inline]
fn avg(a: u8, b: u8) -> u8 {
    ((u16::from(a) + u16::from(b) + 1) >> 1) as u8
}

/// Quarter-sample value from the full sample G and the half samples around
/// it (Table 8-12): `g`/`g_right`/`g_below` full samples, `b`/`s` the
/// horizontal half samples of this row / the row below, `h`/`m` the vertical
/// half samples of this column / the column right, `j` the centre.
#[allow(clippy::too_many_arguments)]
#[inline]
fn quarter(
    fx: i32,
    fy: i32,
    g: u8,
    g_right: u8,
    g_below: u8,
    b: u8,
    s: u8,
    h: u8,
    m: u8,
    j: u8,
) -> u8 {
    match (fx, fy) {
        (0, 0) => g,
        (0, 1) => avg(g, h),
        (0, 2) => h,
        (0, 3) => avg(g_below, h),
        (1, 0) => avg(g, b),
        (1, 1) => avg(b, h),
        (1, 2) => avg(h, j),
        (1, 3) => avg(h, s),
        (2, 0) => b,
        (2, 1) => avg(b, j),
        (2, 2) => j,
        (2, 3) => avg(j, s),
        (3, 0) => avg(g_right, b),
        (3, 1) => avg(b, m),
        (3, 2) => avg(j, m),
        _ => avg(m, s),
    }
}

/// Exact 16x16 luma prediction for any quarter-sample vector, used for the
/// final prediction (what the decoder computes). A 21x21 window of clamped
/// full samples covers every tap the block needs.
pub(crate) fn predict_luma_qpel(
    reference: &Plane,
    x0: usize,
    y0: usize,
    mv: Mv,
    out: &mut [u8; 256],
) {
    const N: usize = 21;
    let ix = x0 as isize + (mv.x >> 2) as isize;
    let iy = y0 as isize + (mv.y >> 2) as isize;
    let (fx, fy) = (mv.x & 3, mv.y & 3);
    // win[r][c] = G(ix - 2 + c, iy - 2 + r)
    let mut win = [[0i32; N]; N];
    for (r, row) in win.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = i32::from(reference.at_clamped(ix - 2 + c as isize, iy - 2 + r as isize));
        }
    }
    if fx == 0 && fy == 0 {
        for y in 0..16 {
            for x in 0..16 {
                out[y * 16 + x] = win[y + 2][x + 2] as u8;
            }
        }
        return;
    }
    // b1 for every window row, block columns 0..16 (half sample right of G).
    let mut b1 = [[0i32; 16]; N];
    for (r, row) in b1.iter_mut().enumerate() {
        let w = &win[r];
        for (x, v) in row.iter_mut().enumerate() {
            *v = tap6(w[x], w[x + 1], w[x + 2], w[x + 3], w[x + 4], w[x + 5]);
        }
    }
    // h1 for the block's 16 rows, columns 0..=16 (column 16 feeds m).
    let mut h1 = [[0i32; 17]; 16];
    for (y, row) in h1.iter_mut().enumerate() {
        for (x, v) in row.iter_mut().enumerate() {
            let c = x + 2;
            *v = tap6(
                win[y][c],
                win[y + 1][c],
                win[y + 2][c],
                win[y + 3][c],
                win[y + 4][c],
                win[y + 5][c],
            );
        }
    }
    for y in 0..16 {
        for x in 0..16 {
            let g = win[y + 2][x + 2] as u8;
            let g_right = win[y + 2][x + 3] as u8;
            let g_below = win[y + 3][x + 2] as u8;
            let b = clip1((b1[y + 2][x] + 16) >> 5);
            let s = clip1((b1[y + 3][x] + 16) >> 5);
            let h = clip1((h1[y][x] + 16) >> 5);
            let m = clip1((h1[y][x + 1] + 16) >> 5);
            let j1 = tap6(
                b1[y][x],
                b1[y + 1][x],
                b1[y + 2][x],
                b1[y + 3][x],
                b1[y + 4][x],
                b1[y + 5][x],
            );
            let j = clip1((j1 + 512) >> 10);
            out[y * 16 + x] = quarter(fx, fy, g, g_right, g_below, b, s, h, m, j);
        }
    }
}

/// Half-sample planes of a whole reference picture, extended by `MARGIN`
/// samples on every side, for fast motion search. Every value equals what the
/// decoder's clamped-coordinate interpolation gives, for any integer
/// position within the margin; `predict_luma_qpel` remains the exact path
/// for the final prediction.
pub(crate) struct HalfPelPlanes {
    /// Full samples G.
    full: Vec<u8>,
    /// b: half sample to the right of each full sample.
    horizontal: Vec<u8>,
    /// h: half sample below each full sample.
    vertical: Vec<u8>,
    /// j: centre half sample.
    centre: Vec<u8>,
    width: usize,
    height: usize,
    stride: usize,
}

/// How far outside the picture the planes reach (> motion search range + 1).
pub(crate) const MARGIN: usize = 24;

impl HalfPelPlanes {
    pub(crate) fn build(full: &Plane) -> Self {
        // Edge-replicated copy with 3 more samples of margin for the 6-tap
        // support; replication gives exactly the clamped-coordinate values.
        const P: usize = MARGIN + 3;
        let (w, h) = (full.width, full.height);
        let (gw, gh) = (w + 2 * P, h + 2 * P);
        let mut pad = vec![0u8; gw * gh];
        for py in 0..gh {
            let sy = py.saturating_sub(P).min(h - 1);
            let src_row = &full.data[sy * w..(sy + 1) * w];
            let row = &mut pad[py * gw..(py + 1) * gw];
            row[P..P + w].copy_from_slice(src_row);
            row[..P].fill(src_row[0]);
            row[P + w..].fill(src_row[w - 1]);
        }
        let g = |r: usize, c: usize| i32::from(pad[r * gw + c]);

        // Output position (ox, oy) is picture position (ox - MARGIN, oy - MARGIN),
        // i.e. padded index (ox + 3, oy + 3).
        let (ow, oh) = (w + 2 * MARGIN, h + 2 * MARGIN);
        // b1 (unrounded horizontal half sample) for every padded row.
        let mut b1 = vec![0i32; gh * ow];
        for r in 0..gh {
            for ox in 0..ow {
                let c = ox + 1;
                b1[r * ow + ox] = tap6(
                    g(r, c),
                    g(r, c + 1),
                    g(r, c + 2),
                    g(r, c + 3),
                    g(r, c + 4),
                    g(r, c + 5),
                );
            }
        }
        let mut planes = Self {
            full: vec![0; ow * oh],
            horizontal: vec![0; ow * oh],
            vertical: vec![0; ow * oh],
            centre: vec![0; ow * oh],
            width: w,
            height: h,
            stride: ow,
        };
        for oy in 0..oh {
            for ox in 0..ow {
                let i = oy * ow + ox;
                planes.full[i] = pad[(oy + 3) * gw + ox + 3];
                planes.horizontal[i] = clip1((b1[(oy + 3) * ow + ox] + 16) >> 5);
                let (r, c) = (oy + 1, ox + 3);
                let v1 = tap6(
                    g(r, c),
                    g(r + 1, c),
                    g(r + 2, c),
                    g(r + 3, c),
                    g(r + 4, c),
                    g(r + 5, c),
                );
                planes.vertical[i] = clip1((v1 + 16) >> 5);
                let bj = |k: usize| b1[(r + k) * ow + ox];
                let j1 = tap6(bj(0), bj(1), bj(2), bj(3), bj(4), bj(5));
                planes.centre[i] = clip1((j1 + 512) >> 10);
            }
        }
        planes
    }

    /// Whether the 16x16 block displaced by `mv`, plus one sample right and
    /// below (quarter positions read those), stays inside the planes.
    pub(crate) fn covers(&self, x0: usize, y0: usize, mv: Mv) -> bool {
        let ix = x0 as i64 + i64::from(mv.x >> 2) + MARGIN as i64;
        let iy = y0 as i64 + i64::from(mv.y >> 2) + MARGIN as i64;
        let (limit_x, limit_y) = (
            (self.width + 2 * MARGIN) as i64,
            (self.height + 2 * MARGIN) as i64,
        );
        ix >= 0 && iy >= 0 && ix + 17 <= limit_x && iy + 17 <= limit_y
    }

    /// Which plane and (dx, dy) offset give each quarter position: either one
    /// sample or the rounded average of two (Table 8-12 rewritten in terms of
    /// the G/b/h/j planes).
    fn taps(&self, fx: i32, fy: i32) -> [(&[u8], usize, usize); 2] {
        let (g, b, h, j) = (
            &self.full[..],
            &self.horizontal[..],
            &self.vertical[..],
            &self.centre[..],
        );
        match (fx, fy) {
            (0, 0) => [(g, 0, 0), (g, 0, 0)],
            (0, 1) => [(g, 0, 0), (h, 0, 0)],
            (0, 2) => [(h, 0, 0), (h, 0, 0)],
            (0, 3) => [(g, 0, 1), (h, 0, 0)],
            (1, 0) => [(g, 0, 0), (b, 0, 0)],
            (1, 1) => [(b, 0, 0), (h, 0, 0)],
            (1, 2) => [(h, 0, 0), (j, 0, 0)],
            (1, 3) => [(h, 0, 0), (b, 0, 1)],
            (2, 0) => [(b, 0, 0), (b, 0, 0)],
            (2, 1) => [(b, 0, 0), (j, 0, 0)],
            (2, 2) => [(j, 0, 0), (j, 0, 0)],
            (2, 3) => [(j, 0, 0), (b, 0, 1)],
            (3, 0) => [(g, 1, 0), (b, 0, 0)],
            (3, 1) => [(b, 0, 0), (h, 1, 0)],
            (3, 2) => [(j, 0, 0), (h, 1, 0)],
            _ => [(h, 1, 0), (b, 0, 1)],
        }
    }

    /// SAD of `src` against the prediction for `mv`; the caller checks `covers`.
    pub(crate) fn sad(
        &self,
        src: &[u8; 256],
        x0: usize,
        y0: usize,
        mv: Mv,
        limit: u32,
    ) -> Option<u32> {
        let ix = (x0 as i64 + i64::from(mv.x >> 2) + MARGIN as i64) as usize;
        let iy = (y0 as i64 + i64::from(mv.y >> 2) + MARGIN as i64) as usize;
        let [(pa, ax, ay), (pb, bx, by)] = self.taps(mv.x & 3, mv.y & 3);
        let w = self.stride;
        let mut sad = 0u32;
        for y in 0..16 {
            let ra = &pa[(iy + y + ay) * w + ix + ax..][..16];
            let rb = &pb[(iy + y + by) * w + ix + bx..][..16];
            let s = &src[y * 16..y * 16 + 16];
            sad += s
                .iter()
                .zip(ra.iter().zip(rb))
                .map(|(&p, (&a, &b))| u32::from(p.abs_diff(avg(a, b))))
                .sum::<u32>();
            if sad >= limit {
                return None;
            }
        }
        Some(sad)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast search planes and the exact predictor must agree wherever
    /// the planes claim to be exact.
    #[test]
    fn planes_agree_with_exact_predictor() {
        let mut plane = Plane::new(48, 48);
        for (i, v) in plane.data.iter_mut().enumerate() {
            *v = ((i * 37 + (i / 48) * 11) % 251) as u8;
        }
        let planes = HalfPelPlanes::build(&plane);
        let mut pred = [0u8; 256];
        for mvy in -9..=9 {
            for mvx in -9..=9 {
                let mv = Mv {
                    x: mvx * 4 + (mvx & 3),
                    y: mvy * 4 + (mvy & 3),
                };
                for &(x0, y0) in &[(0usize, 0usize), (16, 16), (32, 32), (16, 32)] {
                    predict_luma_qpel(&plane, x0, y0, mv, &mut pred);
                    let inside_margin = mvx.abs() <= 20 && mvy.abs() <= 20;
                    if (x0, y0) == (16, 16) && inside_margin {
                        assert!(planes.covers(x0, y0, mv), "margin must reach {mv:?}");
                    }
                    if planes.covers(x0, y0, mv) {
                        assert_eq!(
                            planes.sad(&pred, x0, y0, mv, u32::MAX),
                            Some(0),
                            "mv {mv:?} at {x0},{y0}"
                        );
                    }
                }
            }
        }
    }
}
