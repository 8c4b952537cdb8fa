//! Opening frames and sound made elsewhere — a YUV4MPEG2 video (`.y4m`, what ffmpeg and
//! the world renderer write) and a WAV soundtrack — as a [`Clip`] to export. Until the
//! models ship this is how clips reach the exporter; it is also how a person can label
//! and sign frames they rendered themselves.
//!
//! Files are untrusted input: sizes are bounded before anything is allocated, and every
//! failure says what was wrong with which file.

use super::AssemblyError;
use super::clip::{Clip, FPS_RANGE, MAX_SECONDS, SAMPLE_RATES};
use super::colour::yuv_to_rgb;
use std::io::Cursor;

/// Largest side we accept from a file (the decoder checks before allocating frames).
const MAX_SIDE: usize = 4096;

fn bad(what: &str, detail: impl std::fmt::Display) -> AssemblyError {
    AssemblyError::InvalidClip(format!("{what}: {detail}"))
}

/// Frames read from a video file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VideoFrames {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Frames per second.
    pub fps: u32,
    /// RGB8 frames.
    pub frames: Vec<Vec<u8>>,
}

/// Read a `.y4m` video (8-bit 4:2:0, 4:2:2, 4:4:4 or mono) as RGB8 frames.
pub fn read_y4m(bytes: &[u8]) -> Result<VideoFrames, AssemblyError> {
    let limits = y4m::Limits {
        bytes: MAX_SIDE * MAX_SIDE * 3,
    };
    let mut decoder = y4m::Decoder::new_with_limits(Cursor::new(bytes), limits)
        .map_err(|e| bad("the video is not a readable .y4m file", format!("{e:?}")))?;
    let (w, h) = (decoder.get_width(), decoder.get_height());
    if w > MAX_SIDE || h > MAX_SIDE || w == 0 || h == 0 {
        return Err(bad("the video", format!("{w}×{h} is too large")));
    }
    let rate = decoder.get_framerate();
    if rate.den == 0 || rate.num % rate.den != 0 {
        return Err(bad(
            "the video",
            format!(
                "frame rate {}/{} is not a whole number of frames per second",
                rate.num, rate.den
            ),
        ));
    }
    let fps = (rate.num / rate.den) as u32;
    if !FPS_RANGE.contains(&fps) {
        return Err(bad(
            "the video",
            format!("{fps} frames per second is outside 1–60"),
        ));
    }
    let chroma = match decoder.get_colorspace() {
        y4m::Colorspace::C420
        | y4m::Colorspace::C420jpeg
        | y4m::Colorspace::C420paldv
        | y4m::Colorspace::C420mpeg2 => Some((2, 2)),
        y4m::Colorspace::C422 => Some((2, 1)),
        y4m::Colorspace::C444 => Some((1, 1)),
        y4m::Colorspace::Cmono => None,
        other => {
            return Err(bad(
                "the video",
                format!("colour format {other:?} is not 8-bit YUV"),
            ));
        }
    };
    let max_frames = (MAX_SECONDS as usize) * fps as usize;
    let mut frames = Vec::new();
    loop {
        let frame = match decoder.read_frame() {
            Ok(f) => f,
            Err(y4m::Error::EOF) => break,
            Err(e) => return Err(bad("the video is cut short or damaged", format!("{e:?}"))),
        };
        if frames.len() >= max_frames {
            return Err(bad("the video", format!("longer than {MAX_SECONDS} s")));
        }
        frames.push(yuv_to_rgb(
            frame.get_y_plane(),
            frame.get_u_plane(),
            frame.get_v_plane(),
            w,
            h,
            chroma,
        ));
    }
    if frames.is_empty() {
        return Err(bad("the video", "it has no frames"));
    }
    Ok(VideoFrames {
        width: w as u32,
        height: h as u32,
        fps,
        frames,
    })
}

/// Write a mono soundtrack as 16-bit PCM WAV (samples clamped to −1..1).
pub fn write_wav(samples: &[f32], sample_rate: u32) -> Result<Vec<u8>, AssemblyError> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut out = Cursor::new(Vec::with_capacity(44 + 2 * samples.len()));
    let mut writer = hound::WavWriter::new(&mut out, spec)
        .map_err(|e| bad("the sound could not be written", e))?;
    for s in samples {
        let v = (s.clamp(-1.0, 1.0) * i16::MAX as f32).round() as i16;
        writer
            .write_sample(v)
            .map_err(|e| bad("the sound could not be written", e))?;
    }
    writer
        .finalize()
        .map_err(|e| bad("the sound could not be written", e))?;
    Ok(out.into_inner())
}

/// Read a WAV soundtrack (integer PCM 8–32 bit or 32-bit float, any channel count, mixed
/// to mono). Returns `(sample_rate, samples)`.
pub fn read_wav(bytes: &[u8]) -> Result<(u32, Vec<f32>), AssemblyError> {
    let reader = hound::WavReader::new(Cursor::new(bytes))
        .map_err(|e| bad("the sound is not a readable .wav file", e))?;
    let spec = reader.spec();
    if !SAMPLE_RATES.contains(&spec.sample_rate) {
        return Err(bad(
            "the sound",
            format!(
                "sample rate {} Hz is not one of {SAMPLE_RATES:?} (resample it, e.g. to 48000 Hz)",
                spec.sample_rate
            ),
        ));
    }
    let channels = usize::from(spec.channels.max(1));
    let limit = MAX_SECONDS as usize * spec.sample_rate as usize * channels;
    if reader.len() as usize > limit {
        return Err(bad("the sound", format!("longer than {MAX_SECONDS} s")));
    }
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| bad("the sound is damaged", e))?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample.clamp(8, 32) - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(|e| bad("the sound is damaged", e))?
        }
    };
    let mono = interleaved
        .chunks(channels)
        .map(|c| {
            let s = c.iter().sum::<f32>() / channels as f32;
            if s.is_finite() {
                s.clamp(-1.0, 1.0)
            } else {
                0.0
            }
        })
        .collect();
    Ok((spec.sample_rate, mono))
}

/// A clip from a `.y4m` video and an optional `.wav` soundtrack. The sound is trimmed or
/// padded with silence to the video's length (the returned note says so when it was).
pub fn clip_from_files(
    y4m: &[u8],
    wav: Option<&[u8]>,
) -> Result<(Clip, Option<String>), AssemblyError> {
    let VideoFrames {
        width,
        height,
        fps,
        frames,
    } = read_y4m(y4m)?;
    let (sample_rate, audio) = match wav {
        Some(bytes) => read_wav(bytes)?,
        None => (48_000, Vec::new()),
    };
    let mut clip = Clip {
        width,
        height,
        fps,
        frames,
        sample_rate,
        audio,
    };
    let wanted = clip.samples_for_video();
    let note = (wav.is_some() && clip.audio.len() != wanted).then(|| {
        format!(
            "The sound was {:.2} s and the video {:.2} s; the sound was {} to match.",
            clip.audio.len() as f64 / f64::from(sample_rate),
            clip.duration(),
            if clip.audio.len() > wanted {
                "trimmed"
            } else {
                "padded with silence"
            }
        )
    });
    clip.audio = clip.fitted_audio();
    clip.validate()?;
    Ok((clip, note))
}

#[cfg(test)]
mod wav_tests {
    use super::*;

    #[test]
    fn a_written_soundtrack_reads_back() {
        let samples: Vec<f32> = (0..2400).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
        let bytes = write_wav(&samples, 24_000).expect("write");
        let (rate, back) = read_wav(&bytes).expect("read");
        assert_eq!(rate, 24_000);
        assert_eq!(back.len(), samples.len());
        let worst = samples
            .iter()
            .zip(&back)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-4, "{worst}");
    }
}
