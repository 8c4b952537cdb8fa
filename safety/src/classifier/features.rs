//! Hashed features of a prompt: what the classifier sees.
//!
//! Word unigrams and bigrams and character 3–5-grams of the *normalized* text (so
//! l33t, look-alikes, accents, spacing and zero-width tricks look like the plain word),
//! plus a few shape signals that normalization erases (links, money, Capitalized Name
//! pairs). Every feature is hashed into one of `2^bits` buckets; a prompt is the set of
//! its buckets, each with the same value `1/sqrt(n)` so long prompts do not outvote
//! short ones.

use crate::normalize::{Normalized, normalize, squeeze};

/// Character n-gram lengths.
const CHAR_GRAMS: std::ops::RangeInclusive<usize> = 3..=5;

/// FNV-1a, 64-bit: stable across native and wasm (no `std` hasher, whose output may
/// change between Rust versions and would silently break trained weights).
#[derive(Clone, Copy)]
struct Fnv(u64);

impl Fnv {
    fn new(namespace: u8) -> Self {
        Self(0xcbf2_9ce4_8422_2325).byte(namespace)
    }
    fn byte(self, b: u8) -> Self {
        Self((self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
    }
    fn bytes(self, bytes: &[u8]) -> Self {
        bytes.iter().fold(self, |h, &b| h.byte(b))
    }
    fn char(self, c: char) -> Self {
        let mut buf = [0u8; 4];
        self.bytes(c.encode_utf8(&mut buf).as_bytes())
    }
    fn bucket(self, bits: u32) -> u32 {
        // Fold the high half in: FNV's low bits alone mix poorly for short inputs.
        let h = self.0 ^ (self.0 >> 32);
        (h & ((1u64 << bits) - 1)) as u32
    }
}

/// Feature namespaces (one byte mixed into the hash first).
mod ns {
    pub const WORD: u8 = b'w';
    pub const BIGRAM: u8 = b'b';
    pub const CHARS: u8 = b'c';
    pub const SHAPE: u8 = b's';
    pub const BIAS_LIKE: u8 = b'z';
}

/// Sorted, deduplicated buckets of `text` and the value each carries (public so the
/// trainer in `train/` featurizes exactly as inference does).
pub fn features(text: &str, bits: u32) -> (Vec<u32>, f32) {
    features_of(text, &normalize(text), bits)
}

/// [`features`] of `text` already normalized (by the caller, who needs it too).
pub fn features_of(text: &str, normalized: &Normalized, bits: u32) -> (Vec<u32>, f32) {
    let mut out = Vec::with_capacity(256);
    for reading in &normalized.readings {
        let tokens: Vec<String> = reading.iter().map(|t| squeeze(t, 2)).collect();
        add_words(&tokens, bits, &mut out);
        // Stretched letters: also the fully squeezed word ("pooorn" → "porn").
        for t in reading {
            let once = squeeze(t, 1);
            if once != squeeze(t, 2) {
                out.push(Fnv::new(ns::WORD).bytes(once.as_bytes()).bucket(bits));
            }
        }
        add_char_grams(&tokens, bits, &mut out);
    }
    add_shape(text, &normalized.folded, bits, &mut out);
    // A constant feature, so that empty prompts still have a defined score.
    out.push(Fnv::new(ns::BIAS_LIKE).bucket(bits));
    out.sort_unstable();
    out.dedup();
    let value = 1.0 / (out.len() as f32).sqrt();
    (out, value)
}

fn add_words(tokens: &[String], bits: u32, out: &mut Vec<u32>) {
    for t in tokens {
        out.push(Fnv::new(ns::WORD).bytes(t.as_bytes()).bucket(bits));
    }
    for pair in tokens.windows(2) {
        let h = Fnv::new(ns::BIGRAM)
            .bytes(pair[0].as_bytes())
            .byte(b' ')
            .bytes(pair[1].as_bytes());
        out.push(h.bucket(bits));
    }
}

/// Character n-grams over " tok tok tok ": spaces mark word edges, so "gun" the word
/// and "gun" inside "begun" differ at the edges but share the middle.
fn add_char_grams(tokens: &[String], bits: u32, out: &mut Vec<u32>) {
    let mut chars = vec![' '];
    for t in tokens {
        chars.extend(t.chars());
        chars.push(' ');
    }
    for n in CHAR_GRAMS {
        for gram in chars.windows(n) {
            // Grams that are only word edges carry nothing.
            if gram.iter().filter(|c| **c != ' ').count() < 2 {
                continue;
            }
            let h = gram.iter().fold(Fnv::new(ns::CHARS), |h, &c| h.char(c));
            out.push(h.bucket(bits));
        }
    }
}

/// Signals that normalization throws away.
fn add_shape(raw: &str, folded: &str, bits: u32, out: &mut Vec<u32>) {
    let mut shape = |name: &str| out.push(Fnv::new(ns::SHAPE).bytes(name.as_bytes()).bucket(bits));
    if folded.contains("http") || folded.contains("www") {
        shape("url");
    }
    if folded.split_whitespace().any(looks_like_domain) {
        shape("domain");
    }
    if folded.contains(['$', '€', '£']) {
        shape("money");
    }
    if folded.contains('%') {
        shape("percent");
    }
    if folded.chars().any(is_cjk) {
        shape("cjk");
    }
    let words: Vec<&str> = raw.split_whitespace().collect();
    let capitalized = |w: &str| {
        let mut cs = w.chars().filter(|c| c.is_alphabetic());
        cs.next().is_some_and(char::is_uppercase)
            && cs.clone().count() >= 1
            && !cs.all(char::is_uppercase)
    };
    // "Taylor Swift", "Olaf Scholz": two Capitalized words in a row, not at the start.
    if words
        .windows(2)
        .skip(1)
        .any(|p| capitalized(p[0]) && capitalized(p[1]))
        || words.len() >= 2 && capitalized(words[0]) && capitalized(words[1])
    {
        shape("name_pair");
    }
    if words
        .iter()
        .filter(|w| w.chars().filter(|c| c.is_alphabetic()).count() >= 3)
        .any(|w| {
            w.chars()
                .filter(|c| c.is_alphabetic())
                .all(char::is_uppercase)
        })
    {
        shape("shouting");
    }
    if words.iter().filter(|w| w.contains('!')).count() >= 2 {
        shape("exclaims");
    }
}

/// `name.tld`, with a short alphabetic tld.
fn looks_like_domain(chunk: &str) -> bool {
    let chunk = chunk.trim_matches(|c: char| !c.is_alphanumeric());
    chunk.rsplit_once('.').is_some_and(|(name, tld)| {
        name.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && (2..=6).contains(&tld.len())
            && tld.chars().all(|c| c.is_ascii_lowercase())
    })
}

fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evasions_share_the_plain_words_buckets() {
        let plain = features("naked woman", 16).0;
        for evasive in [
            "n4ked w0man",
            "ｎａｋｅｄ woman",
            "na\u{200B}ked woman",
            "n a k e d woman",
        ] {
            let f = features(evasive, 16).0;
            let shared = f.iter().filter(|b| plain.contains(b)).count();
            assert!(
                shared * 10 >= plain.len() * 9,
                "{evasive}: {shared}/{}",
                plain.len()
            );
        }
    }

    #[test]
    fn buckets_stay_in_range_and_sorted() {
        let (f, v) = features("a red ball bounces, www.x.com 50% off $$$", 10);
        assert!(f.iter().all(|b| *b < 1024));
        assert!(f.windows(2).all(|w| w[0] < w[1]));
        assert!((v * v * f.len() as f32 - 1.0).abs() < 1e-4);
    }
}
