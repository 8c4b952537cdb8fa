//! Prompt normalization: turns whatever a person typed into plain lowercase ASCII-ish
//! tokens so that trivial evasions (ｆｕｌｌ-width letters, accents, Cyrillic look-alikes,
//! zero-width characters, l33tspeak, s p a c e d or p.u.n.c.t.u.a.t.e.d letters,
//! stretched letters) reach the policy as the words they spell.
//!
//! Order matters: Unicode compatibility decomposition first (NFKD folds full-width forms
//! and splits accents off), then look-alike and leet mapping inside words, then
//! splitting into tokens, then re-joining runs of single letters. Stretched letters
//! ("pooorn") are handled where words are compared, by [`squeeze`] (the rules' spelling
//! variants, the classifier's features and its word-vector lookups).

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Characters that render as nothing and are used to split words invisibly.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}' | '\u{034F}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}'
    )
}

/// Cyrillic and Greek letters that look like Latin ones (lowercase, after case folding).
fn homoglyph(c: char) -> Option<char> {
    Some(match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ё' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ї' | 'ι' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'п' | 'η' => 'n',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'г' => 'r',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ш' | 'ω' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ᴢ' => 'z',
        _ => return None,
    })
}

/// l33t substitutions, applied only inside words that also contain letters, so that
/// "2 cats" keeps its number. `1` and `|` are ambiguous (i or l): both readings are kept.
fn leet(c: char, one_as: char) -> Option<char> {
    Some(match c {
        '0' => 'o',
        '1' | '|' => one_as,
        '!' => 'i',
        '3' => 'e',
        '4' | '@' => 'a',
        '5' | '$' => 's',
        '7' | '+' => 't',
        '8' => 'b',
        '9' => 'g',
        _ => return None,
    })
}

/// The normalized form of a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    /// Token readings: usually one; two when a `1`/`|` could be `i` or `l`.
    pub readings: Vec<Vec<String>>,
    /// NFKD-folded, lowercased text before tokenization (for URL and structure checks).
    pub folded: String,
}

/// Folds `text`: NFKD, marks and invisibles dropped, lowercased, look-alikes mapped.
pub fn fold(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c) && !is_invisible(*c))
        .flat_map(char::to_lowercase)
        .map(|c| homoglyph(c).unwrap_or(c))
        .collect()
}

/// Shortens every run of three or more equal letters to `keep`; shorter runs stay as
/// typed ("ball" stays "ball", "pooorn" → "porn" or "poorn").
pub fn squeeze(token: &str, keep: usize) -> String {
    let chars: Vec<char> = token.chars().collect();
    let mut out = String::with_capacity(token.len());
    let mut i = 0;
    while i < chars.len() {
        let mut j = i;
        while j < chars.len() && chars[j] == chars[i] {
            j += 1;
        }
        let n = if j - i >= 3 { keep } else { j - i };
        out.extend(std::iter::repeat_n(chars[i], n));
        i = j;
    }
    out
}

/// Normalizes a prompt into token readings.
pub fn normalize(text: &str) -> Normalized {
    let folded = fold(text);
    let readings = ['i', 'l']
        .iter()
        .map(|&one_as| tokens(&folded, one_as))
        .fold(Vec::<Vec<String>>::new(), |mut acc, r| {
            if !acc.contains(&r) {
                acc.push(r);
            }
            acc
        });
    Normalized { readings, folded }
}

fn tokens(folded: &str, one_as: char) -> Vec<String> {
    let mut out = Vec::new();
    for chunk in folded.split_whitespace() {
        // Sentence punctuation is not l33t: "iphone!!!" must not read as "iphoneiii".
        let chunk = chunk
            .trim_end_matches(['!', '?', '.', ',', ';', ':', ')', ']', '"', '\''])
            .trim_start_matches(['(', '[', '"', '\'']);
        // "5am", "4k", "2nd", "60fps" are numbers with units, not l33t ("5am" is not "sam").
        let has_letter = chunk.chars().any(char::is_alphabetic) && !is_number_with_unit(chunk);
        let mapped: String = chunk
            .chars()
            .map(|c| {
                if has_letter {
                    leet(c, one_as).unwrap_or(c)
                } else {
                    c
                }
            })
            .collect();
        // `*` inside a word hides a letter ("s*x"): keep it in the word as a wildcard.
        out.extend(
            mapped
                .split(|c: char| !(c.is_alphanumeric() || (has_letter && c == '*')))
                .filter(|t| !t.is_empty())
                .map(str::to_string),
        );
    }
    join_spelled_out(out)
}

/// Digits followed by a unit or ordinal suffix: "5am", "10pm", "4k", "1080p", "2nd",
/// "60fps", "3d", "10x".
fn is_number_with_unit(chunk: &str) -> bool {
    const UNITS: &[&str] = &[
        "am", "pm", "st", "nd", "rd", "th", "k", "p", "d", "s", "x", "h", "hz", "fps", "mm", "cm",
        "km", "kg", "m", "min", "sec", "hrs", "mph", "kmh", "gb", "mb", "yo",
    ];
    let digits = chunk.chars().take_while(char::is_ascii_digit).count();
    digits > 0 && UNITS.contains(&&chunk[digits..])
}

/// "s e x" or "p.o.r.n" arrive as runs of one-letter tokens: join runs of three or more.
fn join_spelled_out(tokens: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(tokens.len());
    let mut run = String::new();
    let mut run_len = 0;
    let flush = |out: &mut Vec<String>, run: &mut String, run_len: &mut usize| {
        if *run_len >= 3 {
            out.push(std::mem::take(run));
        } else {
            out.extend(run.chars().map(String::from));
            run.clear();
        }
        *run_len = 0;
    };
    for t in tokens {
        if t.chars().count() == 1 && t.chars().all(char::is_alphabetic) {
            run.push_str(&t);
            run_len += 1;
        } else {
            flush(&mut out, &mut run, &mut run_len);
            out.push(t);
        }
    }
    flush(&mut out, &mut run, &mut run_len);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn squeeze_keeps_doubles() {
        assert_eq!(squeeze("ball", 1), "ball");
        assert_eq!(squeeze("pooorn", 1), "porn");
        assert_eq!(squeeze("pooorn", 2), "poorn");
        assert_eq!(squeeze("kiiill", 1), "kill");
    }

    fn first(text: &str) -> Vec<String> {
        normalize(text).readings.swap_remove(0)
    }

    #[test]
    fn folds_width_accents_case_and_lookalikes() {
        assert_eq!(first("ＰＯＲＮ"), ["porn"]);
        assert_eq!(first("Nüde Pütin"), ["nude", "putin"]);
        assert_eq!(first("рorn"), ["porn"]); // Cyrillic р
        assert_eq!(first("po\u{200B}rn"), ["porn"]);
    }

    #[test]
    fn leet_only_inside_words() {
        assert_eq!(first("p0rn with 2 cats"), ["porn", "with", "2", "cats"]);
        assert_eq!(first("0b@ma"), ["obama"]);
        let both = normalize("b1ood");
        assert!(both.readings.contains(&vec!["biood".to_string()]));
        assert!(both.readings.contains(&vec!["blood".to_string()]));
    }

    #[test]
    fn numbers_with_units_are_not_leet() {
        assert_eq!(first("at 5am, 4k, 1080p"), ["at", "5am", "4k", "1080p"]);
        assert_eq!(first("5ex"), ["sex"]);
        assert_eq!(first("3vil 4ss"), ["evil", "ass"]);
    }

    #[test]
    fn joins_spelled_out_words_but_not_articles() {
        assert_eq!(first("s e x"), ["sex"]);
        assert_eq!(first("p.o.r.n video"), ["porn", "video"]);
        assert_eq!(first("k-i-l-l"), ["kill"]);
        assert_eq!(first("a red ball"), ["a", "red", "ball"]);
    }
}
