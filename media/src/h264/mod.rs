//! Small lossy H.264 encoder: Constrained Baseline profile, CAVLC, 4:2:0
//! 8-bit, one slice per picture, deblocking disabled (the decoder skips the
//! loop filter, so the encoder needs none).
//!
//! * I pictures: per macroblock the best of Intra_16x16 (DC / V / H / plane),
//!   Intra_4x4 (9 modes, SATD mode choice) and I_PCM, by RD cost
//!   (SSD + lambda·bits from trial coding); chroma DC prediction.
//! * P pictures: P_L0_16x16 with integer diamond search plus half/quarter
//!   sample refinement, P_Skip, x264-style decimation, and intra macroblocks
//!   where they win on RD cost; one reference picture (the previous one).
//! * Fixed QP, or a simple per-frame QP controller towards a bitrate.
//! * The encoder's reconstruction is bit-exact with a conforming decoder
//!   (checked against ffmpeg), so P pictures never drift.
//!
//! The output is Annex B (start codes); SPS and PPS precede every IDR.

mod bitwriter;
mod cavlc;
mod encoder;
mod error;
mod inter;
mod intra;
mod intra4x4;
mod macroblock;
mod params;
mod picture;
mod subpel;
mod tables;
mod transform;

pub use encoder::{EncodedFrame, EncoderConfig, H264Encoder, I420, MAX_QP, MIN_QP};
pub use error::H264Error;
pub use macroblock::MbStats;
