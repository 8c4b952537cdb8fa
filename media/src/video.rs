//! H.264 video: the encoded form the muxer takes, and the pure-Rust encoder used wherever
//! WebCodecs is missing (the CLI, Firefox). In Chromium the app encodes with WebCodecs
//! and fills the same [`EncodedVideo`].

use super::AssemblyError;
use super::colour::I420Frame;
use super::h264::{EncoderConfig, H264Encoder, I420};

/// One access unit in Annex B form (start codes), as WebCodecs emits with
/// `avc: { format: "annexb" }`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoSample {
    /// NAL units with start codes; a keyframe starts with its SPS and PPS.
    pub annexb: Vec<u8>,
    /// Whether this is an IDR picture (a sync sample in the MP4).
    pub keyframe: bool,
}

/// A whole encoded video stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncodedVideo {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second; frame `i` is shown at `i / fps` seconds.
    pub fps: u32,
    /// Access units in presentation order (no B-frames).
    pub samples: Vec<VideoSample>,
    /// Which encoder made it, for the export report.
    pub encoder: String,
}

/// IDR pictures: the first frame only (an interval of 0). A keyframe every few seconds
/// lets a player seek without decoding from the start, but Kinora's clips are at most
/// 30 s of small frames (a seek decodes a few hundred at most), and every repeated
/// keyframe resets the small coding drift of a still background at once: a pulse of
/// about 2 luma levels across the picture, which the finalize report reads as dropped
/// frames (it flagged 2 s and 4 s in each of three 6-s clips with a keyframe every 2 s).
pub const KEYFRAME_INTERVAL: u32 = 0;

/// Quantiser for the pure-Rust encoder: about x264's default quality (CRF 23) at our
/// sizes, which keeps detail and the invisible watermark (see ARCHITECTURE.md).
pub const FALLBACK_QP: u8 = 23;

/// The pure-Rust encoder ([`super::h264`]: Constrained Baseline, CAVLC, I and P frames,
/// one keyframe, see [`KEYFRAME_INTERVAL`]), used wherever WebCodecs is missing (the CLI, Firefox) or the
/// person chooses it.
pub struct FallbackEncoder {
    inner: H264Encoder,
}

impl FallbackEncoder {
    /// Name shown in export reports.
    pub const NAME: &'static str = "Kinora H.264 (pure Rust, Constrained Baseline)";

    /// An encoder for `width × height` frames (both even) at `fps`.
    pub fn new(width: u32, height: u32, fps: u32) -> Result<Self, AssemblyError> {
        let config = EncoderConfig {
            keyframe_interval: KEYFRAME_INTERVAL,
            ..EncoderConfig::new(width, height, fps, FALLBACK_QP)
        };
        let inner =
            H264Encoder::new(config).map_err(|e| AssemblyError::VideoEncode(e.to_string()))?;
        Ok(FallbackEncoder { inner })
    }

    /// Encode the next frame into an access unit (a frame of another size is refused by
    /// the encoder).
    pub fn encode(&mut self, frame: &I420Frame) -> Result<VideoSample, AssemblyError> {
        let encoded = self
            .inner
            .encode(&I420 {
                y: &frame.y,
                u: &frame.u,
                v: &frame.v,
                width: frame.width,
                height: frame.height,
            })
            .map_err(|e| AssemblyError::VideoEncode(e.to_string()))?;
        Ok(VideoSample {
            keyframe: encoded.keyframe,
            annexb: encoded.annexb,
        })
    }
}

/// Whether an Annex B access unit contains an IDR slice (NAL type 5).
pub fn is_idr(annexb: &[u8]) -> bool {
    nal_types(annexb).any(|t| t == 5)
}

/// Whether an Annex B access unit carries its SPS (7) and PPS (8).
pub fn has_parameter_sets(annexb: &[u8]) -> bool {
    nal_types(annexb).any(|t| t == 7) && nal_types(annexb).any(|t| t == 8)
}

/// NAL unit types in an Annex B byte stream (the byte after each 00 00 01 start code).
fn nal_types(annexb: &[u8]) -> impl Iterator<Item = u8> + '_ {
    annexb
        .windows(4)
        .filter(|w| w[0] == 0 && w[1] == 0 && w[2] == 1)
        .map(|w| w[3] & 0x1f)
}
