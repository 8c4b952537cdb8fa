//! The visible "AI" mark: a small dark box with white letters in the bottom-right corner,
//! drawn into every frame before encoding (so it survives any re-encode or crop that keeps
//! the corner). On by default; the UI lets a person turn it off only after a warning.

/// 5×7 bitmap glyphs, one row per byte, bit 4 = leftmost column.
const GLYPH_A: [u8; 7] = [
    0b01110, 0b10001, 0b10001, 0b11111, 0b10001, 0b10001, 0b10001,
];
const GLYPH_I: [u8; 7] = [
    0b11111, 0b00100, 0b00100, 0b00100, 0b00100, 0b00100, 0b11111,
];
const GLYPH_W: usize = 5;
const GLYPH_H: usize = 7;
/// How far the box darkens what is under it (out of 256): readable on any background
/// while the scene still shows through.
const BOX_KEEP: u32 = 90;

/// Where the mark sits in a `width × height` frame: `(x, y, w, h, scale)`.
/// Scale grows with the frame so the letters stay about 1/12 of the short side.
pub fn label_rect(width: u32, height: u32) -> (usize, usize, usize, usize, usize) {
    let scale = ((width.min(height) / 90) as usize).max(1);
    let pad = 2 * scale;
    let text_w = (2 * GLYPH_W + 1) * scale;
    let box_w = text_w + 2 * pad;
    let box_h = GLYPH_H * scale + 2 * pad;
    let margin = 3 * scale;
    let x = (width as usize).saturating_sub(box_w + margin);
    let y = (height as usize).saturating_sub(box_h + margin);
    (
        x,
        y,
        box_w.min(width as usize),
        box_h.min(height as usize),
        scale,
    )
}

/// Draw the mark into an RGB8 frame in place.
pub fn draw_label(rgb: &mut [u8], width: u32, height: u32) {
    let (bx, by, bw, bh, scale) = label_rect(width, height);
    let w = width as usize;
    let pad = 2 * scale;
    for yy in by..(by + bh).min(height as usize) {
        for xx in bx..(bx + bw).min(w) {
            let o = (yy * w + xx) * 3;
            let lx = xx - bx;
            let ly = yy - by;
            let on = glyph_pixel(lx.wrapping_sub(pad) / scale, ly.wrapping_sub(pad) / scale)
                && lx >= pad
                && ly >= pad;
            for c in &mut rgb[o..o + 3] {
                *c = if on {
                    255
                } else {
                    ((u32::from(*c) * BOX_KEEP) >> 8) as u8
                };
            }
        }
    }
}

/// Whether text cell (column, row) of "AI" is ink.
fn glyph_pixel(col: usize, row: usize) -> bool {
    if row >= GLYPH_H {
        return false;
    }
    let (glyph, c) = match col {
        c if c < GLYPH_W => (&GLYPH_A, c),
        c if c == GLYPH_W => return false, // the gap between the letters
        c if c < 2 * GLYPH_W + 1 => (&GLYPH_I, c - GLYPH_W - 1),
        _ => return false,
    };
    glyph[row] & (1 << (GLYPH_W - 1 - c)) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mark_stays_in_the_bottom_right_corner_and_has_white_ink() {
        for (w, h) in [(16, 16), (128, 128), (256, 144), (1280, 720)] {
            let mut rgb = vec![128u8; (w * h * 3) as usize];
            draw_label(&mut rgb, w, h);
            let (x, y, bw, bh, _) = label_rect(w, h);
            assert!(x + bw <= w as usize && y + bh <= h as usize);
            let changed: Vec<usize> = (0..(w * h) as usize)
                .filter(|i| rgb[i * 3] != 128)
                .collect();
            assert!(!changed.is_empty());
            assert!(
                changed
                    .iter()
                    .all(|i| i % w as usize >= x && i / w as usize >= y)
            );
            assert!(
                rgb.chunks(3).any(|p| p == [255, 255, 255]),
                "{w}×{h}: no ink"
            );
            // Small: the mark covers under 4% of any frame of 128 px or more.
            if w >= 128 {
                assert!((bw * bh) as f64 / f64::from(w * h) < 0.04);
            }
        }
    }
}
