//! RGB → I420 (planar Y, then U and V at half resolution), the input every H.264 encoder
//! here takes. BT.601 limited range: what decoders assume for untagged standard-definition
//! video, so the colours come back the same in browsers and ffmpeg.

/// One I420 frame: `y` is `width × height`, `u` and `v` are `width/2 × height/2`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct I420Frame {
    /// Width in pixels (even).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Luma plane.
    pub y: Vec<u8>,
    /// Blue-difference chroma plane.
    pub u: Vec<u8>,
    /// Red-difference chroma plane.
    pub v: Vec<u8>,
}

impl I420Frame {
    /// The three planes back to back (the layout WebCodecs' `VideoFrame` takes for I420).
    pub fn to_contiguous(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.y.len() + self.u.len() + self.v.len());
        out.extend_from_slice(&self.y);
        out.extend_from_slice(&self.u);
        out.extend_from_slice(&self.v);
        out
    }
}

/// Limited-range BT.601 luma of one RGB pixel (16..=235).
pub fn luma(r: u8, g: u8, b: u8) -> u8 {
    let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
    // Fixed-point (×256) coefficients of 219/255 × (0.299, 0.587, 0.114).
    ((66 * r + 129 * g + 25 * b + 128) >> 8).saturating_add(16) as u8
}

/// Convert an RGB8 frame (`width × height × 3` bytes, both sides even) to I420.
/// Chroma is the average of each 2×2 block.
pub fn rgb_to_i420(rgb: &[u8], width: u32, height: u32) -> I420Frame {
    let (w, h) = (width as usize, height as usize);
    debug_assert_eq!(rgb.len(), w * h * 3);
    let mut y = vec![0u8; w * h];
    for (dst, px) in y.iter_mut().zip(rgb.chunks_exact(3)) {
        *dst = luma(px[0], px[1], px[2]);
    }
    let (cw, ch) = (w / 2, h / 2);
    let mut u = vec![0u8; cw * ch];
    let mut v = vec![0u8; cw * ch];
    for cy in 0..ch {
        for cx in 0..cw {
            let (mut r, mut g, mut b) = (0i32, 0i32, 0i32);
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let i = ((cy * 2 + dy) * w + cx * 2 + dx) * 3;
                r += i32::from(rgb[i]);
                g += i32::from(rgb[i + 1]);
                b += i32::from(rgb[i + 2]);
            }
            // Sums of four pixels: divide by 4 inside the >> (8 + 2).
            u[cy * cw + cx] =
                ((-38 * r - 74 * g + 112 * b + 512) >> 10).clamp(-128, 127) as u8 ^ 0x80;
            v[cy * cw + cx] =
                ((112 * r - 94 * g - 18 * b + 512) >> 10).clamp(-128, 127) as u8 ^ 0x80;
        }
    }
    I420Frame {
        width,
        height,
        y,
        u,
        v,
    }
}

/// Convert I420 back to RGB8 (for previews and tests).
pub fn i420_to_rgb(frame: &I420Frame) -> Vec<u8> {
    yuv_to_rgb(
        &frame.y,
        &frame.u,
        &frame.v,
        frame.width as usize,
        frame.height as usize,
        Some((2, 2)),
    )
}

/// BT.601 limited-range planar YUV → RGB8, with chroma subsampled by `chroma` = (sx, sy)
/// (`None`: grey, no chroma planes read).
pub fn yuv_to_rgb(
    y: &[u8],
    u: &[u8],
    v: &[u8],
    w: usize,
    h: usize,
    chroma: Option<(usize, usize)>,
) -> Vec<u8> {
    let cw = chroma.map_or(0, |(sx, _)| w.div_ceil(sx));
    let mut rgb = vec![0u8; w * h * 3];
    for row in 0..h {
        for col in 0..w {
            let c = i32::from(y[row * w + col]) - 16;
            let (d, e) = match chroma {
                None => (0, 0),
                Some((sx, sy)) => {
                    let ci = (row / sy) * cw + col / sx;
                    (i32::from(u[ci]) - 128, i32::from(v[ci]) - 128)
                }
            };
            let o = (row * w + col) * 3;
            rgb[o] = ((298 * c + 409 * e + 128) >> 8).clamp(0, 255) as u8;
            rgb[o + 1] = ((298 * c - 100 * d - 208 * e + 128) >> 8).clamp(0, 255) as u8;
            rgb[o + 2] = ((298 * c + 516 * d + 128) >> 8).clamp(0, 255) as u8;
        }
    }
    rgb
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn greys_and_primaries_round_trip_within_a_few_levels() {
        for px in [
            [0, 0, 0],
            [255, 255, 255],
            [128, 128, 128],
            [200, 30, 40],
            [20, 180, 60],
            [30, 40, 220],
        ] {
            let rgb: Vec<u8> = px.iter().copied().cycle().take(4 * 4 * 3).collect();
            let back = i420_to_rgb(&rgb_to_i420(&rgb, 4, 4));
            for (a, b) in rgb.iter().zip(&back) {
                assert!(
                    (i32::from(*a) - i32::from(*b)).abs() <= 3,
                    "{px:?} → {back:?}"
                );
            }
        }
    }

    #[test]
    fn luma_is_limited_range() {
        assert_eq!(luma(0, 0, 0), 16);
        assert_eq!(luma(255, 255, 255), 235);
    }
}
