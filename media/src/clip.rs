//! A generated clip before encoding: RGB frames and a mono soundtrack on one timeline.

use super::AssemblyError;

/// Frame rates the encoders and the MP4 timeline are tested with.
pub const FPS_RANGE: std::ops::RangeInclusive<u32> = 1..=60;
/// Sample rates the AAC encoder supports.
pub const SAMPLE_RATES: [u32; 6] = [16_000, 22_050, 24_000, 32_000, 44_100, 48_000];
/// Longest clip we assemble (the product makes 2–10 s; extensions may go a little past).
pub const MAX_SECONDS: f64 = 60.0;

/// Frames + soundtrack, as a generation (or the world renderer, in tests) made them.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// Width in pixels (even: 4:2:0 chroma halves it).
    pub width: u32,
    /// Height in pixels (even).
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// Row-major RGB8 frames, `width × height × 3` bytes each.
    pub frames: Vec<Vec<u8>>,
    /// Audio sample rate in Hz.
    pub sample_rate: u32,
    /// Mono audio in −1..1; empty for a silent clip (which still gets a silent track, so
    /// every exported file has the same shape).
    pub audio: Vec<f32>,
}

impl Clip {
    /// Duration of the video in seconds.
    pub fn duration(&self) -> f64 {
        self.frames.len() as f64 / f64::from(self.fps)
    }

    /// Audio samples that exactly cover the video (`frames × sample_rate / fps`).
    pub fn samples_for_video(&self) -> usize {
        (self.frames.len() as u64 * u64::from(self.sample_rate) / u64::from(self.fps)) as usize
    }

    /// Check everything the encoders and the muxer rely on, so a bad clip fails here with
    /// a clear reason instead of deep inside an encoder.
    pub fn validate(&self) -> Result<(), AssemblyError> {
        let bad = |m: String| Err(AssemblyError::InvalidClip(m));
        if self.width < 32 || self.height < 32 || self.width > 4096 || self.height > 4096 {
            return bad(format!(
                "{}×{} is outside 32..=4096 pixels per side",
                self.width, self.height
            ));
        }
        if !self.width.is_multiple_of(2) || !self.height.is_multiple_of(2) {
            return bad(format!(
                "{}×{}: width and height must be even",
                self.width, self.height
            ));
        }
        if !FPS_RANGE.contains(&self.fps) {
            return bad(format!("{} frames per second is outside 1..=60", self.fps));
        }
        if self.frames.is_empty() {
            return bad("the clip has no frames".into());
        }
        if self.duration() > MAX_SECONDS {
            return bad(format!(
                "{:.1} s is longer than {MAX_SECONDS} s",
                self.duration()
            ));
        }
        let frame_bytes = self.width as usize * self.height as usize * 3;
        if let Some(i) = self.frames.iter().position(|f| f.len() != frame_bytes) {
            return bad(format!(
                "frame {i} has {} bytes, expected {frame_bytes} (RGB8 {}×{})",
                self.frames[i].len(),
                self.width,
                self.height
            ));
        }
        if !SAMPLE_RATES.contains(&self.sample_rate) {
            return bad(format!(
                "audio sample rate {} Hz is not one of {SAMPLE_RATES:?}",
                self.sample_rate
            ));
        }
        // Audio longer or shorter than the video by more than a frame means the two were
        // not made for each other; the exporter pads or trims within that frame.
        let expected = self.samples_for_video() as i64;
        let frame_samples = i64::from(self.sample_rate / self.fps);
        if !self.audio.is_empty() && (self.audio.len() as i64 - expected).abs() > frame_samples {
            return bad(format!(
                "the soundtrack has {} samples but the video needs {expected} (±{frame_samples})",
                self.audio.len()
            ));
        }
        Ok(())
    }

    /// The soundtrack trimmed or zero-padded to exactly cover the video.
    pub fn fitted_audio(&self) -> Vec<f32> {
        let mut audio = self.audio.clone();
        audio.resize(self.samples_for_video(), 0.0);
        audio
    }
}

/// Bilinear resize of a row-major RGB8 frame from `w × h` to `out_w × out_h` (pixel
/// centres aligned): generated frames come at the model's size, clips at the asked one.
pub fn resize_rgb(rgb: &[u8], w: usize, h: usize, out_w: usize, out_h: usize) -> Vec<u8> {
    if (w, h) == (out_w, out_h) {
        return rgb.to_vec();
    }
    let mut out = Vec::with_capacity(out_w * out_h * 3);
    for y in 0..out_h {
        let fy = ((y as f32 + 0.5) * h as f32 / out_h as f32 - 0.5).clamp(0.0, (h - 1) as f32);
        let (y0, ty) = (fy.floor() as usize, fy.fract());
        let y1 = (y0 + 1).min(h - 1);
        for x in 0..out_w {
            let fx = ((x as f32 + 0.5) * w as f32 / out_w as f32 - 0.5).clamp(0.0, (w - 1) as f32);
            let (x0, tx) = (fx.floor() as usize, fx.fract());
            let x1 = (x0 + 1).min(w - 1);
            for c in 0..3 {
                let p = |xx: usize, yy: usize| rgb[(yy * w + xx) * 3 + c] as f32;
                let top = p(x0, y0) * (1.0 - tx) + p(x1, y0) * tx;
                let bottom = p(x0, y1) * (1.0 - tx) + p(x1, y1) * tx;
                out.push((top * (1.0 - ty) + bottom * ty).round() as u8);
            }
        }
    }
    out
}

#[cfg(test)]
mod resize_tests {
    use super::resize_rgb;

    #[test]
    fn resize_keeps_flat_colour_and_size() {
        let rgb: Vec<u8> = std::iter::repeat_n([10u8, 200, 30], 4 * 4)
            .flatten()
            .collect();
        let big = resize_rgb(&rgb, 4, 4, 8, 6);
        assert_eq!(big.len(), 8 * 6 * 3);
        assert!(big.chunks(3).all(|p| p == [10, 200, 30]));
        assert_eq!(resize_rgb(&rgb, 4, 4, 4, 4), rgb);
    }
}
