//! Audio synth, sample-aligned with the frames: impacts at the exact contact sample, an
//! ambient bed (guitar or piano chords in a key, wind, rain, birds) and formant speech.
//!
//! Frame `i` starts at sample `i × sample_rate / fps` (an integer by config validation), so
//! a contact at time t sounds at sample `round(t × sample_rate)` with no drift.

use crate::physics::Plan;
use crate::render::RenderConfig;
use crate::rng::Rng;
use crate::scene::*;
use crate::speech;
use std::f32::consts::{PI, TAU};

/// Synthesize the mono soundtrack of a clip in −1..1.
pub fn synth(scene: &Scene, plan: &Plan, seed: u64, cfg: &RenderConfig) -> Vec<f32> {
    let sr = cfg.sample_rate as f32;
    let n = cfg.samples();
    let mut out = vec![0.0f32; n];
    let mut rng = Rng::new(seed).fork(0xA0D10);
    ambient(scene.ambient, &mut out, sr, &mut rng);
    for c in &plan.contacts {
        let kind = scene.objects[c.object].kind;
        let size = scene.objects[c.object].size.radius() / 0.08;
        impact(
            &mut out,
            sr,
            (c.time * sr).round() as usize,
            kind,
            size,
            c.strength,
            &mut rng,
        );
    }
    if let (Some(line), Some(_)) = (&scene.speech, scene.speaker()) {
        speak(&mut out, sr, &speech::schedule(line), &mut rng);
    }
    for s in &mut out {
        *s = s.clamp(-1.0, 1.0);
    }
    out
}

/// An impact: a noise transient that starts at full level on `start` (so its onset is
/// sharp and measurable) plus damped modes that give each class its timbre.
fn impact(
    out: &mut [f32],
    sr: f32,
    start: usize,
    kind: Kind,
    size: f32,
    strength: f32,
    rng: &mut Rng,
) {
    let (modes, decay): (&[f32], f32) = match kind {
        Kind::Ball | Kind::Character => (&[120.0, 190.0], 0.06),
        Kind::Cube => (&[420.0, 980.0], 0.045),
        Kind::Car => (&[620.0, 1370.0, 2210.0], 0.09),
        Kind::Bird => (&[900.0], 0.03),
    };
    let gain = 0.3 + 0.45 * strength;
    let len = (0.25 * sr) as usize;
    for k in 0..len {
        let Some(o) = out.get_mut(start + k) else {
            break;
        };
        let t = k as f32 / sr;
        let noise = (rng.f32() * 2.0 - 1.0) * (-t / 0.006).exp();
        let mut tone = 0.0;
        for (j, f) in modes.iter().enumerate() {
            tone += (TAU * f / size.sqrt() * t).sin()
                * (-t / (decay / (1.0 + j as f32 * 0.5))).exp()
                / (1.0 + j as f32);
        }
        *o += gain * (0.55 * noise + 0.6 * tone);
    }
}

fn midi_hz(m: f32) -> f32 {
    440.0 * 2f32.powf((m - 69.0) / 12.0)
}

/// I–V–vi–IV in a major key, one chord per second, as MIDI triads plus octave.
fn progression(key: Key) -> [[f32; 4]; 4] {
    let t = key.tonic_midi() as f32;
    [
        [t, t + 4.0, t + 7.0, t + 12.0],
        [t + 7.0, t + 11.0, t + 14.0, t + 19.0],
        [t + 9.0, t + 12.0, t + 16.0, t + 21.0],
        [t + 5.0, t + 9.0, t + 12.0, t + 17.0],
    ]
}

fn ambient(a: Ambient, out: &mut [f32], sr: f32, rng: &mut Rng) {
    let n = out.len();
    match a {
        Ambient::None => {}
        Ambient::Guitar(key) | Ambient::Piano(key) => {
            let guitar = matches!(a, Ambient::Guitar(_));
            let chords = progression(key);
            // One chord per second; the guitar strums it twice (every half second, notes
            // 15 ms apart), the piano strikes it once with all notes together.
            let strums = if guitar { 2 } else { 1 };
            let mut beat = 0;
            while (beat as f32 / strums as f32) * sr < n as f32 {
                let chord = chords[(beat / strums) % 4];
                let at = beat as f32 / strums as f32 * sr;
                for (j, m) in chord.iter().enumerate() {
                    let f = midi_hz(*m);
                    if guitar {
                        pluck(out, sr, (at + j as f32 * 0.015 * sr) as usize, f, rng);
                    } else {
                        piano_note(out, sr, at as usize, f);
                    }
                }
                beat += 1;
            }
        }
        Ambient::Wind => {
            let (mut lp, mut lp2) = (0.0f32, 0.0f32);
            let (p1, p2) = (rng.range(0.0, TAU), rng.range(0.0, TAU));
            for (k, o) in out.iter_mut().enumerate() {
                let t = k as f32 / sr;
                lp += 0.03 * (rng.f32() * 2.0 - 1.0 - lp);
                lp2 += 0.05 * (lp - lp2);
                let gust = 0.6 + 0.4 * (TAU * 0.23 * t + p1).sin() * (TAU * 0.41 * t + p2).sin();
                *o += 1.3 * lp2 * gust;
            }
        }
        Ambient::Rain => {
            let mut prev = 0.0f32;
            for o in out.iter_mut() {
                let w = rng.f32() * 2.0 - 1.0;
                *o += 0.035 * (w - prev);
                prev = w;
            }
            // Individual drops: tiny damped clicks, ~150 per second.
            let drops = (n as f32 / sr * 150.0) as usize;
            for _ in 0..drops {
                let s = rng.index(n);
                let f = rng.range(2000.0, 5000.0);
                let g = rng.range(0.01, 0.04);
                for k in 0..(0.004 * sr) as usize {
                    if let Some(o) = out.get_mut(s + k) {
                        let t = k as f32 / sr;
                        *o += g * (TAU * f * t).sin() * (-t / 0.001).exp();
                    }
                }
            }
        }
        Ambient::Birds => {
            let mut t = rng.range(0.05, 0.3);
            while t * sr < n as f32 {
                let f0 = rng.range(2600.0, 3800.0);
                let notes = 2 + rng.index(3);
                for j in 0..notes {
                    let s = ((t + j as f32 * 0.09) * sr) as usize;
                    let len = (0.06 * sr) as usize;
                    let mut ph = 0.0f32;
                    for k in 0..len {
                        let Some(o) = out.get_mut(s + k) else { break };
                        let u = k as f32 / len as f32;
                        ph += TAU * (f0 + 1400.0 * u) / sr;
                        *o += 0.07 * (PI * u).sin().powi(2) * ph.sin();
                    }
                }
                t += rng.range(0.4, 0.9);
            }
        }
    }
}

/// Karplus–Strong plucked string (low-passed noise excitation, averaging feedback).
fn pluck(out: &mut [f32], sr: f32, start: usize, f: f32, rng: &mut Rng) {
    let period = (sr / f).round().max(2.0) as usize;
    let mut buf: Vec<f32> = Vec::with_capacity(period);
    let mut lp = 0.0;
    for _ in 0..period {
        lp += 0.5 * (rng.f32() * 2.0 - 1.0 - lp);
        buf.push(lp);
    }
    let len = (1.0 * sr) as usize;
    let mut i = 0;
    for k in 0..len {
        let Some(o) = out.get_mut(start + k) else {
            break;
        };
        let next = buf[(i + 1) % period];
        let v = buf[i];
        *o += 0.09 * v;
        buf[i] = 0.996 * 0.5 * (v + next);
        i = (i + 1) % period;
    }
}

/// Additive piano-like tone: a few partials with a short attack and per-partial decay.
fn piano_note(out: &mut [f32], sr: f32, start: usize, f: f32) {
    let len = (1.0 * sr) as usize;
    for k in 0..len {
        let Some(o) = out.get_mut(start + k) else {
            break;
        };
        let t = k as f32 / sr;
        let attack = (t / 0.006).min(1.0);
        let mut v = 0.0;
        for p in 1..=5 {
            let pf = p as f32;
            v += (TAU * f * pf * (1.0 + 0.0004 * pf * pf) * t).sin() * (-t * (1.5 + pf)).exp()
                / pf.powf(1.3);
        }
        *o += 0.05 * attack * v;
    }
}

/// Formants (Hz) of the five vowels.
fn formants(v: char) -> [f32; 3] {
    match v {
        'a' => [730.0, 1090.0, 2440.0],
        'e' => [530.0, 1840.0, 2480.0],
        'i' => [300.0, 2250.0, 3000.0],
        'o' => [570.0, 840.0, 2410.0],
        _ => [320.0, 870.0, 2240.0],
    }
}

/// Voiced formant speech: a glottal pulse train through three resonators per syllable,
/// preceded by a short noise burst for consonants. Loudness follows the same envelope that
/// opens the mouth.
fn speak(out: &mut [f32], sr: f32, syllables: &[speech::Syllable], rng: &mut Rng) {
    for (idx, s) in syllables.iter().enumerate() {
        if s.onset {
            let b0 = ((s.start - 0.035) * sr).max(0.0) as usize;
            let mut prev = 0.0;
            for k in 0..(0.03 * sr) as usize {
                let Some(o) = out.get_mut(b0 + k) else { break };
                let w = rng.f32() * 2.0 - 1.0;
                *o += 0.06 * (w - prev) * (PI * k as f32 / (0.03 * sr)).sin();
                prev = w;
            }
        }
        let fm = formants(s.vowel);
        let start = (s.start * sr) as usize;
        let len = (s.dur * sr) as usize;
        let f0 = 150.0 * (1.0 + 0.08 * ((idx % 3) as f32 - 1.0));
        let mut res = [[0.0f32; 2]; 3];
        let coef: Vec<(f32, f32, f32)> = fm
            .iter()
            .enumerate()
            .map(|(j, f)| {
                let r = (-PI * (70.0 + 40.0 * j as f32) / sr).exp();
                (2.0 * r * (TAU * f / sr).cos(), -r * r, 1.0 - r)
            })
            .collect();
        let mut phase = 0.0f32;
        for k in 0..len {
            let Some(o) = out.get_mut(start + k) else {
                break;
            };
            let u = k as f32 / len as f32;
            phase += f0 * (1.0 - 0.1 * u) / sr;
            let pulse = if phase >= 1.0 {
                phase -= 1.0;
                1.0
            } else {
                0.0
            };
            let mut y = 0.0;
            for (j, (a1, a2, b0)) in coef.iter().enumerate() {
                let v = b0 * pulse * 40.0 + a1 * res[j][0] + a2 * res[j][1];
                res[j][1] = res[j][0];
                res[j][0] = v;
                y += v / (1.0 + j as f32);
            }
            *o += 0.15 * (PI * u).sin() * y;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{Split, sample_scene};

    fn bounce_scene(ambient: Ambient) -> Scene {
        let mut s = sample_scene(2, Split::Any);
        s.objects = vec![Object {
            kind: Kind::Ball,
            colour: Colour::Red,
            size: Size::Medium,
            motion: Motion::Bounce,
        }];
        s.ambient = ambient;
        s.speech = None;
        s
    }

    #[test]
    fn impact_starts_at_contact_sample() {
        let cfg = RenderConfig::default();
        let s = bounce_scene(Ambient::None);
        let plan = Plan::new(&s, 1, cfg.duration, 1.0);
        let a = synth(&s, &plan, 1, &cfg);
        assert_eq!(a.len(), cfg.samples());
        let c = plan.contacts[0];
        let at = (c.time * cfg.sample_rate as f32).round() as usize;
        assert!(
            a[at - 50..at].iter().all(|x| *x == 0.0),
            "silence before the first contact"
        );
        assert!(
            a[at..at + 10].iter().any(|x| x.abs() > 0.05),
            "loud right at contact"
        );
    }

    #[test]
    fn every_ambient_is_audible_and_bounded() {
        let cfg = RenderConfig::default();
        for amb in [
            Ambient::Guitar(Key::G),
            Ambient::Piano(Key::D),
            Ambient::Wind,
            Ambient::Rain,
            Ambient::Birds,
        ] {
            let mut s = bounce_scene(amb);
            s.objects[0].motion = Motion::Left;
            let plan = Plan::new(&s, 1, cfg.duration, 1.0);
            let a = synth(&s, &plan, 1, &cfg);
            let rms = (a.iter().map(|x| x * x).sum::<f32>() / a.len() as f32).sqrt();
            assert!(rms > 0.005 && rms < 0.3, "{amb:?} rms {rms}");
        }
    }
}
