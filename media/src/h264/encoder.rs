//! Public encoder API: configuration, frame input, GOP structure and rate control.

use super::bitwriter::{BitWriter, append_nal, nal_without_start_code};
use super::error::H264Error;
use super::macroblock::{MbStats, PictureCoder};
use super::params::{
    CONSTRAINT_FLAGS, LOG2_MAX_FRAME_NUM, PROFILE_IDC, SliceHeader, StreamLayout, choose_level,
    write_pps, write_slice_header, write_sps,
};
use super::picture::Picture;
use super::subpel::HalfPelPlanes;

const NAL_SLICE: u8 = 1;
const NAL_IDR_SLICE: u8 = 5;
const NAL_SPS: u8 = 7;
const NAL_PPS: u8 = 8;

/// Lowest accepted QP. Below 12 the Intra16x16 / chroma DC levels of a
/// full-swing block can exceed what Baseline CAVLC may code (|level| ~2063,
/// level_prefix <= 15), which would force clipping; QP 12 is already ~50 dB.
pub const MIN_QP: u8 = 12;
/// Highest QP H.264 allows.
pub const MAX_QP: u8 = 51;

/// How to encode: size, rate, quality and keyframe spacing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncoderConfig {
    /// Visible frame size; both must be even (4:2:0 cropping works in pairs).
    pub width: u32,
    /// Visible frame height (even).
    pub height: u32,
    /// Frames per second (written into the VUI timing info).
    pub fps: u32,
    /// Quantiser `MIN_QP..=MAX_QP` (12..=51; lower = better quality). With a target bitrate it is
    /// the starting QP.
    pub qp: u8,
    /// An IDR picture every this many frames; 0 means only the first frame.
    pub keyframe_interval: u32,
    /// Target bitrate in bits per second; 0 keeps `qp` fixed.
    pub target_bitrate: u32,
}

impl EncoderConfig {
    /// Fixed-QP configuration with a keyframe every 2 seconds.
    pub fn new(width: u32, height: u32, fps: u32, qp: u8) -> Self {
        Self {
            width,
            height,
            fps,
            qp,
            keyframe_interval: fps.saturating_mul(2).max(1),
            target_bitrate: 0,
        }
    }
}

/// One input frame in planar YUV 4:2:0 (tightly packed: luma stride =
/// width, chroma stride = width / 2).
pub struct I420<'a> {
    /// Luma plane, `width × height`.
    pub y: &'a [u8],
    /// Cb plane, `width/2 × height/2`.
    pub u: &'a [u8],
    /// Cr plane, `width/2 × height/2`.
    pub v: &'a [u8],
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// One encoded picture.
#[derive(Clone, Debug)]
pub struct EncodedFrame {
    /// One access unit in Annex B form; SPS and PPS precede every IDR.
    pub annexb: Vec<u8>,
    /// Whether it is an IDR picture.
    pub keyframe: bool,
    /// QP the frame was coded with (differs from the config under rate control).
    pub qp: u8,
    /// Macroblock type counts, for diagnostics.
    pub stats: MbStats,
}

/// The encoder: keeps the reference picture between frames.
pub struct H264Encoder {
    cfg: EncoderConfig,
    layout: StreamLayout,
    source: Picture,
    /// Reconstruction of the last coded frame (the decoder's reference).
    reference: Option<Picture>,
    /// Half-sample planes of `reference` for the sub-pel motion search.
    reference_halfpel: Option<HalfPelPlanes>,
    frames_since_idr: u32,
    idr_count: u32,
    qp: u8,
    rate: RateControl,
}

/// Per-frame QP controller: compares the bits spent so far with the budget
/// and nudges QP by one or two steps (~12% bitrate each) per frame; a dead
/// band of 1/8 s of budget keeps large IDR frames from causing oscillation.
struct RateControl {
    bits_per_frame: f64,
    spent_bits: f64,
    frames: u64,
}

impl H264Encoder {
    /// An encoder for `cfg`, or why the configuration is unusable.
    pub fn new(cfg: EncoderConfig) -> Result<Self, H264Error> {
        let (w, h) = (cfg.width, cfg.height);
        if w == 0 || h == 0 || w % 2 != 0 || h % 2 != 0 || w > 8192 || h > 8192 {
            return Err(H264Error::InvalidDimensions {
                width: w,
                height: h,
            });
        }
        if cfg.fps == 0 || cfg.fps > 1000 {
            return Err(H264Error::InvalidFps(cfg.fps));
        }
        if !(MIN_QP..=MAX_QP).contains(&cfg.qp) {
            return Err(H264Error::InvalidQp(cfg.qp));
        }
        let mb_width = w.div_ceil(16);
        let mb_height = h.div_ceil(16);
        let layout = StreamLayout {
            width: w,
            height: h,
            mb_width,
            mb_height,
            fps: cfg.fps,
            level_idc: choose_level(mb_width, mb_height, cfg.fps),
        };
        Ok(Self {
            qp: cfg.qp,
            rate: RateControl {
                bits_per_frame: f64::from(cfg.target_bitrate) / f64::from(cfg.fps),
                spent_bits: 0.0,
                frames: 0,
            },
            source: Picture::new(mb_width as usize, mb_height as usize),
            reference: None,
            reference_halfpel: None,
            frames_since_idr: 0,
            idr_count: 0,
            layout,
            cfg,
        })
    }

    /// Encodes one frame into one access unit.
    pub fn encode(&mut self, frame: &I420) -> Result<EncodedFrame, H264Error> {
        self.load_source(frame)?;
        let interval = self.cfg.keyframe_interval;
        let idr = self.reference.is_none() || (interval > 0 && self.frames_since_idr >= interval);
        if idr {
            self.frames_since_idr = 0;
        }
        let qp = self.qp;

        let mut annexb = Vec::new();
        if idr {
            let (sps, pps) = (write_sps(&self.layout), write_pps());
            append_nal(&mut annexb, 3, NAL_SPS, &sps);
            append_nal(&mut annexb, 3, NAL_PPS, &pps);
        }

        let mut bw = BitWriter::new();
        write_slice_header(
            &mut bw,
            &SliceHeader {
                idr,
                frame_num: self.frames_since_idr % (1 << LOG2_MAX_FRAME_NUM),
                idr_pic_id: self.idr_count % 65536,
                qp,
            },
        );
        let mut recon = Picture::new(
            self.layout.mb_width as usize,
            self.layout.mb_height as usize,
        );
        let reference = match (&self.reference, &self.reference_halfpel) {
            (Some(pic), Some(halfpel)) if !idr => Some((pic, halfpel)),
            _ => None,
        };
        let stats =
            PictureCoder::new(&self.source, &mut recon, reference, qp).code_picture(&mut bw);
        bw.trailing_bits();
        let slice = bw.into_bytes();
        let (nal_ref_idc, nal_type) = if idr {
            (3, NAL_IDR_SLICE)
        } else {
            (2, NAL_SLICE)
        };
        append_nal(&mut annexb, nal_ref_idc, nal_type, &slice);

        self.frames_since_idr += 1;
        // Interpolate only when the next frame will be predicted from this one.
        let next_is_idr = interval > 0 && self.frames_since_idr >= interval;
        self.reference_halfpel = (!next_is_idr).then(|| HalfPelPlanes::build(&recon.y));
        self.reference = Some(recon);
        if idr {
            self.idr_count += 1;
        }
        self.update_rate_control(annexb.len());
        Ok(EncodedFrame {
            annexb,
            keyframe: idr,
            qp,
            stats,
        })
    }

    /// SPS and PPS NAL units without start codes, as an MP4 `avcC` box needs.
    pub fn parameter_sets(&self) -> (Vec<u8>, Vec<u8>) {
        (
            nal_without_start_code(3, NAL_SPS, &write_sps(&self.layout)),
            nal_without_start_code(3, NAL_PPS, &write_pps()),
        )
    }

    /// RFC 6381 codec string, e.g. "avc1.42C01E", for MP4 / WebCodecs.
    pub fn codec_string(&self) -> String {
        format!(
            "avc1.{PROFILE_IDC:02X}{CONSTRAINT_FLAGS:02X}{:02X}",
            self.layout.level_idc
        )
    }

    /// The decoder-side reconstruction of the last encoded frame, cropped to
    /// the visible size, as (y, u, v) planes. Equals what any conforming
    /// decoder outputs for that frame.
    pub fn reconstruction(&self) -> Option<(Vec<u8>, Vec<u8>, Vec<u8>)> {
        let pic = self.reference.as_ref()?;
        let (w, h) = (self.cfg.width as usize, self.cfg.height as usize);
        Some((
            pic.y.cropped(w, h),
            pic.u.cropped(w / 2, h / 2),
            pic.v.cropped(w / 2, h / 2),
        ))
    }

    fn load_source(&mut self, frame: &I420) -> Result<(), H264Error> {
        let (w, h) = (self.cfg.width, self.cfg.height);
        if frame.width != w || frame.height != h {
            return Err(H264Error::FrameSizeMismatch {
                width: w,
                height: h,
                got_width: frame.width,
                got_height: frame.height,
            });
        }
        let (w, h) = (w as usize, h as usize);
        let check = |plane: &'static str, data: &[u8], needed: usize| {
            if data.len() < needed {
                Err(H264Error::PlaneTooSmall {
                    plane,
                    got: data.len(),
                    needed,
                })
            } else {
                Ok(())
            }
        };
        check("y", frame.y, w * h)?;
        check("u", frame.u, w * h / 4)?;
        check("v", frame.v, w * h / 4)?;
        self.source.y.fill_replicated(frame.y, w, h, w);
        self.source.u.fill_replicated(frame.u, w / 2, h / 2, w / 2);
        self.source.v.fill_replicated(frame.v, w / 2, h / 2, w / 2);
        Ok(())
    }

    fn update_rate_control(&mut self, bytes: usize) {
        if self.cfg.target_bitrate == 0 {
            return;
        }
        let rc = &mut self.rate;
        rc.spent_bits += bytes as f64 * 8.0;
        rc.frames += 1;
        // Cumulative error, in seconds' worth of budget.
        let second = rc.bits_per_frame * f64::from(self.cfg.fps);
        let error = (rc.spent_bits - rc.bits_per_frame * rc.frames as f64) / second;
        let step: i16 = match error {
            e if e > 0.5 => 2,
            e if e > 0.125 => 1,
            e if e < -0.5 => -2,
            e if e < -0.125 => -1,
            _ => 0,
        };
        self.qp = (i16::from(self.qp) + step).clamp(i16::from(MIN_QP), i16::from(MAX_QP)) as u8;
    }
}
