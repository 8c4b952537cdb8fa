//! Kinora's finalize report: before a clip goes out, check it the way a careful editor
//! would — transitions, frame cadence, flicker, objects that vanish or pop in, audio
//! glitches, sound out of sync with motion, and visual artifacts — and say where.
//!
//! Every analyzer is generic: it sees only RGB frames and a mono soundtrack, never how the
//! clip was made. Each one compares the clip with *its own* statistics (a frame-difference
//! spike is judged against the clip's median motion, a noisy patch against the same place
//! in other frames), so a calm clip and a busy clip are held to their own norms. The
//! analyzers are validated on rendered world clips with injected faults
//! (`qa/tests/validate.rs`), but nothing here knows about the world.
//!
//! The crate is tensor-free and small so that it runs in the browser (wasm) as well as in
//! `kinora check FILE.mp4`.
//!
//! Map: [`analyze`] → [`luma`] (shared per-frame luma and differences) → [`jumps`],
//! [`cadence`], [`flicker`], [`objects`] (persistence, motion mismatch, motion events),
//! [`artifacts`] (boundary smears, noise patches), [`clicks`], [`dropouts`], [`stutter`],
//! [`av_sync`] → [`Report`] with findings and a per-frame heat strip.
#![deny(missing_docs)]

pub mod artifacts;
pub mod av_sync;
pub mod cadence;
pub mod clicks;
pub mod dropouts;
pub mod flicker;
pub mod jumps;
pub mod luma;
pub mod objects;
pub mod stats;
pub mod stutter;

use serde::Serialize;

/// Errors: input the analyzers cannot read.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum QaError {
    /// Width or height is zero, or the frame buffers do not match them.
    #[error("frame {frame} has {got} bytes, expected {expected} ({width}×{height} RGB)")]
    FrameSize {
        /// Index of the offending frame.
        frame: usize,
        /// Bytes found.
        got: usize,
        /// Bytes expected.
        expected: usize,
        /// Declared width.
        width: usize,
        /// Declared height.
        height: usize,
    },
    /// A clip needs frames, a positive size and a positive frame rate.
    #[error("invalid clip: {0}")]
    Invalid(String),
}

/// The frames of a clip: RGB8, row-major, all of one size.
#[derive(Debug, Clone)]
pub struct Frames<'a> {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Frames per second.
    pub fps: f32,
    /// One `width × height × 3` buffer per frame.
    pub rgb: Vec<&'a [u8]>,
}

/// A mono soundtrack.
#[derive(Debug, Clone, Copy)]
pub struct Audio<'a> {
    /// Samples per second.
    pub sample_rate: u32,
    /// Samples, nominally in −1..1.
    pub samples: &'a [f32],
}

/// What a finding is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// The picture changes far more between two frames than anywhere else: a cut or jump.
    Jump,
    /// The motion skips ahead, as if frames were missing.
    DroppedFrames,
    /// A frame repeats its predecessor while the clip is moving.
    DuplicatedFrame,
    /// Brightness jumps for a frame or two, globally or in a region.
    Flicker,
    /// An object disappears in the middle of the picture (and comes back).
    ObjectVanished,
    /// An object appears out of nowhere away from the frame's edge.
    ObjectPopped,
    /// An object moves in a way its own track does not explain (it teleports).
    MotionMismatch,
    /// Rows or columns at an edge of the picture are stretched copies of one line.
    BoundarySmear,
    /// A patch of noise far busier than the same place elsewhere in the clip.
    NoisePatch,
    /// A sample-level discontinuity in the sound: a click or pop.
    AudioClick,
    /// The sound drops to silence suddenly and comes back.
    AudioDropout,
    /// A piece of sound repeats immediately: a stutter.
    AudioStutter,
    /// Sounds land before or after the motion that makes them.
    AvOffset,
}

/// How much a finding matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth a look; may be intended.
    Info,
    /// Probably a defect a viewer notices.
    Warning,
    /// A defect that should be fixed before the clip goes out.
    Serious,
}

impl Severity {
    /// Heat of a finding of this severity (0..1).
    pub fn heat(self) -> f32 {
        match self {
            Severity::Info => 0.35,
            Severity::Warning => 0.7,
            Severity::Serious => 1.0,
        }
    }
}

/// One thing the report found.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// What it is.
    pub kind: Kind,
    /// How much it matters.
    pub severity: Severity,
    /// Frames affected, `start..end` (end exclusive).
    pub frames: std::ops::Range<usize>,
    /// The same span in seconds.
    pub seconds: (f32, f32),
    /// Plain-language explanation.
    pub explanation: String,
}

/// The finalize report of one clip.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Frames analysed.
    pub frames: usize,
    /// Frame rate.
    pub fps: f32,
    /// Everything found, in time order.
    pub findings: Vec<Finding>,
    /// Per frame, 0..1: the heat of the worst finding that covers it (0 where none).
    pub heat: Vec<f32>,
    /// Median audio − video offset in ms, when sounds could be matched to motion events.
    pub av_offset_ms: Option<f32>,
    /// Analyzers that could not run, with why (e.g. no sound).
    pub skipped: Vec<String>,
}

impl Report {
    /// Whether any finding is serious (the app asks for confirmation before export).
    pub fn has_serious(&self) -> bool {
        self.findings
            .iter()
            .any(|f| f.severity == Severity::Serious)
    }

    /// Findings of one kind.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.kind == kind)
    }
}

/// A finding before its span is converted to seconds: analyzers produce these.
#[derive(Debug, Clone)]
pub(crate) struct Raw {
    pub kind: Kind,
    pub severity: Severity,
    pub frames: std::ops::Range<usize>,
    pub explanation: String,
}

/// Frame index holding audio sample time `t` seconds.
pub(crate) fn frame_at(t: f32, fps: f32, n: usize) -> usize {
    ((t * fps).floor().max(0.0) as usize).min(n.saturating_sub(1))
}

fn check(frames: &Frames, audio: Option<&Audio>) -> Result<(), QaError> {
    if frames.width == 0 || frames.height == 0 {
        return Err(QaError::Invalid("width and height must be positive".into()));
    }
    if !(frames.fps.is_finite() && frames.fps > 0.0) {
        return Err(QaError::Invalid("fps must be positive".into()));
    }
    if frames.rgb.is_empty() {
        return Err(QaError::Invalid("no frames".into()));
    }
    let expected = frames.width * frames.height * 3;
    for (i, f) in frames.rgb.iter().enumerate() {
        if f.len() != expected {
            return Err(QaError::FrameSize {
                frame: i,
                got: f.len(),
                expected,
                width: frames.width,
                height: frames.height,
            });
        }
    }
    if let Some(a) = audio
        && a.sample_rate == 0
    {
        return Err(QaError::Invalid(
            "audio sample rate must be positive".into(),
        ));
    }
    Ok(())
}

/// Analyse a clip: every analyzer, then findings sorted by time and the heat strip.
///
/// # Shapes
/// `frames.rgb`: `[T][H × W × 3]` u8; `audio.samples`: `[S]` f32 mono.
pub fn analyze(frames: &Frames, audio: Option<&Audio>) -> Result<Report, QaError> {
    check(frames, audio)?;
    let n = frames.rgb.len();
    let fps = frames.fps;
    let lumas = luma::Lumas::of(frames);
    let mut raw = Vec::new();
    let mut skipped = Vec::new();
    raw.extend(jumps::analyze(&lumas));
    raw.extend(cadence::analyze(&lumas));
    raw.extend(flicker::analyze(&lumas));
    let tracks = objects::Tracks::of(frames, &lumas);
    raw.extend(tracks.persistence());
    raw.extend(tracks.motion_mismatch());
    raw.extend(artifacts::boundary_smears(&lumas));
    raw.extend(artifacts::noise_patches(&lumas));
    let mut av_offset_ms = None;
    match audio {
        Some(a) if !a.samples.is_empty() => {
            let to_frames = |s: f32, e: f32| {
                let a = frame_at(s, fps, n);
                a..(frame_at(e, fps, n) + 1).max(a + 1)
            };
            for (kind, list) in [
                (Kind::AudioClick, clicks::analyze(a)),
                (Kind::AudioDropout, dropouts::analyze(a)),
                (Kind::AudioStutter, stutter::analyze(a)),
            ] {
                for e in list {
                    raw.push(Raw {
                        kind,
                        severity: e.severity,
                        frames: to_frames(e.start, e.end),
                        explanation: e.explanation,
                    });
                }
            }
            let sync = av_sync::analyze(a, &tracks.motion_events(), fps, n);
            av_offset_ms = sync.offset_ms;
            raw.extend(sync.finding);
        }
        _ => skipped.push("sound: the clip has no soundtrack".to_string()),
    }
    let mut heat = vec![0.0f32; n];
    let mut findings: Vec<Finding> = raw
        .into_iter()
        .map(|r| {
            let end = r.frames.end.min(n).max(r.frames.start + 1);
            let start = r.frames.start.min(n - 1);
            for h in &mut heat[start..end.min(n)] {
                *h = h.max(r.severity.heat());
            }
            Finding {
                kind: r.kind,
                severity: r.severity,
                frames: start..end,
                seconds: (start as f32 / fps, end as f32 / fps),
                explanation: r.explanation,
            }
        })
        .collect();
    findings.sort_by(|a, b| {
        (a.frames.start, a.kind, a.frames.end).cmp(&(b.frames.start, b.kind, b.frames.end))
    });
    Ok(Report {
        frames: n,
        fps,
        findings,
        heat,
        av_offset_ms,
        skipped,
    })
}

/// An audio event found by an audio analyzer, in seconds.
#[derive(Debug, Clone)]
pub struct AudioEvent {
    /// Start (s).
    pub start: f32,
    /// End (s).
    pub end: f32,
    /// How much it matters.
    pub severity: Severity,
    /// Plain-language explanation.
    pub explanation: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        let buf = vec![0u8; 10];
        let f = Frames {
            width: 4,
            height: 4,
            fps: 12.0,
            rgb: vec![&buf],
        };
        assert!(matches!(
            analyze(&f, None),
            Err(QaError::FrameSize { got: 10, .. })
        ));
        let f = Frames {
            width: 4,
            height: 4,
            fps: 0.0,
            rgb: vec![],
        };
        assert!(analyze(&f, None).is_err());
    }

    #[test]
    fn a_still_clip_is_clean() {
        let buf = vec![90u8; 32 * 32 * 3];
        let f = Frames {
            width: 32,
            height: 32,
            fps: 12.0,
            rgb: vec![&buf; 24],
        };
        let silence = vec![0.0f32; 48_000];
        let a = Audio {
            sample_rate: 24_000,
            samples: &silence,
        };
        let r = analyze(&f, Some(&a)).unwrap();
        assert!(r.findings.is_empty(), "{:?}", r.findings);
        assert_eq!(r.heat.len(), 24);
        assert!(serde_json_like(&r));
    }

    fn serde_json_like(r: &Report) -> bool {
        // The report serializes (the CLI writes it as JSON).
        fn is_ser<T: Serialize>(_: &T) -> bool {
            true
        }
        is_ser(r)
    }
}
