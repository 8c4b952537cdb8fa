//! Photo → character appearance. The world's character is drawn from a few colours
//! (skin, hair, clothing); the models are conditioned on those. We estimate them from
//! the photo's regions on the device: hair from the top band, skin from the centre,
//! clothing from the bottom band, each the median colour of its region (robust to a
//! busy background at the edges).

use super::ConsentError;
use serde::{Deserialize, Serialize};

/// The conditioning a cameo contributes: three sRGB colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appearance {
    /// Skin colour.
    pub skin: [u8; 3],
    /// Hair colour.
    pub hair: [u8; 3],
    /// Clothing colour.
    pub clothing: [u8; 3],
}

impl Appearance {
    /// Estimates an appearance from an RGBA photo (`width · height · 4` bytes).
    ///
    /// # Errors
    /// [`ConsentError::BadPhoto`] when the buffer size is wrong or the photo is smaller
    /// than 16×16 pixels.
    pub fn from_rgba(rgba: &[u8], width: usize, height: usize) -> Result<Self, ConsentError> {
        if width < 16 || height < 16 {
            return Err(ConsentError::BadPhoto(format!(
                "{width}×{height} is too small; use at least 16×16 pixels"
            )));
        }
        if rgba.len() != width * height * 4 {
            return Err(ConsentError::BadPhoto(format!(
                "{} bytes for {width}×{height} RGBA (expected {})",
                rgba.len(),
                width * height * 4
            )));
        }
        // Bands as fractions of the height, central columns only.
        let region = |y0: f32, y1: f32, x0: f32, x1: f32| {
            let (ya, yb) = ((y0 * height as f32) as usize, (y1 * height as f32) as usize);
            let (xa, xb) = ((x0 * width as f32) as usize, (x1 * width as f32) as usize);
            let mut channels: [Vec<u8>; 3] = Default::default();
            for y in ya..yb.max(ya + 1) {
                for x in xa..xb.max(xa + 1) {
                    let p = (y * width + x) * 4;
                    for (c, ch) in channels.iter_mut().enumerate() {
                        ch.push(rgba[p + c]);
                    }
                }
            }
            channels.map(|mut ch| {
                ch.sort_unstable();
                ch[ch.len() / 2]
            })
        };
        Ok(Self {
            hair: region(0.02, 0.18, 0.35, 0.65),
            skin: region(0.35, 0.55, 0.4, 0.6),
            clothing: region(0.82, 0.98, 0.3, 0.7),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_bands_of_a_synthetic_portrait() {
        let (w, h) = (40, 50);
        let mut img = vec![0u8; w * h * 4];
        for y in 0..h {
            for x in 0..w {
                let c = if y < h / 5 {
                    [40, 20, 10] // hair
                } else if y < 3 * h / 4 {
                    [230, 180, 150] // skin
                } else {
                    [20, 60, 200] // shirt
                };
                img[(y * w + x) * 4..(y * w + x) * 4 + 4].copy_from_slice(&[c[0], c[1], c[2], 255]);
            }
        }
        let a = Appearance::from_rgba(&img, w, h).unwrap();
        assert_eq!(a.hair, [40, 20, 10]);
        assert_eq!(a.skin, [230, 180, 150]);
        assert_eq!(a.clothing, [20, 60, 200]);
    }

    #[test]
    fn rejects_bad_buffers() {
        assert!(Appearance::from_rgba(&[0; 10], 16, 16).is_err());
        assert!(Appearance::from_rgba(&[0; 8 * 8 * 4], 8, 8).is_err());
    }
}
