//! The world judge's audio rows for a set of clips: impact onsets against the visual
//! contacts the judge sees in the frames, sounds with no contact, and the ambient class;
//! and for spoken lines, the syllables heard and the lag between mouth and voice.

use kinora_world::judge::audio::AmbientLabel;
use kinora_world::judge::{self, Report};
use kinora_world::render::Frame;
use kinora_world::scene::{Ambient, Scene};
use serde::Serialize;

/// Largest |audio − visual| time (s) at which an onset counts as a contact's sound (the
/// judge's own pairing window).
pub const PAIR_WINDOW: f32 = 0.15;

/// Audio rows over many clips.
#[derive(Debug, Default, Clone, Serialize)]
pub struct AudioTable {
    /// Clips judged.
    pub clips: usize,
    /// Visual contacts seen.
    pub contacts: usize,
    /// Contacts with an onset within [`PAIR_WINDOW`].
    pub contacts_heard: usize,
    /// Audio − visual offsets of heard contacts (ms).
    pub offsets_ms: Vec<f32>,
    /// Onsets in clips whose bed makes no onsets of its own (none, wind).
    pub quiet_bed_onsets: usize,
    /// Of those, onsets with no visual contact within [`PAIR_WINDOW`].
    pub quiet_bed_unmatched: usize,
    /// Clips whose ambient class the judge reads as asked.
    pub ambient_correct: usize,
    /// Ambient confusion: (asked, heard) label pairs that differ.
    pub ambient_errors: Vec<(String, String)>,
}

fn label(a: AmbientLabel) -> String {
    serde_json::to_value(a)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

impl AudioTable {
    /// Judge one clip's frames (the picture the sound belongs to) with its audio.
    pub fn add(
        &mut self,
        scene: &Scene,
        frames: &[Frame],
        fps: u32,
        audio: &[f32],
        rate: u32,
    ) -> Report {
        let report = judge::judge(frames, fps, audio, rate);
        self.add_report(scene, &report);
        report
    }

    /// Count one judged clip.
    pub fn add_report(&mut self, scene: &Scene, report: &Report) {
        self.clips += 1;
        let mut visual: Vec<f32> = report
            .objects
            .iter()
            .flat_map(|o| o.contacts.iter().copied())
            .collect();
        visual.sort_by(f32::total_cmp);
        visual.dedup_by(|a, b| (*a - *b).abs() < 0.06);
        // The judge already pairs each visual contact with its nearest onset within
        // [`PAIR_WINDOW`] (`av_pairs`, offsets in ms).
        self.contacts += visual.len();
        self.contacts_heard += report.av_pairs.len();
        self.offsets_ms.extend(report.av_pairs.iter().map(|p| p.1));
        if matches!(scene.ambient, Ambient::None | Ambient::Wind) {
            for a in &report.audio_onsets {
                self.quiet_bed_onsets += 1;
                if !visual.iter().any(|v| (a - v).abs() < PAIR_WINDOW) {
                    self.quiet_bed_unmatched += 1;
                }
            }
        }
        let asked = AmbientLabel::expected(scene.ambient);
        if report.ambient == asked {
            self.ambient_correct += 1;
        } else {
            self.ambient_errors
                .push((label(asked), label(report.ambient)));
        }
    }

    /// Median |audio − visual| offset (ms).
    pub fn median_abs_offset_ms(&self) -> f32 {
        let mut v: Vec<f32> = self.offsets_ms.iter().map(|x| x.abs()).collect();
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f32::NAN)
    }

    /// Median signed audio − visual offset (ms).
    pub fn median_offset_ms(&self) -> f32 {
        let mut v = self.offsets_ms.clone();
        v.sort_by(f32::total_cmp);
        v.get(v.len() / 2).copied().unwrap_or(f32::NAN)
    }

    /// One line: the acceptance rows in percent and ms.
    pub fn summary(&self) -> String {
        let pct = |a: usize, b: usize| 100.0 * a as f32 / b.max(1) as f32;
        format!(
            "clips {} | contacts heard {:.1}% ({}/{}) | median |offset| {:.1} ms (signed {:.1}) | \
             sounds without contact {:.1}% ({}/{}, quiet beds) | ambient {:.1}%",
            self.clips,
            pct(self.contacts_heard, self.contacts),
            self.contacts_heard,
            self.contacts,
            self.median_abs_offset_ms(),
            self.median_offset_ms(),
            pct(self.quiet_bed_unmatched, self.quiet_bed_onsets),
            self.quiet_bed_unmatched,
            self.quiet_bed_onsets,
            pct(self.ambient_correct, self.clips),
        )
    }
}

/// The syllables a prompt's line asks for, as the engine times them: each vowel nucleus
/// (start, end in s). None when the prompt quotes no line.
pub fn asked_syllables(prompt: &str) -> Option<Vec<(f32, f32)>> {
    use kinora_engine::models::speech::{schedule, spoken_line};
    let line = spoken_line(prompt)?;
    Some(
        schedule(&line)
            .iter()
            .map(|s| (s.start, s.start + s.dur))
            .collect(),
    )
}

/// Speech rows over many clips with a spoken line.
#[derive(Debug, Default, Clone, Serialize)]
pub struct SpeechTable {
    /// Clips judged.
    pub clips: usize,
    /// Clips whose heard syllables are within ±1 of the line's.
    pub within_one: usize,
    /// Clips with exactly the line's syllables heard.
    pub exact: usize,
    /// Syllables asked (those the judge can hear: clear of thuds, inside the clip).
    pub asked: usize,
    /// Syllables heard during the line.
    pub heard: usize,
    /// Audio − mouth lag (ms) of clips where the judge finds one.
    pub lags: Vec<f32>,
    /// The mouth–loudness correlation at that lag.
    pub correlations: Vec<f32>,
}

impl SpeechTable {
    /// Judge one clip: its frames (the mouth), its audio (the voice) and the line's
    /// syllables asked (nucleus start and end, s).
    pub fn add(
        &mut self,
        frames: &[Frame],
        fps: u32,
        audio: &[f32],
        rate: u32,
        asked: &[(f32, f32)],
    ) {
        use kinora_world::judge::lips::{line_syllables, syllables};
        let report = judge::judge(frames, fps, audio, rate);
        let contacts: Vec<f32> = report
            .objects
            .iter()
            .flat_map(|o| o.contacts.iter().copied())
            .collect();
        let heard = syllables(audio, rate, &contacts);
        let seconds = audio.len() as f32 / rate as f32;
        let (got, want) = line_syllables(&heard, asked, &contacts, seconds);
        self.clips += 1;
        self.within_one += usize::from(got.abs_diff(want) <= 1);
        self.exact += usize::from(got == want);
        self.asked += want;
        self.heard += got;
        if let Some((lag, r)) = report.lip_lag {
            self.lags.push(lag);
            self.correlations.push(r);
        }
    }

    /// One line: the rows in percent and ms.
    pub fn summary(&self) -> String {
        let median = |v: &[f32]| {
            let mut v = v.to_vec();
            v.sort_by(f32::total_cmp);
            v.get(v.len() / 2).copied().unwrap_or(f32::NAN)
        };
        let abs: Vec<f32> = self.lags.iter().map(|l| l.abs()).collect();
        let pct = |a: usize| 100.0 * a as f32 / self.clips.max(1) as f32;
        format!(
            "clips {} | syllables within ±1 {:.1}% (exact {:.1}%; heard {} of {} asked) | \
             lip lag found in {} clips, median |lag| {:.0} ms (signed {:.0}), median \
             correlation {:.2}",
            self.clips,
            pct(self.within_one),
            pct(self.exact),
            self.heard,
            self.asked,
            self.lags.len(),
            median(&abs),
            median(&self.lags),
            median(&self.correlations),
        )
    }
}
