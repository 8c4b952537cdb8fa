//! Both streams into one fast-start MP4 (moov before mdat, so a browser can start playing
//! before the whole file has arrived), with `muxide`.
//!
//! Timestamps are computed from integers (frame `i` at `i / fps`, audio frame `j` at
//! `j × 1024 / rate`) and each is rounded on its own to the 90 kHz timescale, so there is
//! no drift however long the clip.

use super::AssemblyError;
use super::aac::SAMPLES_PER_FRAME;
use super::audio::EncodedAudio;
use super::video::{EncodedVideo, has_parameter_sets};
use muxide::api::{AacProfile, AudioCodec, MuxerBuilder, VideoCodec};

/// Mux encoded video (and audio, when there is any) into MP4 bytes.
pub fn mux_mp4(
    video: &EncodedVideo,
    audio: Option<&EncodedAudio>,
) -> Result<Vec<u8>, AssemblyError> {
    let fail = |e: muxide::api::MuxerError| AssemblyError::Mux(e.to_string());
    let first = video
        .samples
        .first()
        .ok_or_else(|| AssemblyError::Mux("no video frames".into()))?;
    if !first.keyframe || !has_parameter_sets(&first.annexb) {
        return Err(AssemblyError::Mux(
            "the first video frame must be a keyframe carrying SPS and PPS".into(),
        ));
    }
    let mut builder = MuxerBuilder::new(Vec::new()).video(
        VideoCodec::H264,
        video.width,
        video.height,
        f64::from(video.fps),
    );
    if let Some(audio) = audio {
        builder = builder.audio(AudioCodec::Aac(AacProfile::Lc), audio.sample_rate, 1);
    }
    let mut muxer = builder.with_fast_start(true).build().map_err(fail)?;

    // Interleave by time so a player streaming the file finds both tracks' data together.
    let video_time = |i: usize| i as f64 / f64::from(video.fps);
    let audio_time = |a: &EncodedAudio, j: usize| {
        (j as u64 * u64::from(SAMPLES_PER_FRAME)) as f64 / f64::from(a.sample_rate)
    };
    let (mut i, mut j) = (0, 0);
    let audio_frames = audio.map_or(0, |a| a.frames.len());
    while i < video.samples.len() || j < audio_frames {
        let take_video = match audio {
            Some(a) if j < audio_frames => {
                i < video.samples.len() && video_time(i) <= audio_time(a, j)
            }
            _ => true,
        };
        if take_video {
            let s = &video.samples[i];
            muxer
                .write_video(video_time(i), &s.annexb, s.keyframe)
                .map_err(fail)?;
            i += 1;
        } else if let Some(a) = audio {
            muxer
                .write_audio(audio_time(a, j), &a.frames[j])
                .map_err(fail)?;
            j += 1;
        }
    }
    muxer.finish_in_place().map_err(fail)?;
    Ok(muxer.into_writer())
}
