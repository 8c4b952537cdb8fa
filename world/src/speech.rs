//! Syllable schedule for a spoken line: shared by the audio synth (what is voiced when) and
//! the renderer (the character's mouth opens with each syllable), so lips and voice agree
//! by construction.

/// One voiced syllable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Syllable {
    /// Start of the vowel nucleus in seconds.
    pub start: f32,
    /// Duration of the vowel nucleus in seconds.
    pub dur: f32,
    /// Vowel (a, e, i, o, u) that selects the formants.
    pub vowel: char,
    /// Whether a consonant burst precedes the vowel.
    pub onset: bool,
}

/// Time the line starts.
pub const SPEECH_START: f32 = 0.25;

/// Split a line into syllables (one per vowel group) and time them.
pub fn schedule(line: &str) -> Vec<Syllable> {
    let mut out = Vec::new();
    let mut t = SPEECH_START;
    for word in line.split_whitespace() {
        let chars: Vec<char> = word
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphabetic())
            .collect();
        let mut i = 0;
        let mut onset = false;
        while i < chars.len() {
            let c = chars[i];
            if "aeiouy".contains(c) {
                let vowel = if c == 'y' { 'i' } else { c };
                // A vowel group is one syllable.
                while i + 1 < chars.len() && "aeiouy".contains(chars[i + 1]) {
                    i += 1;
                }
                let dur = 0.16;
                out.push(Syllable {
                    start: t + if onset { 0.04 } else { 0.0 },
                    dur,
                    vowel,
                    onset,
                });
                t += dur + if onset { 0.04 } else { 0.0 } + 0.06;
                onset = false;
            } else {
                onset = true;
            }
            i += 1;
        }
        t += 0.12;
    }
    out
}

/// Mouth openness in 0..=1 at time `t`.
pub fn mouth_open(syllables: &[Syllable], t: f32) -> f32 {
    syllables
        .iter()
        .filter(|s| t >= s.start && t < s.start + s.dur)
        .map(|s| (std::f32::consts::PI * (t - s.start) / s.dur).sin())
        .fold(0.0, f32::max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_syllable_per_vowel_group() {
        let s = schedule("hello there");
        assert_eq!(s.len(), 4, "hel-lo the-re");
        assert!(s.windows(2).all(|w| w[1].start > w[0].start + w[0].dur));
        assert!(mouth_open(&s, s[0].start + s[0].dur / 2.0) > 0.9);
        assert_eq!(mouth_open(&s, 0.0), 0.0);
    }
}
