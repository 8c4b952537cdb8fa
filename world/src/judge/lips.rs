//! Lip sync: how open the character's mouth is in each frame (dark pixels in the upper part
//! of a tall blob) against the loudness envelope of the soundtrack, and the audio lag that
//! best aligns them.

use super::track::Track;
use crate::render::Frame;
use crate::scene::Kind;

/// Mouth openness per frame of the first character track: the count of dark pixels in the
/// head part (top 45 %) of its box, among foreground pixels. None without a character.
pub fn mouth_signal(
    frames: &[Frame],
    masks: &[Vec<bool>],
    tracks: &[Track],
) -> Option<Vec<Option<f32>>> {
    let t = tracks.iter().find(|t| t.kind == Kind::Character)?;
    let w = frames[0].width as usize;
    let sig = frames
        .iter()
        .zip(masks)
        .zip(&t.bboxes)
        .map(|((f, m), b)| {
            let b = (*b)?;
            if b.4 {
                return None;
            }
            let (x0, y0, x1, y1) = (b.0, b.1, b.2, b.3);
            let head_bottom = y0 + (y1 - y0) * 45 / 100;
            let mut dark = 0usize;
            for y in y0..=head_bottom {
                for x in x0..=x1 {
                    let i = y * w + x;
                    let p = &f.rgb[i * 3..i * 3 + 3];
                    let luma = 0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32;
                    // The mouth is dark red; pupils are dark too but do not change size.
                    if m[i] && luma < 60.0 && p[0] as f32 > 1.6 * p[1] as f32 {
                        dark += 1;
                    }
                }
            }
            Some(dark as f32)
        })
        .collect();
    Some(sig)
}

/// The lag (ms, audio later = positive) within ±120 ms (under half a syllable period, so
/// the neighbouring syllable cannot win) that maximizes the correlation
/// between mouth openness and the audio envelope (10-ms RMS, impact tails masked), with its
/// correlation. None when there is too little signal.
pub fn lip_lag(
    mouth: &[Option<f32>],
    fps: u32,
    audio: &[f32],
    sr: u32,
    impacts: &[f32],
) -> Option<(f32, f32)> {
    let hop = (sr / 100) as usize;
    let env: Vec<Option<f32>> = audio
        .chunks(hop)
        .enumerate()
        .map(|(j, c)| {
            let t = j as f32 / 100.0;
            if impacts.iter().any(|&i| t + 0.01 > i && t < i + 0.3) {
                None
            } else {
                Some((c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32).sqrt())
            }
        })
        .collect();
    let seen: Vec<f32> = mouth.iter().flatten().copied().collect();
    if seen.len() < 8
        || seen.iter().copied().fold(0.0, f32::max) - seen.iter().copied().fold(f32::MAX, f32::min)
            < 2.0
    {
        return None;
    }
    let corr = |lag_ms: i32| -> Option<f32> {
        let mut pairs = Vec::new();
        for (k, m) in mouth.iter().enumerate() {
            let Some(m) = m else { continue };
            let j = (k as f32 / fps as f32 * 100.0).round() as i64 + (lag_ms / 10) as i64;
            if let Some(Some(e)) = usize::try_from(j).ok().and_then(|j| env.get(j)) {
                pairs.push((*m, *e));
            }
        }
        if pairs.len() < 8 {
            return None;
        }
        let n = pairs.len() as f32;
        let (ma, mb) = (
            pairs.iter().map(|p| p.0).sum::<f32>() / n,
            pairs.iter().map(|p| p.1).sum::<f32>() / n,
        );
        let cov: f32 = pairs.iter().map(|p| (p.0 - ma) * (p.1 - mb)).sum();
        let va: f32 = pairs.iter().map(|p| (p.0 - ma).powi(2)).sum();
        let vb: f32 = pairs.iter().map(|p| (p.1 - mb).powi(2)).sum();
        if va <= 0.0 || vb <= 0.0 {
            None
        } else {
            Some(cov / (va * vb).sqrt())
        }
    };
    let mut best: Option<(f32, f32)> = None;
    for lag in (-120..=120).step_by(10) {
        if let Some(c) = corr(lag)
            && best.is_none_or(|b| c > b.1)
        {
            best = Some((lag as f32, c));
        }
    }
    best.filter(|b| b.1 > 0.3)
}
