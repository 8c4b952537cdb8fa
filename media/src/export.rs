//! The whole export in one place: frames → label → I420 → watermark → H.264, soundtrack
//! → AAC, both → MP4, then content credentials. The CLI and native tests call
//! [`export_mp4`]; the browser calls [`FramePreparer`], its own WebCodecs encoder (or
//! [`FallbackEncoder`]) and [`finish_mp4`] so it can yield to the UI between frames.

use super::AssemblyError;
use super::audio::{EncodedAudio, encode_audio};
use super::clip::Clip;
use super::colour::{I420Frame, rgb_to_i420};
use super::label::draw_label;
use super::mux::mux_mp4;
use super::video::{EncodedVideo, FallbackEncoder};
use kinora_provenance::content_credentials::sign_mp4;
use kinora_provenance::watermark::Embedder;
use kinora_provenance::{Provenance, product_watermark_key};

/// What the person chose in the export dialog.
#[derive(Debug, Clone)]
pub struct ExportOptions {
    /// Draw the visible "AI" corner mark (on by default; turning it off needs a warning in
    /// the UI).
    pub visible_label: bool,
    /// Who made it and from what: goes into the signed C2PA manifest.
    pub provenance: Provenance,
}

/// What came out, for the export report shown to the person.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportReport {
    /// Frames in the video track.
    pub frames: usize,
    /// Video duration in seconds.
    pub video_seconds: f64,
    /// Audio duration in seconds (a whole number of 1024-sample AAC frames).
    pub audio_seconds: f64,
    /// Which H.264 encoder ran.
    pub video_encoder: String,
    /// Size of the finished file in bytes.
    pub bytes: usize,
}

/// A finished export.
#[derive(Debug, Clone)]
pub struct Exported {
    /// The signed MP4.
    pub mp4: Vec<u8>,
    /// Numbers about it.
    pub report: ExportReport,
}

/// Progress of a native export: `(frames done, frames total)`.
pub type ProgressFn<'a> = &'a mut dyn FnMut(usize, usize);

/// Turns a clip's RGB frames into what the encoders take: label drawn (if asked),
/// converted to I420, watermark embedded in the luma plane.
pub struct FramePreparer {
    width: u32,
    height: u32,
    visible_label: bool,
    /// Keeps the watermark field for this frame size between frames.
    embedder: Embedder,
}

impl FramePreparer {
    /// A preparer for `width × height` frames.
    pub fn new(width: u32, height: u32, visible_label: bool) -> Self {
        FramePreparer {
            width,
            height,
            visible_label,
            embedder: Embedder::new(&product_watermark_key()),
        }
    }

    /// Prepare one RGB8 frame.
    pub fn prepare(&mut self, rgb: &[u8]) -> Result<I420Frame, AssemblyError> {
        let (w, h) = (self.width, self.height);
        let mut frame = if self.visible_label {
            let mut labelled = rgb.to_vec();
            draw_label(&mut labelled, w, h);
            rgb_to_i420(&labelled, w, h)
        } else {
            rgb_to_i420(rgb, w, h)
        };
        self.embedder
            .embed(&mut frame.y, w, h)
            .map_err(|e| AssemblyError::InvalidClip(e.to_string()))?;
        Ok(frame)
    }
}

/// Encode the soundtrack, mux it with the encoded video and sign the result.
pub fn finish_mp4(
    clip_audio: &[f32],
    sample_rate: u32,
    video: &EncodedVideo,
    provenance: &Provenance,
) -> Result<Exported, AssemblyError> {
    let audio: EncodedAudio = encode_audio(clip_audio, sample_rate)?;
    let muxed = mux_mp4(video, Some(&audio))?;
    let mp4 = sign_mp4(&muxed, &provenance.claim, &provenance.signing_key)
        .map_err(|e| AssemblyError::Credentials(e.to_string()))?;
    Ok(Exported {
        report: ExportReport {
            frames: video.samples.len(),
            video_seconds: video.samples.len() as f64 / f64::from(video.fps),
            audio_seconds: audio.duration(),
            video_encoder: video.encoder.clone(),
            bytes: mp4.len(),
        },
        mp4,
    })
}

/// Export a clip to a signed MP4 with the pure-Rust encoders (the CLI's path).
pub fn export_mp4(
    clip: &Clip,
    options: &ExportOptions,
    progress: ProgressFn<'_>,
) -> Result<Exported, AssemblyError> {
    clip.validate()?;
    let mut encoder = FallbackEncoder::new(clip.width, clip.height, clip.fps)?;
    let mut preparer = FramePreparer::new(clip.width, clip.height, options.visible_label);
    let mut samples = Vec::with_capacity(clip.frames.len());
    for (i, rgb) in clip.frames.iter().enumerate() {
        samples.push(encoder.encode(&preparer.prepare(rgb)?)?);
        progress(i + 1, clip.frames.len());
    }
    let video = EncodedVideo {
        width: clip.width,
        height: clip.height,
        fps: clip.fps,
        samples,
        encoder: FallbackEncoder::NAME.into(),
    };
    finish_mp4(
        &clip.fitted_audio(),
        clip.sample_rate,
        &video,
        &options.provenance,
    )
}
