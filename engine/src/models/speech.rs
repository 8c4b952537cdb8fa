//! The spoken line: read from the prompt (the first double-quoted span), split into
//! syllables and timed (the text front end of a speech synthesizer). The one schedule
//! conditions both models, so lips and voice agree by construction:
//! - the object layer opens the speaking character's mouth with [`mouth_open`];
//! - the audio model gets, per 20-ms token, [`features_at`] its centre: openness, the
//!   vowel being voiced, the consonant burst before it and the pitch step (a
//!   duration-aligned phone track, as FastSpeech feeds its decoder).
//!
//! Timing is rule-based: one syllable per vowel group at a steady rate (the speakers the
//! models learned from all talk at one rate, so a learned duration model would have
//! nothing to learn). Every word is voiced, known or not: "banana bandana" is six
//! syllables whatever the vocabulary says.

/// One voiced syllable.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Syllable {
    /// Start of the vowel nucleus in seconds from the start of the clip.
    pub start: f32,
    /// Duration of the vowel nucleus in seconds.
    pub dur: f32,
    /// The vowel voiced (index into [`VOWELS`]).
    pub vowel: usize,
    /// Whether a consonant burst precedes the vowel.
    pub onset: bool,
    /// Pitch step of the syllable: −1, 0 or +1 (a gentle three-step intonation).
    pub pitch: f32,
}

/// The vowels told apart ('y' is voiced as 'i').
pub const VOWELS: [char; 5] = ['a', 'e', 'i', 'o', 'u'];
/// Time the line starts (s).
pub const SPEECH_START: f32 = 0.25;
/// Duration of a vowel nucleus (s).
pub const NUCLEUS: f32 = 0.16;
/// Pause after each syllable, and the extra pause after each word (s).
const SYLLABLE_GAP: f32 = 0.06;
const WORD_GAP: f32 = 0.12;
/// A consonant delays its vowel by this much; its burst ends just before the vowel (s).
const CONSONANT: f32 = 0.04;
const BURST: (f32, f32) = (0.035, 0.005);
/// Longest line voiced, in characters (a longer quote is cut at a word boundary).
pub const MAX_LINE_CHARS: usize = 120;

/// Numbers per token in [`features_at`].
pub const SPEECH_FEATURES: usize = 8;

/// The spoken line of a prompt: the first span between double quotes (straight or
/// curly), lower-cased with its whitespace collapsed; None when there is none or it holds
/// no letters.
pub fn spoken_line(prompt: &str) -> Option<String> {
    let normalized: String = prompt
        .chars()
        .map(|c| {
            if matches!(c, '“' | '”' | '„') {
                '"'
            } else {
                c
            }
        })
        .collect();
    let mut parts = normalized.split('"');
    parts.next()?;
    let inside = parts.next()?;
    let mut line = String::new();
    for word in inside.split_whitespace() {
        if line.len() + word.len() + 1 > MAX_LINE_CHARS {
            break;
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(&word.to_lowercase());
    }
    line.chars().any(char::is_alphabetic).then_some(line)
}

/// Splits a line into syllables (one per vowel group) and times them from
/// [`SPEECH_START`].
pub fn schedule(line: &str) -> Vec<Syllable> {
    let mut out = Vec::new();
    let mut t = SPEECH_START;
    for word in line.split_whitespace() {
        let chars: Vec<char> = word
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphabetic())
            .collect();
        let vowel_of = |c: char| {
            VOWELS
                .iter()
                .position(|v| *v == if c == 'y' { 'i' } else { c })
        };
        let mut i = 0;
        let mut onset = false;
        while i < chars.len() {
            match vowel_of(chars[i]) {
                Some(vowel) => {
                    // A vowel group is one syllable.
                    while i + 1 < chars.len() && vowel_of(chars[i + 1]).is_some() {
                        i += 1;
                    }
                    let delay = if onset { CONSONANT } else { 0.0 };
                    out.push(Syllable {
                        start: t + delay,
                        dur: NUCLEUS,
                        vowel,
                        onset,
                        pitch: (out.len() % 3) as f32 - 1.0,
                    });
                    t += NUCLEUS + delay + SYLLABLE_GAP;
                    onset = false;
                }
                None => onset = true,
            }
            i += 1;
        }
        t += WORD_GAP;
    }
    out
}

/// How open the speaker's mouth is at `t` (0..=1): a half sine over each vowel nucleus.
pub fn mouth_open(syllables: &[Syllable], t: f32) -> f32 {
    syllables
        .iter()
        .filter(|s| t >= s.start && t < s.start + s.dur)
        .map(|s| (std::f32::consts::PI * (t - s.start) / s.dur).sin())
        .fold(0.0, f32::max)
}

/// The speech features at `t`: openness, the voiced vowel (one-hot over [`VOWELS`]),
/// the consonant burst just before a vowel, and the pitch step while voiced. All zeros
/// outside the line.
pub fn features_at(syllables: &[Syllable], t: f32) -> [f32; SPEECH_FEATURES] {
    let mut out = [0.0; SPEECH_FEATURES];
    for s in syllables {
        if t >= s.start && t < s.start + s.dur {
            out[0] = (std::f32::consts::PI * (t - s.start) / s.dur).sin();
            out[1 + s.vowel] = 1.0;
            out[7] = s.pitch;
        }
        if s.onset && t >= s.start - BURST.0 && t < s.start - BURST.1 {
            out[6] = 1.0;
        }
    }
    out
}

/// Seconds the line takes, from the clip's start to the end of its last syllable (0 for
/// no syllables).
pub fn line_end(syllables: &[Syllable]) -> f32 {
    syllables.last().map_or(0.0, |s| s.start + s.dur)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_line_is_the_first_quoted_span() {
        assert_eq!(
            spoken_line("a man waves and says \"Hello   there\" at dusk").as_deref(),
            Some("hello there")
        );
        assert_eq!(
            spoken_line("she says “good morning” twice").as_deref(),
            Some("good morning")
        );
        assert_eq!(spoken_line("a red ball bounces"), None);
        assert_eq!(
            spoken_line("an open quote \" never closed").as_deref(),
            Some("never closed")
        );
        assert_eq!(spoken_line("empty \"  \" line"), None);
        assert_eq!(spoken_line("digits \"123\" only"), None);
        let long = format!("says \"{}\"", "la ".repeat(100));
        assert!(spoken_line(&long).is_some_and(|l| l.len() <= MAX_LINE_CHARS));
    }

    #[test]
    fn one_syllable_per_vowel_group_in_order() {
        let s = schedule("hello there");
        assert_eq!(s.len(), 4, "hel-lo the-re");
        assert_eq!(
            s.iter().map(|x| VOWELS[x.vowel]).collect::<String>(),
            "eoee"
        );
        assert!(s.windows(2).all(|w| w[1].start > w[0].start + w[0].dur));
        assert!(s[0].onset && s[1].onset, "h before e, ll before o");
        assert!(!schedule("i see")[0].onset);
        assert_eq!(schedule("banana bandana").len(), 6);
        assert_eq!(schedule("i see").len(), 2, "ee is one group");
        assert!(schedule("").is_empty());
    }

    #[test]
    fn the_mouth_opens_and_the_features_follow_each_vowel() {
        let s = schedule("look at me");
        let mid = s[0].start + s[0].dur / 2.0;
        assert!(mouth_open(&s, mid) > 0.99);
        assert_eq!(mouth_open(&s, 0.0), 0.0);
        let f = features_at(&s, mid);
        assert!(f[0] > 0.99);
        assert_eq!(f[1 + 3], 1.0, "'oo' of look is an o");
        assert_eq!(f[7], -1.0);
        let burst = features_at(&s, s[0].start - 0.02);
        assert_eq!(burst[6], 1.0, "the l before it bursts");
        assert_eq!(burst[0], 0.0);
        assert_eq!(features_at(&s, line_end(&s) + 0.01), [0.0; SPEECH_FEATURES]);
    }
}
