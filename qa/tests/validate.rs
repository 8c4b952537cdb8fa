//! Validation of the finalize analyzers (issue 17): render world clips, inject one fault at
//! a time, and count per fault type how often the report finds it (a finding of the right
//! kind overlapping the injected frames) and how often the same kind fires on the clean
//! clip. The world is only the test harness: it renders the clips and knows where the
//! faults are; the analyzers see frames and samples.
//!
//! Target per fault: detection ≥ 90% on eligible faulted clips, false alarms ≤ 5% on
//! clean clips. Asserted for the fault types that meet it ([`MEETS_TARGET`]); all of them
//! with `KINORA_QA_STRICT=1`. Run with `--nocapture` to see the table. Thresholds were
//! chosen on seeds 0..20 (checked on development seeds 100..159); the test measures seeds
//! 1000..1100. Clean clips carrying any warning or serious finding are counted too
//! ([`MAX_DIRTY`]).

use kinora_qa::{Audio, Frames, Kind, Report, Severity, analyze};
use kinora_world::clip::{Clip, make_clip};
use kinora_world::faults::{self, Fault};
use kinora_world::render::{Frame, RenderConfig};
use kinora_world::rng::Rng;
use kinora_world::sample::{Split, sample_scene};
use std::collections::BTreeMap;
use std::ops::Range;

/// Clips rendered (each is checked clean and once per eligible fault).
const CLIPS: u64 = 100;
/// First seed (seeds below were used to choose the analyzers' thresholds).
const FIRST_SEED: u64 = 1000;

fn cfg() -> RenderConfig {
    RenderConfig {
        width: 64,
        height: 64,
        fps: 12,
        duration: 3.0,
        sample_rate: 24_000,
    }
}

/// Fault types whose analyzers meet the target (≥ 90% detected, ≤ 5% false alarms) on the
/// held-out seeds; they are asserted. The others are measured and printed, and asserted
/// only with `KINORA_QA_STRICT=1`, until their analyzers reach the target (issue 17).
const MEETS_TARGET: [Injected; 7] = [
    Injected::Cut,
    Injected::DuplicatedFrame,
    Injected::Flicker,
    Injected::RegionalFlicker,
    Injected::Click,
    Injected::Dropout,
    Injected::Stutter,
];

/// Largest share of clean clips allowed to carry a warning or serious finding of any kind
/// (measured 24% on seeds 1000..1100, mostly AV offsets and object pop-ins; a regression
/// guard, not yet the "large majority clean" the issue wants).
const MAX_DIRTY: f32 = 0.3;

/// Faults the validation injects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Injected {
    Cut,
    DroppedFrames,
    DuplicatedFrame,
    ObjectDeleted,
    Flicker,
    RegionalFlicker,
    NoisePatch,
    BoundarySmear,
    AudioShift,
    Click,
    Dropout,
    Stutter,
}

const ALL: [Injected; 12] = [
    Injected::Cut,
    Injected::DroppedFrames,
    Injected::DuplicatedFrame,
    Injected::ObjectDeleted,
    Injected::Flicker,
    Injected::RegionalFlicker,
    Injected::NoisePatch,
    Injected::BoundarySmear,
    Injected::AudioShift,
    Injected::Click,
    Injected::Dropout,
    Injected::Stutter,
];

impl Injected {
    /// The finding kinds that count as catching this fault.
    fn kinds(self) -> &'static [Kind] {
        match self {
            Injected::Cut => &[Kind::Jump],
            Injected::DroppedFrames => &[Kind::DroppedFrames],
            Injected::DuplicatedFrame => &[Kind::DuplicatedFrame],
            Injected::ObjectDeleted => &[Kind::ObjectVanished],
            Injected::Flicker | Injected::RegionalFlicker => &[Kind::Flicker],
            Injected::NoisePatch => &[Kind::NoisePatch],
            Injected::BoundarySmear => &[Kind::BoundarySmear],
            Injected::AudioShift => &[Kind::AvOffset],
            Injected::Click => &[Kind::AudioClick],
            Injected::Dropout => &[Kind::AudioDropout],
            Injected::Stutter => &[Kind::AudioStutter],
        }
    }
}

fn report(frames: &[Frame], audio: &[f32], cfg: &RenderConfig) -> Report {
    let f = Frames {
        width: cfg.width as usize,
        height: cfg.height as usize,
        fps: cfg.fps as f32,
        rgb: frames.iter().map(|f| f.rgb.as_slice()).collect(),
    };
    let a = Audio {
        sample_rate: cfg.sample_rate,
        samples: audio,
    };
    analyze(&f, Some(&a)).expect("valid clip")
}

fn luma_diff(a: &Frame, b: &Frame) -> f32 {
    a.rgb
        .iter()
        .zip(&b.rgb)
        .map(|(x, y)| (*x as f32 - *y as f32).abs())
        .sum::<f32>()
        / a.rgb.len() as f32
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|v| v * v).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

/// A sample position in the middle of the clip with clearly audible sound on both sides
/// of `span` samples (so that a dropout or stutter there is audible at all).
fn audible_spot(audio: &[f32], sr: usize, span: usize, rng: &mut Rng) -> Option<usize> {
    let ten = sr / 100;
    for _ in 0..200 {
        let p = sr / 4 + rng.index(audio.len() - sr / 2 - span);
        if rms(&audio[p - ten..p]) > 0.04
            && rms(&audio[p + span..p + span + ten]) > 0.04
            && rms(&audio[p..p + span]) > 0.04
        {
            return Some(p);
        }
    }
    None
}

/// Inject `fault` into a clean clip: the faulted frames + audio and the frames the fault
/// touches, or `None` when the fault cannot be observed in this clip.
fn inject(
    fault: Injected,
    clean: &Clip,
    seed: u64,
    cfg: &RenderConfig,
) -> Option<(Vec<Frame>, Vec<f32>, Range<usize>)> {
    let scene = sample_scene(seed, Split::Any);
    let mut rng = Rng::new(seed).fork(0xFA17 + fault as u64);
    let n = clean.frames.len();
    let (w, h) = (cfg.width as usize, cfg.height as usize);
    let sr = cfg.sample_rate as usize;
    let spf = sr / cfg.fps as usize;
    let mut frames = clean.frames.clone();
    let mut audio = clean.audio.clone();
    let k = n / 4 + rng.index(n / 2);
    let moving = |t: usize| luma_diff(&clean.frames[t], &clean.frames[t - 1]) > 0.4;
    let range = match fault {
        Injected::Cut => {
            let other = make_clip(&sample_scene(seed + 50_000, Split::Any), seed + 50_000, cfg);
            frames[k..].clone_from_slice(&other.frames[k..]);
            k..k + 1
        }
        Injected::DroppedFrames => {
            if !(moving(k) && moving(k + 1) && moving(k + 2)) {
                return None;
            }
            frames.drain(k..k + 2);
            audio.truncate(frames.len() * spf);
            k - 1..k + 1
        }
        Injected::DuplicatedFrame => {
            if !(moving(k) && moving(k + 1)) {
                return None;
            }
            frames[k] = frames[k - 1].clone();
            k..k + 1
        }
        Injected::ObjectDeleted => {
            if !faults::eligible(Fault::ObjectDeletion, &scene, seed, cfg, clean) {
                return None;
            }
            let bad = faults::inject(Fault::ObjectDeletion, clean, &scene, seed, cfg);
            frames = bad.frames;
            faults::deletion_frames(cfg)
        }
        Injected::Flicker => {
            let bad = faults::inject(Fault::Flicker, clean, &scene, seed, cfg);
            frames = bad.frames;
            n / 3..n / 3 + 4
        }
        Injected::RegionalFlicker => {
            let (qx, qy) = (rng.index(2) * w / 2, rng.index(2) * h / 2);
            let up = rng.chance(0.5);
            for y in qy..qy + h / 2 {
                for x in qx..qx + w / 2 {
                    for c in 0..3 {
                        let v = &mut frames[k].rgb[(y * w + x) * 3 + c];
                        *v = if up {
                            v.saturating_add(20)
                        } else {
                            v.saturating_sub(20)
                        };
                    }
                }
            }
            k..k + 1
        }
        Injected::NoisePatch => {
            let (px, py) = (rng.index(w - 14) + 1, rng.index(h - 14) + 1);
            for f in &mut frames[k..k + 3] {
                for y in py..py + 12 {
                    for x in px..px + 12 {
                        let d = rng.range(-50.0, 50.0);
                        for c in 0..3 {
                            let v = &mut f.rgb[(y * w + x) * 3 + c];
                            *v = (*v as f32 + d).clamp(0.0, 255.0) as u8;
                        }
                    }
                }
            }
            k..k + 3
        }
        Injected::BoundarySmear => {
            let edge = rng.index(4);
            let band = w.min(h) / 10;
            for f in &mut frames[k..k + 4] {
                let src = f.clone();
                for y in 0..h {
                    for x in 0..w {
                        let (sx, sy) = match edge {
                            0 if y < band => (x, band),
                            1 if y + band >= h => (x, h - 1 - band),
                            2 if x < band => (band, y),
                            3 if x + band >= w => (w - 1 - band, y),
                            _ => continue,
                        };
                        for c in 0..3 {
                            f.rgb[(y * w + x) * 3 + c] = src.rgb[(sy * w + sx) * 3 + c];
                        }
                    }
                }
            }
            // Only a smear that visibly changes the band can be seen.
            let changed = luma_diff(&frames[k], &clean.frames[k]) * (w.min(h) as f32) / band as f32;
            if changed < 2.0 {
                return None;
            }
            k..k + 4
        }
        Injected::AudioShift => {
            if !faults::eligible(Fault::AudioShift, &scene, seed, cfg, clean) {
                return None;
            }
            audio = faults::inject(Fault::AudioShift, clean, &scene, seed, cfg).audio;
            0..n
        }
        Injected::Click => {
            let p = sr / 4 + rng.index(audio.len() - sr / 2);
            let s = if rng.chance(0.5) { 1.0 } else { -1.0 };
            audio[p] = (audio[p] + 0.4 * s).clamp(-1.0, 1.0);
            audio[p + 1] = (audio[p + 1] + 0.2 * s).clamp(-1.0, 1.0);
            p / spf..p / spf + 1
        }
        Injected::Dropout => {
            let len = sr / 25;
            let p = audible_spot(&clean.audio, sr, len, &mut rng)?;
            audio[p..p + len].fill(0.0);
            p / spf..(p + len) / spf + 1
        }
        Injected::Stutter => {
            let len = sr * 6 / 100;
            let p = audible_spot(&clean.audio, sr, len, &mut rng)?;
            let chunk = audio[p..p + len].to_vec();
            audio.splice(p + len..p + len, chunk);
            audio.truncate(clean.audio.len());
            p / spf..(p + 2 * len) / spf + 1
        }
    };
    Some((frames, audio, range))
}

fn caught(r: &Report, fault: Injected, range: &Range<usize>) -> bool {
    r.findings.iter().any(|f| {
        fault.kinds().contains(&f.kind)
            && f.frames.start < range.end + 1
            && range.start < f.frames.end + 1
    })
}

fn false_alarm(r: &Report, fault: Injected) -> bool {
    r.findings.iter().any(|f| fault.kinds().contains(&f.kind))
}

#[derive(Default, Debug)]
struct Tally {
    injected: usize,
    detected: usize,
    clean: usize,
    false_alarms: usize,
}

/// Checks one seed; returns the kinds of warning or serious findings on the clean clip.
fn run_seed(seed: u64, cfg: &RenderConfig, out: &mut BTreeMap<Injected, Tally>) -> Vec<Kind> {
    let scene = sample_scene(seed, Split::Any);
    let clean = make_clip(&scene, seed, cfg);
    let r = report(&clean.frames, &clean.audio, cfg);
    let debug = std::env::var_os("KINORA_QA_DEBUG").is_some();
    let mut spurious: Vec<Kind> = r
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| f.kind)
        .collect();
    spurious.sort();
    spurious.dedup();
    for fault in ALL {
        let t = out.entry(fault).or_default();
        t.clean += 1;
        if false_alarm(&r, fault) {
            t.false_alarms += 1;
            if debug {
                eprintln!("seed {seed} clean {fault:?}: {:?}", r.findings);
            }
        }
        if let Some((frames, audio, range)) = inject(fault, &clean, seed, cfg) {
            let rb = report(&frames, &audio, cfg);
            t.injected += 1;
            if caught(&rb, fault, &range) {
                t.detected += 1;
            } else if debug {
                eprintln!(
                    "seed {seed} missed {fault:?} at {range:?}: {:?}",
                    rb.findings
                );
            }
        }
    }
    spurious
}

#[test]
fn analyzers_catch_injected_faults_without_false_alarms() {
    let cfg = cfg();
    let first = std::env::var("KINORA_QA_FIRST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(FIRST_SEED);
    let clips = std::env::var("KINORA_QA_CLIPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(CLIPS);
    let strict = std::env::var_os("KINORA_QA_STRICT").is_some();
    let started = std::time::Instant::now();
    let next = std::sync::atomic::AtomicU64::new(first);
    type Part = (BTreeMap<Injected, Tally>, BTreeMap<Kind, usize>, usize);
    let parts: Vec<Part> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..2)
            .map(|_| {
                s.spawn(|| {
                    let mut acc = BTreeMap::new();
                    let (mut kinds, mut dirty) = (BTreeMap::new(), 0);
                    loop {
                        let seed = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        if seed >= first + clips {
                            return (acc, kinds, dirty);
                        }
                        let spurious = run_seed(seed, &cfg, &mut acc);
                        dirty += usize::from(!spurious.is_empty());
                        for k in spurious {
                            *kinds.entry(k).or_insert(0) += 1;
                        }
                    }
                })
            })
            .collect();
        hs.into_iter().map(|h| h.join().expect("worker")).collect()
    });
    let mut total: BTreeMap<Injected, Tally> = BTreeMap::new();
    let (mut kinds, mut dirty): (BTreeMap<Kind, usize>, usize) = (BTreeMap::new(), 0);
    for (p, ks, d) in parts {
        dirty += d;
        for (k, v) in ks {
            *kinds.entry(k).or_insert(0) += v;
        }
        for (k, v) in p {
            let e = total.entry(k).or_default();
            e.injected += v.injected;
            e.detected += v.detected;
            e.clean += v.clean;
            e.false_alarms += v.false_alarms;
        }
    }
    println!(
        "{clips} clips ({}×{}, {} fps, {} s), seeds {first}.., {:.1} s",
        cfg.width,
        cfg.height,
        cfg.fps,
        cfg.duration,
        started.elapsed().as_secs_f32()
    );
    println!("fault              detected / eligible   false alarms / clean");
    let mut failures = Vec::new();
    for (k, t) in &total {
        let det = t.detected as f32 / t.injected.max(1) as f32;
        let fa = t.false_alarms as f32 / t.clean.max(1) as f32;
        println!(
            "{:<18} {:>3}/{:<3} {:>5.1}%      {:>3}/{:<3} {:>5.1}%",
            format!("{k:?}"),
            t.detected,
            t.injected,
            100.0 * det,
            t.false_alarms,
            t.clean,
            100.0 * fa
        );
        let below = t.injected < 10 || det < 0.9 || fa > 0.05;
        if below && (strict || MEETS_TARGET.contains(k)) {
            failures.push(format!("{k:?}: {t:?}"));
        } else if below {
            println!("  ^ below the issue-17 target (not yet asserted; KINORA_QA_STRICT=1 does)");
        }
    }
    let dirty_rate = dirty as f32 / clips as f32;
    println!(
        "clean clips with a warning or serious finding: {dirty}/{clips} ({:.1}%), by kind {kinds:?}",
        100.0 * dirty_rate
    );
    if dirty_rate > MAX_DIRTY {
        failures.push(format!(
            "{dirty}/{clips} clean clips have warning or serious findings ({kinds:?})"
        ));
    }
    assert!(failures.is_empty(), "below target: {failures:#?}");
}

/// Threshold tuning aid (not a check): `KINORA_QA_PROBE=click cargo test --release -p
/// kinora-qa --test validate probe -- --ignored --nocapture` prints, per seed, the
/// analyzer's score on the clean clip (largest) and at the injected fault. Run it on the
/// tuning seeds (`KINORA_QA_FIRST=0 KINORA_QA_CLIPS=21`), never on the measured ones.
#[test]
#[ignore]
fn probe() {
    let cfg = cfg();
    let first: u64 = std::env::var("KINORA_QA_FIRST")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let clips: u64 = std::env::var("KINORA_QA_CLIPS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(21);
    let what = std::env::var("KINORA_QA_PROBE").unwrap_or_default();
    let spf = cfg.sample_rate as f32 / cfg.fps as f32;
    for seed in first..first + clips {
        let scene = sample_scene(seed, Split::Any);
        let clean = make_clip(&scene, seed, &cfg);
        fn audio(s: &[f32]) -> Audio<'_> {
            Audio {
                sample_rate: 24_000,
                samples: s,
            }
        }
        match what.as_str() {
            "click" => {
                let worst = |s: &[f32]| {
                    kinora_qa::clicks::candidates(&audio(s))
                        .into_iter()
                        .max_by(|a, b| a.2.total_cmp(&b.2))
                };
                let c = worst(&clean.audio);
                let (_, bad, r) = inject(Injected::Click, &clean, seed, &cfg).unwrap();
                let t0 = r.start as f32 * spf / cfg.sample_rate as f32;
                let at = kinora_qa::clicks::candidates(&audio(&bad))
                    .into_iter()
                    .filter(|c| c.0 >= t0 - 0.01 && c.0 <= t0 + 0.1)
                    .max_by(|a, b| a.2.total_cmp(&b.2));
                println!(
                    "seed {seed} {:?} clean {c:?} injected {at:?}",
                    scene.ambient
                );
            }
            "drop" => {
                let Some((bad, _, r)) = inject(Injected::DroppedFrames, &clean, seed, &cfg) else {
                    continue;
                };
                let d = |fr: &[Frame]| {
                    let f = Frames {
                        width: 64,
                        height: 64,
                        fps: 12.0,
                        rgb: fr.iter().map(|f| f.rgb.as_slice()).collect(),
                    };
                    kinora_qa::luma::Lumas::of(&f).diff
                };
                let (dc, db) = (d(&clean.frames), d(&bad));
                let lo = r.start.saturating_sub(4);
                let fmt = |v: &[f32]| {
                    v.iter()
                        .map(|x| format!("{x:.1}"))
                        .collect::<Vec<_>>()
                        .join(" ")
                };
                let score = |d: &[f32], t: usize| d[t] / d[t - 1].max(d[t + 1]).max(0.3);
                let cmax = (2..dc.len() - 1)
                    .map(|t| (score(&dc, t), t))
                    .max_by(|a, b| a.0.total_cmp(&b.0))
                    .unwrap();
                println!(
                    "SCORE seed {seed} clean {cmax:?} bad {}",
                    score(&db, r.start + 1)
                );
                println!("FULL {seed} {} | {} | {}", r.start + 1, fmt(&dc), fmt(&db));
                println!(
                    "seed {seed} {:?} at {r:?}\n  clean {}\n  bad   {}",
                    scene.camera,
                    fmt(&dc[lo..(r.end + 6).min(dc.len())]),
                    fmt(&db[lo..(r.end + 4).min(db.len())])
                );
            }
            "stutter" => {
                let Some((_, bad, r)) = inject(Injected::Stutter, &clean, seed, &cfg) else {
                    continue;
                };
                let bytes: Vec<u8> = bad.iter().flat_map(|v| v.to_le_bytes()).collect();
                std::fs::write(format!("/tmp/stut{seed}.bin"), bytes).unwrap();
                let ev = kinora_qa::stutter::analyze(&audio(&bad));
                let ev: Vec<_> = ev.iter().map(|e| (e.start, e.end)).collect();
                println!(
                    "seed {seed} {:?} at {:.3}.. found {ev:?}",
                    scene.ambient,
                    r.start as f32 / 12.0
                );
                let sr = 24_000usize;
                let mut rng = Rng::new(seed).fork(0xFA17 + Injected::Stutter as u64);
                let n = clean.frames.len();
                let _k = n / 4 + rng.index(n / 2);
                let p = audible_spot(&clean.audio, sr, sr * 6 / 100, &mut rng).unwrap();
                println!("  p = {p} ({:.3} s)", p as f32 / sr as f32);
            }
            "dump" => {
                let t: f32 = std::env::var("KINORA_QA_T").unwrap().parse().unwrap();
                let n = (t * cfg.sample_rate as f32) as usize;
                println!("{:?}", &clean.audio[n - 40..n + 80]);
            }
            _ => panic!("KINORA_QA_PROBE=click"),
        }
    }
}
