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

/// Hop of the voicing envelope (s).
const VOICE_HOP: f32 = 0.01;
/// Seconds after a contact in which no speech is judged (a thud's decay).
pub const IMPACT_MASK: f32 = 0.2;

/// Syllables heard in a soundtrack: runs of voiced frames. Speech is counted from the
/// audio alone: the 10-ms envelope of the 250–3000 Hz band (vowel formants), against
/// the bed's own level around it (the 20th percentile within ±0.3 s), frames at least
/// 2.5× above that and above a tenth of the loudest frame are voiced; runs at least 50
/// ms long, split by dips of at least 30 ms, are syllables. The [`IMPACT_MASK`] after each
/// `impacts` time (the contacts the picture shows) is left out: a thud is loud in the same
/// band. (Audio onsets would not do: a consonant's burst is one.)
pub fn syllables(audio: &[f32], sr: u32, impacts: &[f32]) -> Vec<(f32, f32)> {
    let sr_f = sr as f32;
    // Band-pass as the difference of two one-pole low-passes.
    let coef = |hz: f32| 1.0 - (-std::f32::consts::TAU * hz / sr_f).exp();
    let (a_hi, a_lo) = (coef(3000.0), coef(250.0));
    let (mut hi, mut lo) = (0.0f32, 0.0f32);
    let band: Vec<f32> = audio
        .iter()
        .map(|&x| {
            hi += a_hi * (x - hi);
            lo += a_lo * (x - lo);
            hi - lo
        })
        .collect();
    let hop = (VOICE_HOP * sr_f) as usize;
    let masked = |j: usize| {
        let t = j as f32 * VOICE_HOP;
        impacts
            .iter()
            .any(|&i| t + VOICE_HOP > i && t < i + IMPACT_MASK)
    };
    let env: Vec<f32> = band
        .chunks(hop)
        .map(|c| (c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    let loudest = env
        .iter()
        .enumerate()
        .filter(|(j, _)| !masked(*j))
        .map(|(_, e)| *e)
        .fold(0.0, f32::max);
    let reach = (0.3 / VOICE_HOP) as usize;
    let voiced: Vec<bool> = (0..env.len())
        .map(|j| {
            if masked(j) {
                return false;
            }
            let mut around: Vec<f32> =
                env[j.saturating_sub(reach)..(j + reach + 1).min(env.len())].to_vec();
            around.sort_by(f32::total_cmp);
            let floor = around[around.len() / 5];
            env[j] > 2.5 * floor && env[j] > 0.1 * loudest && env[j] > 1e-4
        })
        .collect();
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for (j, v) in voiced.iter().enumerate() {
        if !v {
            continue;
        }
        match runs.last_mut() {
            // A dip shorter than 30 ms does not split a syllable.
            Some(last) if j - last.1 <= 3 => last.1 = j,
            _ => runs.push((j, j)),
        }
    }
    runs.into_iter()
        .filter(|(a, b)| b + 1 - a >= 5)
        .map(|(a, b)| (a as f32 * VOICE_HOP, (b + 1) as f32 * VOICE_HOP))
        .collect()
}

/// A line's syllables as heard against those asked: (heard, asked). Asked are the
/// nuclei (start, end in s) that end within `seconds` and clear of every impact's mask
/// (the judge cannot hear a vowel under a thud); heard are the runs of [`syllables`]
/// centred within the line's span (from 0.1 s before its first vowel to 0.3 s after its
/// last), so the bed's own notes before or after it do not count.
pub fn line_syllables(
    heard: &[(f32, f32)],
    asked: &[(f32, f32)],
    impacts: &[f32],
    seconds: f32,
) -> (usize, usize) {
    let clear = |a: f32, b: f32| !impacts.iter().any(|&i| b > i && a < i + IMPACT_MASK);
    let asked_count = asked
        .iter()
        .filter(|(a, b)| *b <= seconds && clear(*a, *b))
        .count();
    let (Some(first), Some(last)) = (asked.first(), asked.last()) else {
        return (heard.len(), 0);
    };
    let (from, to) = (first.0 - 0.1, last.1 + 0.3);
    let heard_count = heard
        .iter()
        .filter(|(a, b)| {
            let mid = (a + b) / 2.0;
            mid >= from && mid <= to && clear(mid, mid)
        })
        .count();
    (heard_count, asked_count)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::audio::synth;
    use crate::physics::Plan;
    use crate::render::RenderConfig;
    use crate::sample::{Split, sample_scene};

    /// The counter on the world's own speech, over every bed: the syllables it hears
    /// are the line's (±1 on ≥ 90% of clips, exact on most) and start within 40 ms of the
    /// vowels.
    #[test]
    fn syllables_heard_are_the_lines() {
        let cfg = RenderConfig::default();
        let (mut clips, mut within_one, mut exact) = (0, 0, 0);
        let mut errors = Vec::new();
        for seed in 0..400u64 {
            let scene = sample_scene(seed, Split::Any);
            let (Some(line), Some(_)) = (&scene.speech, scene.speaker()) else {
                continue;
            };
            let plan = Plan::new(&scene, seed, cfg.duration, 1.0);
            let audio = synth(&scene, &plan, seed, &cfg);
            let impacts: Vec<f32> = plan.contacts.iter().map(|c| c.time).collect();
            let heard = syllables(&audio, cfg.sample_rate, &impacts);
            let truth = crate::speech::schedule(line);
            let asked: Vec<(f32, f32)> = truth.iter().map(|s| (s.start, s.start + s.dur)).collect();
            let (got, want) = line_syllables(&heard, &asked, &impacts, cfg.duration);
            clips += 1;
            let diff = got.abs_diff(want);
            within_one += usize::from(diff <= 1);
            exact += usize::from(diff == 0);
            for s in &truth {
                if let Some(h) = heard
                    .iter()
                    .map(|h| h.0 - s.start)
                    .min_by(|a, b| a.abs().total_cmp(&b.abs()))
                {
                    errors.push(h.abs());
                }
            }
        }
        errors.sort_by(f32::total_cmp);
        let median = errors[errors.len() / 2];
        eprintln!(
            "{clips} clips: ±1 {within_one}, exact {exact}, median onset error {median:.3} s"
        );
        assert!(clips > 40);
        assert!(
            within_one * 10 >= clips * 9,
            "±1 on {within_one} of {clips}"
        );
        assert!(median < 0.04, "median onset error {median}");
    }
}
