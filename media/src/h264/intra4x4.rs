//! Intra_4x4 prediction (§8.3.1.2): nine directional modes per 4x4 block.

use super::picture::Plane;

/// Which neighbours of a 4x4 block exist (already reconstructed).
#[derive(Clone, Copy)]
pub(crate) struct Avail4 {
    pub(crate) left: bool,
    pub(crate) top: bool,
    pub(crate) top_right: bool,
}

/// Modes usable with these neighbours (Table 8-2 numbering). Modes 4-6 need
/// the top-left sample, present whenever both top and left are (one slice).
pub(crate) fn available_modes(a: Avail4) -> impl Iterator<Item = u8> {
    (0u8..9).filter(move |&m| match m {
        0 | 3 | 7 => a.top,
        1 | 8 => a.left,
        2 => true,
        _ => a.top && a.left,
    })
}

/// Edge samples of a block: `top[0..8]` = p[0..7, -1] (top-right
/// substituted by p[3, -1] when missing), `left[0..4]` = p[-1, 0..3],
/// `corner` = p[-1, -1].
pub(crate) struct Edges {
    top: [i32; 8],
    left: [i32; 4],
    corner: i32,
}

impl Edges {
    /// Gathers the neighbours of the block whose top-left sample is (x, y).
    pub(crate) fn gather(recon: &Plane, x: usize, y: usize, a: Avail4) -> Self {
        let mut e = Edges {
            top: [0; 8],
            left: [0; 4],
            corner: 0,
        };
        if a.top {
            for i in 0..4 {
                e.top[i] = i32::from(recon.at(x + i, y - 1));
            }
            for i in 4..8 {
                e.top[i] = if a.top_right {
                    i32::from(recon.at(x + i, y - 1))
                } else {
                    e.top[3]
                };
            }
        }
        if a.left {
            for i in 0..4 {
                e.left[i] = i32::from(recon.at(x - 1, y + i));
            }
        }
        if a.top && a.left {
            e.corner = i32::from(recon.at(x - 1, y - 1));
        }
        e
    }

    /// p[x, -1] for x in -1..=7.
    fn t(&self, x: i32) -> i32 {
        if x < 0 {
            self.corner
        } else {
            self.top[x as usize]
        }
    }

    /// p[-1, y] for y in -1..=3.
    fn l(&self, y: i32) -> i32 {
        if y < 0 {
            self.corner
        } else {
            self.left[y as usize]
        }
    }
}

/// Predicts a 4x4 block (raster output) in `mode`; the mode must be available.
pub(crate) fn predict4x4(e: &Edges, a: Avail4, mode: u8, out: &mut [u8; 16]) {
    let f3 = |p: i32, q: i32, r: i32| (p + 2 * q + r + 2) >> 2;
    let f2 = |p: i32, q: i32| (p + q + 1) >> 1;
    for y in 0..4i32 {
        for x in 0..4i32 {
            let v = match mode {
                0 => e.t(x),
                1 => e.l(y),
                2 => {
                    let top: i32 = e.top[..4].iter().sum();
                    let left: i32 = e.left.iter().sum();
                    match (a.left, a.top) {
                        (true, true) => (top + left + 4) >> 3,
                        (true, false) => (left + 2) >> 2,
                        (false, true) => (top + 2) >> 2,
                        (false, false) => 128,
                    }
                }
                3 => {
                    if x == 3 && y == 3 {
                        (e.t(6) + 3 * e.t(7) + 2) >> 2
                    } else {
                        f3(e.t(x + y), e.t(x + y + 1), e.t(x + y + 2))
                    }
                }
                4 => {
                    if x > y {
                        f3(e.t(x - y - 2), e.t(x - y - 1), e.t(x - y))
                    } else if x < y {
                        f3(e.l(y - x - 2), e.l(y - x - 1), e.l(y - x))
                    } else {
                        f3(e.t(0), e.corner, e.l(0))
                    }
                }
                5 => {
                    let z = 2 * x - y;
                    match z {
                        0 | 2 | 4 | 6 => f2(e.t(x - (y >> 1) - 1), e.t(x - (y >> 1))),
                        1 | 3 | 5 => f3(
                            e.t(x - (y >> 1) - 2),
                            e.t(x - (y >> 1) - 1),
                            e.t(x - (y >> 1)),
                        ),
                        -1 => f3(e.l(0), e.corner, e.t(0)),
                        _ => f3(e.l(y - 1), e.l(y - 2), e.l(y - 3)),
                    }
                }
                6 => {
                    let z = 2 * y - x;
                    match z {
                        0 | 2 | 4 | 6 => f2(e.l(y - (x >> 1) - 1), e.l(y - (x >> 1))),
                        1 | 3 | 5 => f3(
                            e.l(y - (x >> 1) - 2),
                            e.l(y - (x >> 1) - 1),
                            e.l(y - (x >> 1)),
                        ),
                        -1 => f3(e.l(0), e.corner, e.t(0)),
                        _ => f3(e.t(x - 1), e.t(x - 2), e.t(x - 3)),
                    }
                }
                7 => {
                    if y % 2 == 0 {
                        f2(e.t(x + (y >> 1)), e.t(x + (y >> 1) + 1))
                    } else {
                        f3(
                            e.t(x + (y >> 1)),
                            e.t(x + (y >> 1) + 1),
                            e.t(x + (y >> 1) + 2),
                        )
                    }
                }
                _ => {
                    let z = x + 2 * y;
                    match z {
                        0 | 2 | 4 => f2(e.l(y + (x >> 1)), e.l(y + (x >> 1) + 1)),
                        1 | 3 => f3(
                            e.l(y + (x >> 1)),
                            e.l(y + (x >> 1) + 1),
                            e.l(y + (x >> 1) + 2),
                        ),
                        5 => (e.l(2) + 3 * e.l(3) + 2) >> 2,
                        _ => e.l(3),
                    }
                }
            };
            out[(y * 4 + x) as usize] = v as u8;
        }
    }
}
