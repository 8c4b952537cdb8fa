//! Pure-Rust AAC-LC (MPEG-4 Audio Object Type 2) encoder for mono audio that
//! emits ADTS frames.
//!
//! Scope, chosen for small and correct: long blocks only (ONLY_LONG_SEQUENCE,
//! sine window), no TNS/PNS/pulse data, one single_channel_element per frame,
//! ADTS without CRC.
//!
//! # Zero-delay alignment
//! Frame `j` carries the MDCT of input samples `[j*1024, j*1024 + 2048)`, so a
//! standard decoder's output for frame `j` is exactly input samples
//! `[j*1024, (j+1)*1024)`: decoded sample `k` is input sample `k`, with no
//! priming shift. The price: the first 1024 decoded samples lack the previous
//! block's aliasing cancellation and come out as
//! `w[n]*(w[n]*x[n] - w[1023-n]*x[1023-n])` (w = sine window), i.e. faded in and
//! partially mirrored. Content that starts with ~21 ms (48 kHz) of quiet is
//! unaffected. The tail is padded with zeros so every input sample is decoded:
//! `ceil(len / 1024)` frames, decoded length `< len + 1024`.

mod adts;
mod bit_writer;
mod fft;
mod frame_planner;
mod huffman_tables;
mod mdct;
mod psychoacoustics;
mod quantizer;
mod raw_block;
mod sample_rate;
mod sectioning;
mod spectral_huffman;

use bit_writer::BitWriter;
use frame_planner::FramePlanner;
use mdct::{BLOCK_LEN, Mdct, SPECTRUM_LEN};

/// PCM samples coded per AAC frame.
pub const SAMPLES_PER_FRAME: u32 = 1024;
/// Sampling rates this encoder accepts.
pub const SUPPORTED_SAMPLE_RATES: [u32; 6] = [16_000, 22_050, 24_000, 32_000, 44_100, 48_000];
/// Lowest accepted bitrate (bit/s).
pub const MIN_BITRATE: u32 = 8_000;
/// A mono raw_data_block may not exceed 6144 bits (decoder input buffer).
const MAX_BLOCK_BITS: u32 = 6144;
/// Float input is scaled to the 16-bit range the AAC spec's tables assume.
const PCM_SCALE: f32 = 32768.0;

/// What to encode: mono audio at `sample_rate`, aiming for `bitrate`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AacConfig {
    /// Input sample rate in Hz (one of [`SUPPORTED_SAMPLE_RATES`]).
    pub sample_rate: u32,
    /// Target bitrate of the AAC payload (raw_data_blocks, as stored in MP4), bit/s.
    pub bitrate: u32,
}

/// Configurations the encoder refuses.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AacError {
    /// A sample rate without scalefactor-band tables here.
    #[error("unsupported sample rate {0} Hz (supported: 16000, 22050, 24000, 32000, 44100, 48000)")]
    UnsupportedSampleRate(u32),
    /// A bitrate the frame size limits cannot honour.
    #[error("bitrate {bitrate} bit/s outside {min}..={max} for this sample rate")]
    UnsupportedBitrate {
        /// Asked for.
        bitrate: u32,
        /// Lowest accepted.
        min: u32,
        /// Highest accepted at this sample rate.
        max: u32,
    },
}

/// Highest bitrate whose frames fit the 6144-bit block limit at `sample_rate`.
pub fn max_bitrate(sample_rate: u32) -> u32 {
    (u64::from(MAX_BLOCK_BITS) * u64::from(sample_rate) / u64::from(SAMPLES_PER_FRAME)) as u32
}

/// Audio bandwidth coded at a bitrate: 8 kHz at 32 kbit/s, 16 kHz at 64 kbit/s,
/// never above 20 kHz (inaudible content is not worth bits) or Nyquist.
fn cutoff_hz(cfg: AacConfig) -> f32 {
    let nyquist = cfg.sample_rate as f32 / 2.0;
    (cfg.bitrate as f32 * 0.25)
        .clamp(4000.0, 20_000.0)
        .min(nyquist)
}

/// Streaming encoder: feed PCM with `push`, then `finish`.
pub struct AacEncoder {
    frequency_index: u8,
    band_offsets: &'static [u16],
    mdct: Mdct,
    planner: FramePlanner,
    /// Input from the start of the next MDCT block (frame j's block starts at j*1024).
    pending: Vec<f32>,
    spectrum: Vec<f32>,
    samples_in: u64,
    frames_out: u64,
    /// Average bits per raw_data_block for the target bitrate.
    bits_per_frame: f64,
    /// Bits saved by earlier frames that later ones may spend (bit reservoir).
    reservoir: f64,
    max_reservoir: f64,
}

impl AacEncoder {
    /// An encoder for `cfg`, or why it cannot be made.
    pub fn new(cfg: AacConfig) -> Result<Self, AacError> {
        let info = sample_rate::rate_info(cfg.sample_rate)
            .ok_or(AacError::UnsupportedSampleRate(cfg.sample_rate))?;
        let max = max_bitrate(cfg.sample_rate);
        if !(MIN_BITRATE..=max).contains(&cfg.bitrate) {
            return Err(AacError::UnsupportedBitrate {
                bitrate: cfg.bitrate,
                min: MIN_BITRATE,
                max,
            });
        }
        let bits_per_frame =
            f64::from(cfg.bitrate) * f64::from(SAMPLES_PER_FRAME) / f64::from(cfg.sample_rate);
        Ok(Self {
            frequency_index: info.frequency_index,
            band_offsets: info.band_offsets,
            mdct: Mdct::new(),
            planner: FramePlanner::new(cfg.sample_rate, info.band_offsets, cutoff_hz(cfg)),
            pending: Vec::with_capacity(2 * BLOCK_LEN),
            spectrum: vec![0.0; SPECTRUM_LEN],
            samples_in: 0,
            frames_out: 0,
            bits_per_frame,
            reservoir: 0.0,
            max_reservoir: (f64::from(MAX_BLOCK_BITS) - bits_per_frame).min(2.0 * bits_per_frame),
        })
    }

    /// AudioSpecificConfig for the MP4 `esds` box.
    pub fn audio_specific_config(&self) -> [u8; 2] {
        adts::audio_specific_config(self.frequency_index)
    }

    /// Adds samples (nominally -1..1; NaN becomes 0, the rest is clamped) and
    /// returns the ADTS frames completed so far.
    pub fn push(&mut self, pcm: &[f32]) -> Vec<Vec<u8>> {
        self.pending
            .extend(pcm.iter().map(|&s| sanitize(s) * PCM_SCALE));
        self.samples_in += pcm.len() as u64;
        let mut frames = Vec::new();
        while self.pending.len() >= BLOCK_LEN {
            frames.push(self.encode_block());
        }
        frames
    }

    /// Flushes the tail (zero padded) so that every pushed sample is decoded.
    pub fn finish(mut self) -> Vec<Vec<u8>> {
        let needed = self.samples_in.div_ceil(u64::from(SAMPLES_PER_FRAME));
        let mut frames = Vec::new();
        while self.frames_out < needed {
            if self.pending.len() < BLOCK_LEN {
                self.pending.resize(BLOCK_LEN, 0.0);
            }
            frames.push(self.encode_block());
        }
        frames
    }

    /// Codes the block at the front of `pending` and advances by one frame.
    fn encode_block(&mut self) -> Vec<u8> {
        self.mdct
            .forward(&self.pending[..BLOCK_LEN], &mut self.spectrum);
        self.pending.drain(..SAMPLES_PER_FRAME as usize);
        let allowance = (self.bits_per_frame + self.reservoir).min(f64::from(MAX_BLOCK_BITS));
        let plan = self.planner.plan(&self.spectrum, allowance as u32);
        let mut payload = BitWriter::with_capacity(MAX_BLOCK_BITS as usize / 8);
        raw_block::write_raw_data_block(&mut payload, &plan, self.band_offsets);
        // The planner's bit count must be exact, or the rate control is fiction.
        debug_assert_eq!(
            payload.bit_len(),
            (plan.payload_bits as usize).next_multiple_of(8)
        );
        let payload = payload.into_bytes();
        let used_bits = (payload.len() * 8) as f64;
        self.reservoir =
            (self.reservoir + self.bits_per_frame - used_bits).clamp(0.0, self.max_reservoir);
        let frame_len = adts::HEADER_LEN + payload.len();
        debug_assert!(frame_len <= adts::MAX_FRAME_LEN);
        let mut frame = BitWriter::with_capacity(frame_len);
        adts::write_header(&mut frame, self.frequency_index, frame_len);
        let mut bytes = frame.into_bytes();
        bytes.extend_from_slice(&payload);
        self.frames_out += 1;
        bytes
    }
}

fn sanitize(sample: f32) -> f32 {
    if sample.is_nan() {
        0.0
    } else {
        sample.clamp(-1.0, 1.0)
    }
}

/// Encodes a whole mono clip into ADTS frames (`ceil(len/1024)` of them).
pub fn encode_mono(pcm: &[f32], cfg: AacConfig) -> Result<Vec<Vec<u8>>, AacError> {
    let mut encoder = AacEncoder::new(cfg)?;
    let mut frames = encoder.push(pcm);
    frames.extend(encoder.finish());
    Ok(frames)
}

#[cfg(test)]
mod tests {
    use super::{AacConfig, AacEncoder, AacError, encode_mono};

    #[test]
    fn rejects_unsupported_configs() {
        let bad_rate = AacEncoder::new(AacConfig {
            sample_rate: 8000,
            bitrate: 64_000,
        });
        assert_eq!(bad_rate.err(), Some(AacError::UnsupportedSampleRate(8000)));
        let too_high = AacEncoder::new(AacConfig {
            sample_rate: 24_000,
            bitrate: 200_000,
        });
        assert!(matches!(too_high, Err(AacError::UnsupportedBitrate { .. })));
        assert!(
            AacEncoder::new(AacConfig {
                sample_rate: 48_000,
                bitrate: 4_000
            })
            .is_err()
        );
    }

    #[test]
    fn frame_count_covers_input_regardless_of_chunking() {
        let cfg = AacConfig {
            sample_rate: 48_000,
            bitrate: 96_000,
        };
        let pcm: Vec<f32> = (0..5000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
        let whole = encode_mono(&pcm, cfg).expect("valid config");
        assert_eq!(whole.len(), 5);
        let mut enc = AacEncoder::new(cfg).expect("valid config");
        let mut chunked = Vec::new();
        for chunk in pcm.chunks(333) {
            chunked.extend(enc.push(chunk));
        }
        chunked.extend(enc.finish());
        assert_eq!(chunked, whole);
        assert!(encode_mono(&[], cfg).expect("valid").is_empty());
    }

    #[test]
    fn frames_start_with_adts_sync_and_declare_their_length() {
        let cfg = AacConfig {
            sample_rate: 24_000,
            bitrate: 64_000,
        };
        let pcm: Vec<f32> = (0..4096)
            .map(|i| ((i * 7919) % 200) as f32 / 100.0 - 1.0)
            .collect();
        for frame in encode_mono(&pcm, cfg).expect("valid") {
            assert_eq!(frame[0], 0xFF);
            assert_eq!(frame[1] & 0xF6, 0xF0);
            let len = (usize::from(frame[3] & 3) << 11)
                | (usize::from(frame[4]) << 3)
                | usize::from(frame[5] >> 5);
            assert_eq!(len, frame.len());
        }
    }
}
