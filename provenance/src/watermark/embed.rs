//! Adding the key's pattern to a luma plane.

use super::grid::field;
use super::key::WatermarkKey;
use super::strength::{amplitude, fit_budget};
use super::{WatermarkError, check_plane};

/// Embeds one key's pattern into frames, caching the interpolated field per size.
///
/// The pattern is the same in every frame (see the module docs for why), so a
/// clip's frames can be marked in any order, independently of each other.
#[derive(Debug, Clone)]
pub struct Embedder {
    pattern: Vec<f32>,
    /// Interpolated field for the last frame size seen: (width, height, field).
    cached: Option<(u32, u32, Vec<f32>)>,
}

impl Embedder {
    /// An embedder for `key`.
    pub fn new(key: &WatermarkKey) -> Embedder {
        Embedder {
            pattern: key.pattern(),
            cached: None,
        }
    }

    /// Mark the luma plane `y` (stride = `width`) in place. Chroma needs no change.
    pub fn embed(&mut self, y: &mut [u8], width: u32, height: u32) -> Result<(), WatermarkError> {
        check_plane(y.len(), width, height)?;
        let (w, h) = (width as usize, height as usize);
        let field = match &self.cached {
            Some((cw, ch, f)) if *cw == width && *ch == height => f,
            _ => {
                let f = field(&self.pattern, w, h);
                &self.cached.insert((width, height, f)).2
            }
        };
        let change = fit_budget(&amplitude(y, w, h), field);
        for (pixel, c) in y.iter_mut().zip(change) {
            *pixel = (*pixel as f32 + c).round().clamp(0.0, 255.0) as u8;
        }
        Ok(())
    }
}

/// Mark one luma plane (stride = `width`) with `key`'s pattern.
///
/// Convenience wrapper around [`Embedder`]; use an `Embedder` for a whole clip to
/// avoid re-deriving the pattern every frame.
pub fn embed_luma(
    y: &mut [u8],
    width: u32,
    height: u32,
    key: &WatermarkKey,
) -> Result<(), WatermarkError> {
    Embedder::new(key).embed(y, width, height)
}
