//! AAC-LC audio for the MP4: the soundtrack through our own encoder ([`super::aac`]),
//! aligned so decoded sample `k` is input sample `k` (sounds stay on their frames).

use super::AssemblyError;
use super::aac::{self, AacConfig, SAMPLES_PER_FRAME};

/// Bit rate for mono speech/music/effects: transparent enough for the clips we make.
pub const DEFAULT_BITRATE: u32 = 96_000;

/// A whole encoded audio stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedAudio {
    /// Sample rate in Hz.
    pub sample_rate: u32,
    /// ADTS frames of [`SAMPLES_PER_FRAME`] samples each; frame `j` starts at
    /// `j × 1024 / sample_rate` seconds.
    pub frames: Vec<Vec<u8>>,
}

impl EncodedAudio {
    /// Duration the frames cover, in seconds.
    pub fn duration(&self) -> f64 {
        self.frames.len() as f64 * f64::from(SAMPLES_PER_FRAME) / f64::from(self.sample_rate)
    }
}

/// Encode a mono soundtrack.
pub fn encode_audio(pcm: &[f32], sample_rate: u32) -> Result<EncodedAudio, AssemblyError> {
    let frames = aac::encode_mono(
        pcm,
        AacConfig {
            sample_rate,
            bitrate: DEFAULT_BITRATE,
        },
    )
    .map_err(|e| AssemblyError::AudioEncode(e.to_string()))?;
    Ok(EncodedAudio {
        sample_rate,
        frames,
    })
}
