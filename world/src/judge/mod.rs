//! The judge: from frames and audio only (never from the scene), estimate objects (class,
//! colour, track, motion, contacts), camera motion, flicker, dropped frames, persistence,
//! audio–visual sync of impacts and the ambient class; then score prompt adherence.

pub mod audio;
pub mod flow;
pub mod lips;
pub mod report;
pub mod segment;
pub mod track;

use crate::render::Frame;
pub use report::Report;

/// Smallest blob (pixels) worth tracking at a given frame size.
pub fn min_area(w: usize, h: usize) -> usize {
    (w * h / 330).max(12)
}

/// Judge one clip.
pub fn judge(frames: &[Frame], fps: u32, audio_in: &[f32], sample_rate: u32) -> Report {
    let (w, h) = (frames[0].width as usize, frames[0].height as usize);
    let lumas: Vec<flow::Luma> = frames.iter().map(flow::Luma::of).collect();
    let cam = flow::estimate(&lumas, fps);
    let seg = segment::segment(frames, &cam, fps);
    let ma = min_area(w, h);
    let blobs: Vec<Vec<segment::Blob>> = frames
        .iter()
        .zip(&seg.mask)
        .map(|(f, m)| segment::blobs(f, m, ma))
        .collect();
    let objects = track::build_tracks(&blobs, &cam, w, h, fps, ma);
    let flicker = flicker(frames, &seg);
    let dropped_frames = dropped(&lumas);
    let audio_onsets = audio::onsets(audio_in, sample_rate);
    let mut visual: Vec<f32> = objects
        .iter()
        .flat_map(|o| o.contacts.iter().copied())
        .collect();
    visual.sort_by(f32::total_cmp);
    visual.dedup_by(|a, b| (*a - *b).abs() < 0.06);
    let av_pairs: Vec<(f32, f32)> = visual
        .iter()
        .filter_map(|&v| {
            audio_onsets
                .iter()
                .map(|&a| a - v)
                .filter(|d| d.abs() < 0.15)
                .min_by(|a, b| a.abs().total_cmp(&b.abs()))
                .map(|d| (v, d * 1000.0))
        })
        .collect();
    let av_offset_ms = if av_pairs.is_empty() {
        None
    } else {
        let mut d: Vec<f32> = av_pairs.iter().map(|p| p.1).collect();
        d.sort_by(f32::total_cmp);
        Some(d[d.len() / 2])
    };
    let ambient_features = audio::ambient_features(audio_in, sample_rate, &audio_onsets);
    let ambient = audio::classify_ambient(&ambient_features);
    // Thuds are masked at the contacts the picture shows: audio onsets would mask the
    // speech itself (a consonant's burst is one).
    let lip_lag = lips::mouth_signal(frames, &seg.mask, &objects)
        .and_then(|m| lips::lip_lag(&m, fps, audio_in, sample_rate, &visual));
    Report {
        camera: cam,
        objects,
        flicker,
        dropped_frames,
        audio_onsets,
        av_pairs,
        av_offset_ms,
        ambient,
        ambient_features,
        lip_lag,
    }
}

/// Largest |median(frame − background)| over a 4×4 grid of regions and all frames, using
/// background pixels only. A clean render tracks its temporal median closely everywhere;
/// flicker makes whole regions jump.
fn flicker(frames: &[Frame], seg: &segment::Segmentation) -> f32 {
    let (w, h) = (frames[0].width as usize, frames[0].height as usize);
    let mut worst = 0.0f32;
    for (t, f) in frames.iter().enumerate() {
        for gy in 0..4 {
            for gx in 0..4 {
                let mut d = Vec::new();
                for y in gy * h / 4..(gy + 1) * h / 4 {
                    for x in gx * w / 4..(gx + 1) * w / 4 {
                        let i = y * w + x;
                        if seg.mask[t][i] || !seg.known[t][i] {
                            continue;
                        }
                        let b = seg.background[t][i];
                        let p = &f.rgb[i * 3..i * 3 + 3];
                        d.push(
                            (p[0] as f32 + p[1] as f32 + p[2] as f32 - b[0] - b[1] - b[2]) / 3.0,
                        );
                    }
                }
                if d.len() * 4 < (w / 4) * (h / 4) {
                    continue;
                }
                let mid = d.len() / 2;
                d.select_nth_unstable_by(mid, f32::total_cmp);
                worst = worst.max(d[mid].abs());
            }
        }
    }
    worst
}

/// Frames identical to their predecessor while both neighbouring frame pairs change: a
/// stalled or dropped frame. (A scene that is genuinely still changes nowhere, so it is not
/// flagged.)
fn dropped(lumas: &[flow::Luma]) -> Vec<usize> {
    let diff = |a: &flow::Luma, b: &flow::Luma| {
        a.v.iter()
            .zip(&b.v)
            .map(|(x, y)| (x - y).abs())
            .sum::<f32>()
            / a.v.len() as f32
    };
    let d: Vec<f32> = lumas.windows(2).map(|p| diff(&p[0], &p[1])).collect();
    (1..d.len())
        .filter(|&i| d[i] < 0.01 && d[i - 1] > 0.05 && d.get(i + 1).is_none_or(|&n| n > 0.05))
        .map(|i| i + 1)
        .collect()
}
