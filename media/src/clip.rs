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
