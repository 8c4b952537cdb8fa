//! Audio analysis: impact onsets (sharp broadband transients, sample-accurate) and the
//! ambient-bed class from spectral statistics of the frames between impacts.

use crate::scene::Ambient;

/// Ambient classes the judge reports (the key of a chord bed is not estimated).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AmbientLabel {
    /// Silence apart from impacts and speech.
    None,
    /// Guitar chords.
    Guitar,
    /// Piano chords.
    Piano,
    /// Wind.
    Wind,
    /// Rain.
    Rain,
    /// Birdsong.
    Birds,
}

impl AmbientLabel {
    /// The label a scene's ambient should produce.
    pub fn expected(a: Ambient) -> AmbientLabel {
        match a {
            Ambient::None => AmbientLabel::None,
            Ambient::Guitar(_) => AmbientLabel::Guitar,
            Ambient::Piano(_) => AmbientLabel::Piano,
            Ambient::Wind => AmbientLabel::Wind,
            Ambient::Rain => AmbientLabel::Rain,
            Ambient::Birds => AmbientLabel::Birds,
        }
    }
}

/// Impact onsets in seconds: 1-ms blocks of high-passed energy that jump far above the
/// recent level, refined to the first sample of the transient.
pub fn onsets(audio: &[f32], sr: u32) -> Vec<f32> {
    let block = (sr / 1000).max(1) as usize;
    let d: Vec<f32> = (0..audio.len())
        .map(|i| if i == 0 { 0.0 } else { audio[i] - audio[i - 1] })
        .collect();
    let e: Vec<f32> = d
        .chunks(block)
        .map(|c| c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32)
        .collect();
    let max = e.iter().copied().fold(0.0, f32::max);
    let mut out = Vec::new();
    let mut last = -1.0f32;
    for j in 0..e.len() {
        let lo = j.saturating_sub(40);
        let hi = j.saturating_sub(5);
        let base = if hi > lo {
            e[lo..hi].iter().sum::<f32>() / (hi - lo) as f32
        } else {
            0.0
        };
        if e[j] > 25.0 * base + 1e-6 && e[j] > 0.01 * max && e[j] > 4e-3 {
            // Refine: first sample in this or the previous block that reaches 30% of the
            // transient's peak slope.
            let s0 = j.saturating_sub(1) * block;
            let s1 = ((j + 3) * block).min(d.len());
            let peak = d[s0..s1].iter().map(|x| x.abs()).fold(0.0, f32::max);
            let first = (s0..s1)
                .find(|&i| d[i].abs() >= 0.3 * peak)
                .unwrap_or(j * block);
            let t = first as f32 / sr as f32;
            if t - last > 0.08 {
                out.push(t);
                last = t;
            }
        }
    }
    out
}

fn fft(re: &mut [f32], im: &mut [f32]) {
    let n = re.len();
    let mut j = 0;
    for i in 1..n {
        let mut bit = n >> 1;
        while j & bit != 0 {
            j ^= bit;
            bit >>= 1;
        }
        j |= bit;
        if i < j {
            re.swap(i, j);
            im.swap(i, j);
        }
    }
    let mut len = 2;
    while len <= n {
        let ang = -std::f32::consts::TAU / len as f32;
        for s in (0..n).step_by(len) {
            for k in 0..len / 2 {
                let (wr, wi) = ((ang * k as f32).cos(), (ang * k as f32).sin());
                let (a, b) = (s + k, s + k + len / 2);
                let (xr, xi) = (re[b] * wr - im[b] * wi, re[b] * wi + im[b] * wr);
                re[b] = re[a] - xr;
                im[b] = im[a] - xi;
                re[a] += xr;
                im[a] += xi;
            }
        }
        len <<= 1;
    }
}

/// Spectral features of the audio between impacts.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct AmbientFeatures {
    /// Median RMS of analysis frames.
    pub rms: f32,
    /// Median spectral flatness (0 tonal … 1 noise).
    pub flatness: f32,
    /// Median spectral centroid in Hz.
    pub centroid: f32,
    /// Share of energy between 2 and 6 kHz.
    pub mid_high: f32,
    /// Variation of frame RMS (std / mean): intermittent sources score high.
    pub rms_var: f32,
    /// Median share of energy above 2 kHz (brightness of the harmonic bed).
    pub bright: f32,
    /// 90th-percentile frame RMS (intermittent beds such as birds are quiet most frames).
    pub rms_p90: f32,
    /// Median count of sharp spectral peaks in 80–3000 Hz (harmonic beds have many).
    pub peaks: f32,
    /// Autocorrelation of the loudness envelope at a half-second lag (a guitar strums
    /// twice per chord, a piano strikes once per second).
    pub half_second_ac: f32,
}

/// Features from 2048-sample frames that do not overlap an impact tail.
pub fn ambient_features(audio: &[f32], sr: u32, impacts: &[f32]) -> AmbientFeatures {
    let n = 2048usize;
    let hop = 1024usize;
    let srf = sr as f32;
    let mut rms = Vec::new();
    let mut flat = Vec::new();
    let mut cent = Vec::new();
    let mut midh = Vec::new();
    let mut bright = Vec::new();
    let mut peaks = Vec::new();
    let mut s = 0;
    while s + n <= audio.len() {
        let (t0, t1) = (s as f32 / srf, (s + n) as f32 / srf);
        let near_impact = impacts.iter().any(|&t| t1 > t - 0.01 && t0 < t + 0.3);
        if !near_impact {
            let mut re: Vec<f32> = (0..n)
                .map(|i| {
                    audio[s + i] * (0.5 - 0.5 * (std::f32::consts::TAU * i as f32 / n as f32).cos())
                })
                .collect();
            let mut im = vec![0.0; n];
            let r = (audio[s..s + n].iter().map(|x| x * x).sum::<f32>() / n as f32).sqrt();
            fft(&mut re, &mut im);
            let bin = srf / n as f32;
            let (lo, hi) = ((100.0 / bin) as usize, ((8000.0 / bin) as usize).min(n / 2));
            let p: Vec<f32> = (lo..hi)
                .map(|k| re[k] * re[k] + im[k] * im[k] + 1e-12)
                .collect();
            let total: f32 = p.iter().sum();
            let geo = (p.iter().map(|x| x.ln()).sum::<f32>() / p.len() as f32).exp();
            rms.push(r);
            flat.push(geo / (total / p.len() as f32));
            cent.push(
                p.iter()
                    .enumerate()
                    .map(|(k, x)| (lo + k) as f32 * bin * x)
                    .sum::<f32>()
                    / total,
            );
            let band = |a: f32, b: f32| {
                p.iter()
                    .enumerate()
                    .filter(|(k, _)| {
                        let f = (lo + k) as f32 * bin;
                        f >= a && f < b
                    })
                    .map(|(_, x)| *x)
                    .sum::<f32>()
                    / total
            };
            midh.push(band(2000.0, 6000.0));
            let (plo, phi) = ((80.0 / bin) as usize, (3000.0 / bin) as usize);
            let pw = |k: usize| re[k] * re[k] + im[k] * im[k];
            let mut count = 0;
            for k in plo.max(8)..phi {
                let mut nb: Vec<f32> = (k - 8..k + 8).map(pw).collect();
                nb.sort_by(f32::total_cmp);
                if pw(k) > 10.0 * nb[8] && pw(k) >= pw(k - 1) && pw(k) >= pw(k + 1) && pw(k) > 1e-6
                {
                    count += 1;
                }
            }
            peaks.push(count as f32);
            bright.push(band(2000.0, 8000.0));
        }
        s += hop;
    }
    let med = |mut v: Vec<f32>| {
        if v.is_empty() {
            return 0.0;
        }
        v.sort_by(f32::total_cmp);
        v[v.len() / 2]
    };
    let mean = rms.iter().sum::<f32>() / rms.len().max(1) as f32;
    let var = (rms.iter().map(|r| (r - mean).powi(2)).sum::<f32>() / rms.len().max(1) as f32)
        .sqrt()
        / mean.max(1e-6);
    let loud_midh = {
        // Birds are intermittent: look at the loudest frames only.
        let mut idx: Vec<usize> = (0..rms.len()).collect();
        idx.sort_by(|&a, &b| rms[b].total_cmp(&rms[a]));
        let top: Vec<f32> = idx
            .iter()
            .take((idx.len() / 3).max(1))
            .filter_map(|&i| midh.get(i).copied())
            .collect();
        med(top)
    };
    let rms_p90 = {
        let mut v = rms.clone();
        v.sort_by(f32::total_cmp);
        v.get(v.len() * 9 / 10).copied().unwrap_or(0.0)
    };
    AmbientFeatures {
        rms: med(rms),
        flatness: med(flat),
        centroid: med(cent),
        mid_high: loud_midh,
        rms_var: var,
        bright: med(bright),
        rms_p90,
        peaks: med(peaks),
        half_second_ac: envelope_ac(audio, sr, 0.5, impacts),
    }
}

/// Normalized autocorrelation of the 20-ms loudness envelope at `lag_s`, ignoring blocks
/// under an impact's tail.
fn envelope_ac(audio: &[f32], sr: u32, lag_s: f32, impacts: &[f32]) -> f32 {
    let hop = (sr / 50) as usize;
    let env: Vec<f32> = audio
        .chunks(hop)
        .map(|c| (c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32).sqrt())
        .collect();
    let ok: Vec<bool> = (0..env.len())
        .map(|j| {
            let t = j as f32 / 50.0;
            !impacts.iter().any(|&i| t + 0.02 > i - 0.005 && t < i + 0.3)
        })
        .collect();
    let used: Vec<f32> = env
        .iter()
        .zip(&ok)
        .filter(|(_, k)| **k)
        .map(|(x, _)| *x)
        .collect();
    if used.len() < 10 {
        return 0.0;
    }
    let m = used.iter().sum::<f32>() / used.len() as f32;
    let e: Vec<f32> = env.iter().map(|x| x - m).collect();
    let lag = (lag_s * 50.0) as usize;
    let (mut num, mut cnt) = (0.0f32, 0usize);
    for j in 0..e.len().saturating_sub(lag) {
        if ok[j] && ok[j + lag] {
            num += e[j] * e[j + lag];
            cnt += 1;
        }
    }
    let den: f32 = used.iter().map(|x| (x - m).powi(2)).sum::<f32>() / used.len() as f32;
    if cnt < 5 || den <= 0.0 {
        0.0
    } else {
        num / cnt as f32 / den
    }
}

/// Ambient class from features (thresholds set on training seeds, validated on others).
pub fn classify_ambient(f: &AmbientFeatures) -> AmbientLabel {
    if f.rms_p90 < 0.003 {
        AmbientLabel::None
    } else if f.mid_high > 0.5 {
        AmbientLabel::Birds
    } else if f.peaks < 3.0 {
        // Noise beds: rain is bright hiss, wind a low rumble.
        if f.centroid > 1500.0 {
            AmbientLabel::Rain
        } else {
            AmbientLabel::Wind
        }
    } else if f.half_second_ac > 0.2 {
        AmbientLabel::Guitar
    } else {
        AmbientLabel::Piano
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn click_onset_is_sample_accurate() {
        let sr = 24_000;
        let mut a = vec![0.0f32; sr as usize];
        for (k, x) in a[12_000..12_400].iter_mut().enumerate() {
            *x = 0.5 * (-(k as f32) / 100.0).exp() * if k % 2 == 0 { 1.0 } else { -1.0 };
        }
        let o = onsets(&a, sr);
        assert_eq!(o.len(), 1);
        assert!((o[0] - 0.5).abs() < 0.0005, "{o:?}");
    }

    #[test]
    fn fft_finds_a_sine() {
        let n = 256;
        let mut re: Vec<f32> = (0..n)
            .map(|i| (std::f32::consts::TAU * 8.0 * i as f32 / n as f32).sin())
            .collect();
        let mut im = vec![0.0; n];
        fft(&mut re, &mut im);
        let mag: Vec<f32> = (0..n / 2).map(|k| re[k].hypot(im[k])).collect();
        let k = (0..n / 2)
            .max_by(|&a, &b| mag[a].total_cmp(&mag[b]))
            .unwrap_or(0);
        assert_eq!(k, 8);
    }
}
