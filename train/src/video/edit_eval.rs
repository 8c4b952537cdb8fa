//! Judging remix, extend and the planner on held-out compositions.
//!
//! - **Remix**: a generated clip is remixed to another colour of its first object; the
//!   judge must find the new colour, and the object's track must stay where the source's
//!   went (mean centroid distance over the frames where both are seen, in frame heights),
//!   with the same motion label and camera.
//! - **Extend**: a clip is extended step by step to 30 s; every seam's frame difference
//!   must lie within the chain's own range elsewhere, and the finalize report
//!   ([`kinora_qa`]) must find no jump or dropped frames at a seam.
//! - **Plan**: the planner's trajectory of a prompt against the world's own trajectory of
//!   the same scene, both read by the judge's motion classifier in screen space.

use super::eval::percent;
use super::trajectory::world_trajectory;
use anyhow::Result;
use kinora_engine::models::layout::Trajectory;
use kinora_engine::models::pipeline::{GenerateSettings, VideoModel};
use kinora_engine::models::text::WordLookup;
use kinora_qa::luma::Lumas;
use kinora_qa::stats::{median, quantile};
use kinora_world::judge::track::{MotionLabel, Track, analyse_motion};
use kinora_world::rng::mix;
use kinora_world::sample::{Split, sample_scene};
use kinora_world::scene::{Colour, Scene};
use kinora_world::text::describe;
use serde::Serialize;

/// Settings for a clip from a seed.
pub type SettingsFor<'a> = &'a dyn Fn(u64) -> GenerateSettings;

/// Remix results.
#[derive(Debug, Default, Serialize)]
pub struct RemixTable {
    /// Cases.
    pub cases: usize,
    /// The source showed its first object (so there is a track to keep).
    pub source_found: usize,
    /// The remix shows the new colour.
    pub changed: usize,
    /// The old colour is gone from the remix.
    pub old_gone: usize,
    /// Of the cases with both tracks: the motion label is kept.
    pub motion_kept: usize,
    /// Cases with both tracks.
    pub both_tracks: usize,
    /// Mean centroid distance per case with both tracks (frame heights).
    pub distances: Vec<f32>,
    /// The judged camera motion is kept.
    pub camera_kept: usize,
}

/// Remixes `n` held-out clips to another colour at `strength`.
pub fn remix_eval(
    model: &VideoModel,
    words: &dyn WordLookup,
    n: usize,
    seed: u64,
    strength: f32,
    settings: SettingsFor,
) -> Result<RemixTable> {
    let mut table = RemixTable::default();
    for i in 0..n {
        let s = mix(seed ^ i as u64);
        let scene = sample_scene(s, Split::HeldOut);
        let source = model.generate(&describe(&scene, s), &settings(s), words, |_| true)?;
        let old = scene.objects[0].colour;
        let new = other_colour(old, i);
        let mut edited: Scene = scene.clone();
        edited.objects[0].colour = new;
        let remix = model.remix(
            &source,
            &describe(&edited, s),
            strength,
            &settings(s ^ 1),
            words,
            |_| true,
        )?;
        let a = super::eval::judge_frames(&source.frames, source.width, source.fps);
        let b = super::eval::judge_frames(&remix.frames, remix.width, remix.fps);
        table.cases += 1;
        let src = a.objects.iter().find(|t| t.colour == old);
        let got = b.objects.iter().find(|t| t.colour == new);
        table.source_found += usize::from(src.is_some());
        table.changed += usize::from(got.is_some());
        table.old_gone += usize::from(!b.objects.iter().any(|t| t.colour == old));
        table.camera_kept += usize::from(a.camera.motion == b.camera.motion);
        if let (Some(src), Some(got)) = (src, got) {
            table.both_tracks += 1;
            table.motion_kept += usize::from(src.motion == got.motion);
            if let Some(d) = track_distance(src, got, source.height as f32) {
                table.distances.push(d);
            }
        }
        if (i + 1) % 10 == 0 {
            eprintln!("remix {}/{n}", i + 1);
        }
    }
    Ok(table)
}

impl RemixTable {
    /// The table as Markdown rows.
    pub fn print(&self) {
        let distance = or_nan(&self.distances, median);
        println!("| remix (first object's colour changed) | value |\n|---|---|");
        println!("| cases | {} |", self.cases);
        println!(
            "| new colour found | {:.1}% |",
            percent(self.changed, self.cases)
        );
        println!(
            "| old colour gone | {:.1}% |",
            percent(self.old_gone, self.cases)
        );
        println!(
            "| motion label kept (both tracks found: {}) | {:.1}% |",
            self.both_tracks,
            percent(self.motion_kept, self.both_tracks)
        );
        println!("| median track distance (frame heights) | {distance:.3} |");
        println!(
            "| camera kept | {:.1}% |",
            percent(self.camera_kept, self.cases)
        );
    }
}

/// A colour other than `old`, varied by case.
fn other_colour(old: Colour, case: usize) -> Colour {
    let all = Colour::ALL;
    let i = all.iter().position(|c| *c == old).unwrap_or(0);
    all[(i + 1 + case % (all.len() - 1)) % all.len()]
}

/// Mean centroid distance (frame heights) over the frames both tracks saw.
fn track_distance(a: &Track, b: &Track, height: f32) -> Option<f32> {
    let d: Vec<f32> = a
        .positions
        .iter()
        .zip(&b.positions)
        .filter_map(|(p, q)| {
            let (p, q) = ((*p)?, (*q)?);
            Some(((p.0 - q.0).powi(2) + (p.1 - q.1).powi(2)).sqrt() / height)
        })
        .collect();
    (!d.is_empty()).then(|| d.iter().sum::<f32>() / d.len() as f32)
}

/// Extend results.
#[derive(Debug, Default, Serialize)]
pub struct ExtendTable {
    /// Chains.
    pub chains: usize,
    /// Seams.
    pub seams: usize,
    /// Seams whose frame difference is within the chain's own 95th percentile elsewhere.
    pub seams_in_range: usize,
    /// Seams the finalize report flags (jump or dropped frames across the seam).
    pub seams_flagged: usize,
    /// Seam difference ÷ the median difference elsewhere, per seam.
    pub ratios: Vec<f32>,
    /// Clip length reached (s).
    pub seconds: f32,
}

/// Extends `n` held-out clips 2 s at a time to `seconds`, judging every seam.
pub fn extend_eval(
    model: &VideoModel,
    words: &dyn WordLookup,
    n: usize,
    seed: u64,
    seconds: f32,
    settings: SettingsFor,
) -> Result<ExtendTable> {
    let mut table = ExtendTable::default();
    for i in 0..n {
        let s = mix(seed ^ i as u64);
        let scene = sample_scene(s, Split::HeldOut);
        let prompt = describe(&scene, s);
        let mut clip = model.generate(&prompt, &settings(s), words, |_| true)?;
        let mut seams = Vec::new();
        let mut k = 1u64;
        while (clip.frames.len() as f32) < seconds * clip.fps as f32 - 0.5 {
            seams.push(clip.frames.len());
            clip = model.extend(&clip, &prompt, &settings(s ^ k), words, |_| true)?;
            k += 1;
        }
        let frames = super::eval::qa_frames(&clip);
        // diffs[f] is between frames f − 1 and f: a seam at frame f is diffs[f].
        let diffs = Lumas::of(&frames).diff;
        let elsewhere: Vec<f32> = diffs
            .iter()
            .enumerate()
            .skip(1)
            .filter(|(f, _)| !seams.contains(f))
            .map(|(_, d)| *d)
            .collect();
        let p95 = quantile(&elsewhere, 0.95);
        let typical = median(&elsewhere).max(1e-3);
        let report = kinora_qa::analyze(&frames, None)?;
        for &f in &seams {
            let d = diffs[f];
            table.seams += 1;
            table.seams_in_range += usize::from(d <= p95);
            table.ratios.push(d / typical);
            table.seams_flagged += usize::from(report.findings.iter().any(|x| {
                super::eval::is_skip(&x.kind) && x.frames.start <= f && f <= x.frames.end
            }));
        }
        table.chains += 1;
        table.seconds = clip.frames.len() as f32 / clip.fps as f32;
        eprintln!("extend {}/{n}: {} s", i + 1, table.seconds);
    }
    Ok(table)
}

impl ExtendTable {
    /// The table as Markdown rows.
    pub fn print(&self) {
        println!("| extend (2 s steps) | value |\n|---|---|");
        println!(
            "| chains × length | {} × {:.0} s |",
            self.chains, self.seconds
        );
        println!("| seams | {} |", self.seams);
        println!(
            "| seam difference within the chain's own 95th percentile | {:.1}% |",
            percent(self.seams_in_range, self.seams)
        );
        println!(
            "| seams flagged by the finalize report | {:.1}% |",
            percent(self.seams_flagged, self.seams)
        );
        println!(
            "| seam difference ÷ median elsewhere (median, max) | {:.2}, {:.2} |",
            or_nan(&self.ratios, median),
            or_nan(&self.ratios, |r| quantile(r, 1.0))
        );
    }
}

/// A statistic of `v`, NaN when `v` is empty (nothing was measured).
fn or_nan(v: &[f32], stat: impl Fn(&[f32]) -> f32) -> f32 {
    if v.is_empty() { f32::NAN } else { stat(v) }
}

/// Planner results: the label the judge's motion classifier gives the first object's
/// planned path vs the world's own path of the same scene (screen space, visible frames).
#[derive(Debug, Default, Serialize)]
pub struct PlanTable {
    /// Cases.
    pub cases: usize,
    /// Labels agree.
    pub agree: usize,
    /// Static-camera cases.
    pub static_cases: usize,
    /// Static-camera cases whose planned label is the asked motion.
    pub static_right: usize,
}

/// The planner on `n` held-out prompts.
pub fn plan_eval(
    model: &VideoModel,
    words: &dyn WordLookup,
    n: usize,
    seed: u64,
    settings: SettingsFor,
) -> Result<PlanTable> {
    let mut table = PlanTable::default();
    for i in 0..n {
        let s = mix(seed ^ i as u64);
        let scene = sample_scene(s, Split::HeldOut);
        let planned = model.plan_only(&describe(&scene, s), &settings(s), words)?;
        let Some(planned) = planned else {
            anyhow::bail!("this model has no planner");
        };
        let world = world_trajectory(&scene, s, planned.frames, 12);
        let (a, b) = (label(&planned), label(&world));
        table.cases += 1;
        table.agree += usize::from(a == b);
        if scene.camera.motion == kinora_world::scene::CameraMotion::Static {
            table.static_cases += 1;
            table.static_right += usize::from(a == MotionLabel::expected(scene.objects[0].motion));
        }
    }
    Ok(table)
}

fn label(t: &Trajectory) -> MotionLabel {
    let pts: Vec<(f32, f32, f32)> = (0..t.frames)
        .filter_map(|f| {
            let p = t.at(f, 0);
            (p.presence > 0.5).then_some((f as f32 / 12.0, p.x, p.y))
        })
        .collect();
    analyse_motion(&pts, 12).0
}

impl PlanTable {
    /// The table as Markdown rows.
    pub fn print(&self) {
        println!("| planner (first object's path, judge's motion classifier) | value |\n|---|---|");
        println!(
            "| label agrees with the world's path of the scene ({}) | {:.1}% |",
            self.cases,
            percent(self.agree, self.cases)
        );
        println!(
            "| static camera: label is the asked motion ({}) | {:.1}% |",
            self.static_cases,
            percent(self.static_right, self.static_cases)
        );
    }
}
