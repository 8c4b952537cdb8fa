//! The judge's table for generated clips: for each prompt, the world's judge looks at the
//! decoded frames alone and reports what it sees; we compare with what the prompt asked.
//! The same table for the world's own renders of the same scenes is the reference
//! (flicker is reported relative to it).

use kinora_engine::models::pipeline::PromptReading;
use kinora_world::judge::track::MotionLabel;
use kinora_world::judge::{Report, judge};
use kinora_world::render::Frame;
use kinora_world::scene::{Motion, Scene};
use serde::Serialize;

/// Counts over a set of clips.
#[derive(Debug, Default, Clone, Serialize)]
pub struct JudgeTable {
    /// Clips judged.
    pub clips: usize,
    /// First object's colour found.
    pub colour: usize,
    /// Colour found and class right.
    pub class_and_colour: usize,
    /// Colour found and motion label right.
    pub motion: usize,
    /// Camera motion right.
    pub camera: usize,
    /// Clips whose first object falls or bounces.
    pub gravity_asked: usize,
    /// Of those, judged as the asked fall/bounce with a positive gravity estimate.
    pub gravity_ok: usize,
    /// Clips with no object vanishing or popping in.
    pub persistent: usize,
    /// Sum of the judge's flicker measure.
    pub flicker_sum: f32,
    /// Per asked colour of the first object: (clips, colour found).
    pub by_colour: std::collections::BTreeMap<String, (usize, usize)>,
    /// Per asked motion of the first object: (clips, colour found, motion right).
    pub by_motion: std::collections::BTreeMap<String, (usize, usize, usize)>,
}

impl JudgeTable {
    /// Adds one clip.
    pub fn add(&mut self, asked: &Scene, report: &Report) {
        self.clips += 1;
        let o = asked.objects[0];
        let found = report.objects.iter().find(|t| t.colour == o.colour);
        let c = self.by_colour.entry(format!("{:?}", o.colour)).or_default();
        c.0 += 1;
        c.1 += usize::from(found.is_some());
        let m = self.by_motion.entry(format!("{:?}", o.motion)).or_default();
        m.0 += 1;
        m.1 += usize::from(found.is_some());
        m.2 += usize::from(found.is_some_and(|t| t.motion == MotionLabel::expected(o.motion)));
        if let Some(t) = found {
            self.colour += 1;
            self.class_and_colour += usize::from(t.kind == o.kind);
            self.motion += usize::from(t.motion == MotionLabel::expected(o.motion));
            if matches!(o.motion, Motion::Fall | Motion::Bounce) {
                self.gravity_ok += usize::from(
                    t.motion == MotionLabel::expected(o.motion)
                        && t.gravity.is_some_and(|g| g > 0.0),
                );
            }
        }
        if matches!(o.motion, Motion::Fall | Motion::Bounce) {
            self.gravity_asked += 1;
        }
        self.camera += usize::from(report.camera.motion == asked.camera.motion);
        self.persistent += usize::from(!report.persistence_fault());
        self.flicker_sum += report.flicker;
    }

    /// Per-colour and per-motion breakdown lines, for printing.
    pub fn breakdown(&self) -> String {
        let colours: Vec<String> = self
            .by_colour
            .iter()
            .map(|(k, (n, f))| format!("{k} {f}/{n}"))
            .collect();
        let motions: Vec<String> = self
            .by_motion
            .iter()
            .map(|(k, (n, f, r))| format!("{k} {r}/{f}/{n}"))
            .collect();
        format!(
            "colour found per asked colour: {}\nmotion right / colour found / asked per motion: {}",
            colours.join(", "),
            motions.join(", ")
        )
    }

    /// Percentages, for printing.
    pub fn rows(&self) -> Vec<(&'static str, f32)> {
        vec![
            ("object colour", percent(self.colour, self.clips)),
            (
                "object class + colour",
                percent(self.class_and_colour, self.clips),
            ),
            ("motion direction", percent(self.motion, self.clips)),
            ("camera direction", percent(self.camera, self.clips)),
            (
                "falls/bounces consistent with gravity",
                percent(self.gravity_ok, self.gravity_asked),
            ),
            ("object persistence", percent(self.persistent, self.clips)),
            (
                "mean flicker (levels)",
                self.flicker_sum / self.clips.max(1) as f32,
            ),
        ]
    }
}

/// One line saying what the prompt asked, what the text encoder read and what the judge
/// saw, so a wrong row can be traced to the reading or to the picture.
pub fn diagnose(asked: &Scene, reading: &PromptReading, report: &Report) -> String {
    let read = &reading.attributes;
    let o = asked.objects[0];
    let read_as = |group: &str| {
        read.iter()
            .find(|(g, _, _)| g == group)
            .map_or_else(|| "?".to_string(), |(_, l, p)| format!("{l} {p:.2}"))
    };
    let seen = report
        .objects
        .iter()
        .find(|t| t.colour == o.colour)
        .map_or_else(
            || {
                let others: Vec<String> = report
                    .objects
                    .iter()
                    .map(|t| format!("{:?} {:?}", t.colour, t.kind))
                    .collect();
                format!("colour not found (saw {})", others.join(", "))
            },
            |t| {
                format!(
                    "{:?} {:?} gravity {:?} vanished {:?} popped {:?} shape {:.2?}",
                    t.kind, t.motion, t.gravity, t.vanished, t.popped_in, t.shape
                )
            },
        );
    format!(
        "asked {:?} {:?} {:?} camera {:?} | read {} / {} / {} / camera {} {} | seen {} camera {:?}",
        o.colour,
        o.kind,
        o.motion,
        asked.camera.motion,
        read_as("object1_colour"),
        read_as("object1_kind"),
        read_as("object1_motion"),
        reading.camera.motion,
        reading.camera.speed,
        seen,
        report.camera.motion
    )
}

/// `a` of `b` in percent (0 when `b` is 0).
pub fn percent(a: usize, b: usize) -> f32 {
    100.0 * a as f32 / b.max(1) as f32
}

/// RGB8 frames (`width×height×3` each) as the world judge's frames.
pub fn world_frames(frames: &[Vec<u8>], width: usize, height: usize) -> Vec<Frame> {
    frames
        .iter()
        .map(|f| Frame {
            width: width as u32,
            height: height as u32,
            rgb: f.clone(),
        })
        .collect()
}

/// Judges RGB8 frames (`side×side×3` each) with a silent soundtrack.
pub fn judge_frames(frames: &[Vec<u8>], side: usize, fps: u32) -> Report {
    let frames = world_frames(frames, side, side);
    let rate = 24_000;
    let audio = vec![0.0f32; frames.len() * (rate / fps) as usize];
    judge(&frames, fps, &audio, rate)
}

/// A generated clip as the finalize report's frames.
pub fn qa_frames(video: &kinora_engine::models::pipeline::GeneratedVideo) -> kinora_qa::Frames<'_> {
    kinora_qa::Frames {
        width: video.width,
        height: video.height,
        fps: video.fps as f32,
        rgb: video.frames.iter().map(Vec::as_slice).collect(),
    }
}

/// Whether a finding says the picture skips — a jump or dropped frames — which is what a
/// seam between windows or extensions would show as.
pub fn is_skip(kind: &kinora_qa::Kind) -> bool {
    matches!(kind, kinora_qa::Kind::Jump | kinora_qa::Kind::DroppedFrames)
}
