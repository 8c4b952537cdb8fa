//! kinora-safety: the prompt guardrails, which refuse disallowed prompts with a clear
//! reason *before* any compute.
//!
//! What is refused and why lives in data, `safety/policy/prompt-policy.json`, compiled
//! in ([`assets`]) so the browser needs no extra download. A prompt is normalized first
//! ([`mod@normalize`]) so that look-alike letters, accents, l33tspeak, spacing and
//! stretching do not slip past; then each category is checked in the policy's order. Matching is on
//! whole words with simple suffixes, on word sequences (also when glued into one word),
//! and on a few strong stems inside words. Phrases listed as allowed contexts
//! ("shooting star", "bath bomb") neutralize a match they cover.
//!
//! Real private people named in a prompt ("my neighbour John Smith") are refused too
//! ([`names`]): a likeness comes only through a cameo. Cameo mentions (`@handle`) are
//! checked against the caller's grants: a prompt that names a cameo this device holds no
//! valid grant for is refused.
//!
//! Next to the rules, a small learned classifier ([`classifier`]) weighs what the word
//! lists miss and the context they cannot read. No tensors: this crate and its tests
//! link neither burn nor wgpu, and build for wasm and native.
#![deny(missing_docs)]

pub mod assets;
pub mod classifier;
mod error;
pub mod names;
pub mod normalize;

pub use error::SafetyError;
use normalize::{Normalized, normalize, squeeze};
use serde::Deserialize;
use std::sync::OnceLock;

/// Word endings that still count as the listed word ("kills", "beheading").
const SUFFIXES: &[&str] = &["s", "es", "ed", "d", "ing", "er", "ers", "ings"];

/// Words on each side of a lone-word hit that the classifier also weighs on their own
/// before overriding it.
const LONE_WORD_CONTEXT: usize = 6;

/// Words that repeat in any long description (not counted as spammy repetition).
const FUNCTION_WORDS: &[&str] = &[
    "the", "and", "with", "for", "from", "into", "onto", "her", "his", "its", "their", "then",
    "that", "this", "while", "are", "was", "has", "one", "two",
];

/// One category of the policy file.
#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    /// Stable id: `sexual`, `violence`, `spam`, `public_figure`.
    pub id: String,
    /// Short human title.
    pub title: String,
    /// Why it is refused (shown to people who ask).
    pub why: String,
    /// What the UI says when refusing.
    pub message: String,
    #[serde(default)]
    words: Vec<Term>,
    #[serde(default)]
    inside_words: Vec<String>,
    #[serde(default)]
    phrases: Vec<Term>,
    #[serde(default)]
    people: Vec<Person>,
    #[serde(default)]
    rules: Vec<NearRule>,
    #[serde(default)]
    allowed_contexts: Vec<Term>,
}

/// A policy term with its normalized words, split once when the policy loads.
#[derive(Debug, Clone, Deserialize)]
#[serde(from = "String")]
struct Term {
    text: String,
    words: Vec<String>,
}

impl From<String> for Term {
    fn from(text: String) -> Self {
        let words = words_of(&text);
        Self { text, words }
    }
}

/// "A word from `words` within `window` words of one from `near`" (either order): how
/// the policy says *harm verb near a person* without listing every sentence.
#[derive(Debug, Clone, Deserialize)]
struct NearRule {
    words: Vec<Term>,
    near: Vec<Term>,
    window: usize,
    /// Only when the `near` term follows the word ("shoot the man", not "the man's
    /// camera shot"): for verbs with everyday meanings.
    #[serde(default)]
    ordered: bool,
}

#[derive(Debug, Clone, Deserialize)]
struct Person {
    name: String,
    aliases: Vec<Term>,
}

#[derive(Debug, Clone, Deserialize)]
struct Structure {
    max_chars: usize,
    max_repeats_of_one_word: usize,
    max_total_repeats: usize,
    url_markers: Vec<String>,
    /// Top-level domains: `word.tld` in a prompt is a link.
    link_domains: Vec<String>,
}

/// The prompt policy: categories checked in order, plus structural spam checks.
#[derive(Debug, Clone, Deserialize)]
pub struct PromptPolicy {
    /// Policy format version.
    pub version: u32,
    /// Refusal categories, in checking order.
    pub categories: Vec<Category>,
    structure: Structure,
}

/// Why a prompt was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Category id (`sexual`, `violence`, `spam`, `public_figure`, `cameo`, `length`).
    pub category: String,
    /// Human title of the category.
    pub title: String,
    /// What matched, as normalized (or the person's name).
    pub matched: String,
    /// The message the UI shows.
    pub message: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} (matched “{}”). {}",
            self.title, self.matched, self.message
        )
    }
}

/// The outcome of a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing in the policy matched.
    Allowed,
    /// Refused, with the reason.
    Refused(Refusal),
}

impl Verdict {
    /// True when refused.
    pub fn is_refused(&self) -> bool {
        matches!(self, Verdict::Refused(_))
    }
}

/// The learned classifier's opinion, for what the word lists miss (unseen wording,
/// names not on the list) and for the context they cannot read. `@handles` are taken out
/// first: consent, not the classifier, decides about cameos. `None` when nothing is left
/// to weigh: with no words there is nothing but the class priors (an empty prompt once
/// scored "violence, 95%").
fn classify_without_handles(
    prompt: &str,
    classifier: &classifier::PromptClassifier,
) -> Option<classifier::Classification> {
    let text: String = prompt
        .split_whitespace()
        .filter(|w| !w.starts_with('@'))
        .collect::<Vec<_>>()
        .join(" ");
    text.chars()
        .any(char::is_alphanumeric)
        .then(|| classifier.classify(&text))
}

/// A term split into words, ready to match.
fn words_of(term: &str) -> Vec<String> {
    normalize(term)
        .readings
        .into_iter()
        .next()
        .unwrap_or_default()
}

/// Spelling variants of one typed token: as typed, and with every run of three or more
/// equal letters shortened to one and to two ("pooorn" → "porn"; "kiiill" → "kill").
fn variants(token: &str) -> [String; 3] {
    [token.to_string(), squeeze(token, 1), squeeze(token, 2)]
}

/// `*` in typed text stands for one hidden letter ("s*x").
fn same_letters(typed: &str, word: &str) -> bool {
    typed.chars().count() == word.chars().count()
        && typed
            .chars()
            .zip(word.chars())
            .all(|(t, w)| t == w || t == '*')
}

/// Does `typed` (one inflected word) carry `word` plus one of [`SUFFIXES`]? Handles the
/// English spelling changes: doubled consonants ("stabbed"), dropped e ("executing"),
/// y → ies ("bodies").
fn inflects(typed: &str, word: &str) -> bool {
    SUFFIXES.iter().any(|suffix| {
        let Some(stem) = typed.strip_suffix(suffix) else {
            return false;
        };
        let chars: Vec<char> = stem.chars().collect();
        let undoubled = (chars.len() >= 2 && chars[chars.len() - 1] == chars[chars.len() - 2])
            .then(|| chars[..chars.len() - 1].iter().collect::<String>());
        same_letters(stem, word)
            || undoubled.is_some_and(|u| same_letters(&u, word))
            || (word.ends_with('e') && same_letters(&format!("{stem}e"), word))
            || (*suffix == "es"
                && stem.ends_with('i')
                && same_letters(&format!("{}y", &stem[..stem.len() - 1]), word))
    })
}

fn word_matches(token: &[String; 3], word: &str) -> bool {
    token
        .iter()
        .any(|t| same_letters(t, word) || inflects(t, word))
}

/// A token (any of its spelling variants) is exactly `word`: how names match, since
/// names do not inflect.
fn word_is(token: &[String; 3], word: &str) -> bool {
    token.iter().any(|t| same_letters(t, word))
}

/// Start indices where `phrase` occurs in `tokens`, each word compared by `word_eq`
/// ([`word_matches`] for policy terms, [`word_is`] for names).
fn phrase_positions(
    tokens: &[[String; 3]],
    phrase: &[String],
    word_eq: fn(&[String; 3], &str) -> bool,
) -> Vec<usize> {
    if phrase.is_empty() || phrase.len() > tokens.len() {
        return Vec::new();
    }
    (0..=tokens.len() - phrase.len())
        .filter(|&i| phrase.iter().zip(&tokens[i..]).all(|(w, t)| word_eq(t, w)))
        .collect()
}

impl PromptPolicy {
    /// The policy compiled in ([`assets::PROMPT_POLICY`]).
    pub fn builtin() -> &'static PromptPolicy {
        static POLICY: OnceLock<PromptPolicy> = OnceLock::new();
        POLICY.get_or_init(|| {
            // The file is part of the source tree and parsed by a unit test, so a broken
            // policy fails the build's tests, never a user's session.
            Self::from_json(assets::PROMPT_POLICY.bytes)
                .expect("safety/policy/prompt-policy.json is valid")
        })
    }

    /// Parses a policy file's bytes (JSON).
    pub fn from_json(bytes: &[u8]) -> Result<Self, SafetyError> {
        serde_json::from_slice(bytes).map_err(|e| SafetyError::Policy(e.to_string()))
    }

    /// Checks a prompt; `@handle` cameo mentions are refused (no grants known).
    pub fn check(&self, prompt: &str) -> Verdict {
        self.check_with_cameos(prompt, |_| false)
    }

    /// Checks a prompt; `has_grant(handle)` says whether this device may use the cameo
    /// `@handle` (a valid, unrevoked grant).
    ///
    /// The rules and the learned classifier together: a prompt is refused when the
    /// classifier is sure enough it is disallowed, or when a rule refuses it — except that
    /// a *lone listed word* or a *name shape* (the rules that cannot read context: "sexy
    /// sports car", "Sam Baker" the bakery) is overridden when both models are nearly
    /// sure the prompt is fine. Phrases, proximity rules, stems inside words, the
    /// public-figure list, links, length, repetition and cameo consent are never
    /// overridden.
    pub fn check_with_cameos(&self, prompt: &str, has_grant: impl Fn(&str) -> bool) -> Verdict {
        self.check_with_classifier(prompt, has_grant, classifier::PromptClassifier::builtin())
    }

    /// [`Self::check_with_cameos`] with another classifier: how the trainer evaluates a
    /// freshly trained one exactly as the product would use it.
    pub fn check_with_classifier(
        &self,
        prompt: &str,
        has_grant: impl Fn(&str) -> bool,
        classifier: &classifier::PromptClassifier,
    ) -> Verdict {
        let classification = std::cell::OnceCell::new();
        let classify =
            || *classification.get_or_init(|| classify_without_handles(prompt, classifier));
        // Overridden when the whole prompt is nearly surely fine — and, for a lone word,
        // its own neighbourhood is not judged disallowed either, so that padding a
        // prompt with harmless scenery cannot outvote the word.
        let overridden = |near: Option<&str>| {
            classify().is_some_and(|c| c.overrides_rule_refusal())
                && near.is_none_or(|words| {
                    classify_without_handles(words, classifier).is_none_or(|c| !c.should_refuse())
                })
        };
        match self.check_rules_unless(prompt, has_grant, overridden) {
            Verdict::Allowed => match classify() {
                Some(c) if c.should_refuse() => self.classifier_refusal(&c),
                _ => Verdict::Allowed,
            },
            refused => refused,
        }
    }

    /// The written rules alone (structure, word lists, names, cameos), without the
    /// learned classifier: what its trainer and evaluations compare against.
    pub fn check_rules(&self, prompt: &str, has_grant: impl Fn(&str) -> bool) -> Verdict {
        self.check_rules_unless(prompt, has_grant, |_| false)
    }

    /// The rules, skipping a lone-word hit when `overridden(Some(words around it))` says
    /// so, or a name-shape hit when `overridden(None)` does (and looking on for other
    /// hits).
    fn check_rules_unless(
        &self,
        prompt: &str,
        has_grant: impl Fn(&str) -> bool,
        overridden: impl Fn(Option<&str>) -> bool,
    ) -> Verdict {
        let normalized = normalize(prompt);
        if let Some(r) = self.check_structure(prompt, &normalized) {
            return Verdict::Refused(r);
        }
        // Spelling variants once per reading, not once per category: this runs on every
        // keystroke.
        let readings: Vec<Vec<[String; 3]>> = normalized
            .readings
            .iter()
            .map(|reading| reading.iter().map(|t| variants(t)).collect())
            .collect();
        for category in &self.categories {
            for tokens in &readings {
                if let Some(hit) = category_match(category, tokens, &normalized.folded) {
                    let refusal = Refusal {
                        category: category.id.clone(),
                        title: category.title.clone(),
                        matched: hit.matched,
                        message: category.message.clone(),
                    };
                    // Phrases, proximity rules, stems and the public-figure list read
                    // enough context to stand; only a lone word may be overridden.
                    let context = hit.lone_word.map(|at| {
                        let from = at.saturating_sub(LONE_WORD_CONTEXT);
                        let to = (at + LONE_WORD_CONTEXT + 1).min(tokens.len());
                        tokens[from..to]
                            .iter()
                            .map(|t| t[0].as_str())
                            .collect::<Vec<_>>()
                            .join(" ")
                    });
                    if context.is_none_or(|c| !overridden(Some(&c))) {
                        return Verdict::Refused(refusal);
                    }
                }
            }
        }
        let first_reading = normalized.readings.first().map_or(&[][..], Vec::as_slice);
        if let Some(name) = names::PersonNames::builtin().find(prompt, first_reading) {
            let refusal = Refusal {
                category: "private_person".into(),
                title: "A real person, by name".into(),
                matched: name,
                message: "Kinora does not show real people by name. A person's likeness \
                          appears only through a cameo its owner granted you: ask them for a \
                          grant and write @handle."
                    .into(),
            };
            if !overridden(None) {
                return Verdict::Refused(refusal);
            }
        }
        for handle in cameo_mentions(&normalized.folded) {
            if !has_grant(&handle) {
                return Verdict::Refused(Refusal {
                    category: "cameo".into(),
                    title: "Cameo without a grant".into(),
                    matched: format!("@{handle}"),
                    message: "A person's likeness appears only through a cameo its owner \
                              granted you. Import their grant first."
                        .into(),
                });
            }
        }
        Verdict::Allowed
    }

    /// The refusal citing the classifier's likeliest disallowed category.
    fn classifier_refusal(&self, c: &classifier::Classification) -> Verdict {
        let id = c.likeliest_disallowed().id();
        let (title, message) = self
            .categories
            .iter()
            .find(|cat| cat.id == id)
            .map(|cat| (cat.title.clone(), cat.message.clone()))
            .unwrap_or_else(|| ("Not allowed".into(), String::new()));
        Verdict::Refused(Refusal {
            category: id.to_string(),
            title,
            matched: format!(
                "the on-device classifier, {:.0}% sure",
                100.0 * c.disallowed_probability()
            ),
            message,
        })
    }

    fn check_structure(&self, prompt: &str, normalized: &Normalized) -> Option<Refusal> {
        let s = &self.structure;
        let refuse = |category: &str, title: &str, matched: String, message: &str| Refusal {
            category: category.into(),
            title: title.into(),
            matched,
            message: message.into(),
        };
        let chars = prompt.chars().count();
        if chars > s.max_chars {
            return Some(refuse(
                "length",
                "Prompt too long",
                format!("{chars} characters"),
                &format!("Keep the prompt under {} characters.", s.max_chars),
            ));
        }
        let spam = self.categories.iter().find(|c| c.id == "spam");
        let spam_message = spam.map_or("Kinora does not make spam.", |c| c.message.as_str());
        if let Some(domain) = find_domain(&normalized.folded, &s.link_domains) {
            return Some(refuse(
                "spam",
                "Spam or scam",
                format!("a link ({domain})"),
                spam_message,
            ));
        }
        if let Some(marker) = s
            .url_markers
            .iter()
            .find(|m| normalized.folded.contains(m.as_str()))
        {
            return Some(refuse(
                "spam",
                "Spam or scam",
                format!("a link ({})", marker.trim()),
                spam_message,
            ));
        }
        let mut counts = std::collections::HashMap::<&str, usize>::new();
        for t in normalized.readings.first().into_iter().flatten() {
            // Function words repeat in any long description; they are not promotion.
            if t.chars().count() >= 3 && !FUNCTION_WORDS.contains(&t.as_str()) {
                *counts.entry(t.as_str()).or_default() += 1;
            }
        }
        let total_repeats: usize = counts.values().filter(|n| **n >= 3).map(|n| n - 1).sum();
        if let Some((word, n)) = counts.iter().find(|(_, n)| **n > s.max_repeats_of_one_word) {
            return Some(refuse(
                "spam",
                "Spam or scam",
                format!("“{word}” repeated {n} times"),
                spam_message,
            ));
        }
        if total_repeats >= s.max_total_repeats {
            return Some(refuse(
                "spam",
                "Spam or scam",
                "repeated promotional words".into(),
                spam_message,
            ));
        }
        None
    }
}

/// The first term of `category` found in `tokens` that no allowed context covers.
fn category_match(category: &Category, tokens: &[[String; 3]], folded: &str) -> Option<Hit> {
    let mut covered = vec![false; tokens.len()];
    for context in &category.allowed_contexts {
        let words = &context.words;
        for start in phrase_positions(tokens, words, word_matches) {
            covered[start..start + words.len()]
                .iter_mut()
                .for_each(|c| *c = true);
        }
    }
    // Glued text with token boundaries, so "nakedwoman" or "xi jin ping" still match a
    // phrase when the glued phrase starts and ends on a boundary ("snaked" does not).
    let mut glued_text = String::new();
    let mut starts = Vec::new(); // byte offset where each token starts
    for t in tokens {
        starts.push(glued_text.len());
        glued_text.push_str(&t[0]);
    }
    let ends: Vec<usize> = (0..tokens.len())
        .map(|i| starts.get(i + 1).copied().unwrap_or(glued_text.len()))
        .collect();
    // Uncovered (first, last) token spans where `words` occur, each word compared by
    // `word_eq`, or (for several words) glued together.
    let uncovered_spans =
        |words: &[String], word_eq: fn(&[String; 3], &str) -> bool| -> Vec<(usize, usize)> {
            let mut spans: Vec<(usize, usize)> = phrase_positions(tokens, words, word_eq)
                .into_iter()
                .map(|s| (s, s + words.len() - 1))
                .filter(|&(s, e)| !covered[s..=e].iter().all(|c| *c))
                .collect();
            let needle = words.concat();
            if words.len() > 1 && !needle.is_empty() {
                spans.extend(glued_text.match_indices(&needle).filter_map(|(at, _)| {
                    let first = starts.iter().position(|&s| s == at)?;
                    let last = ends
                        .iter()
                        .position(|&e| e == at + needle.len())?
                        .max(first);
                    (!covered[first..=last].iter().all(|c| *c)).then_some((first, last))
                }));
            }
            spans
        };
    let hit = |words: &[String]| !uncovered_spans(words, word_matches).is_empty();
    let inside = |stem: &str| {
        tokens
            .iter()
            .zip(&covered)
            .any(|(t, c)| !c && t.iter().any(|v| v.contains(stem)))
    };
    // Uncovered (start, end) spans of any of `terms`, with the term that matched.
    let spans = |terms: &[Term]| -> Vec<(usize, usize, String)> {
        terms
            .iter()
            .flat_map(|term| {
                let n = term.words.len();
                phrase_positions(tokens, &term.words, word_matches)
                    .into_iter()
                    .filter(|&s| !covered[s..s + n].iter().all(|c| *c))
                    .map(|s| (s, s + n - 1, term.text.clone()))
                    .collect::<Vec<_>>()
            })
            .collect()
    };
    for rule in &category.rules {
        let near = spans(&rule.near);
        for (s, e, term) in spans(&rule.words) {
            if let Some((_, _, other)) = near.iter().find(|(ns, ne, _)| {
                if rule.ordered && *ns <= e {
                    return false;
                }
                let gap = if *ns > e {
                    ns - e
                } else {
                    s.saturating_sub(*ne)
                };
                gap <= rule.window && !(*ns >= s && *ne <= e)
            }) {
                return Some(Hit::strong(&format!("{term} … {other}")));
            }
        }
    }
    // Strongest kinds first, so that a lone word (the only kind a confident classifier
    // may override) is what is reported only when nothing else matched.
    let (lone_words, longer): (Vec<&Term>, Vec<&Term>) = category
        .words
        .iter()
        .chain(&category.phrases)
        .partition(|t| t.words.len() == 1);
    if let Some(term) = longer.iter().find(|t| hit(&t.words)) {
        return Some(Hit::strong(&term.text));
    }
    for stem in &category.inside_words {
        if inside(stem) {
            return Some(Hit::strong(stem));
        }
    }
    for person in &category.people {
        // Chinese, Japanese and Korean are written without spaces: match those aliases
        // as plain substrings of the folded text.
        let cjk_hit = |alias: &Term| alias.text.chars().any(is_cjk) && folded.contains(&alias.text);
        // Names do not inflect: "rutte" must not match "rutting". Only an exact word
        // sequence (or its possessive, "musk's" → "musk s") counts, also when glued.
        // "Martin Luther King boulevard" names a street, not the man.
        let names_a_place = |after: usize| {
            tokens
                .get(after)
                .is_some_and(|t| names::names_a_place(&t[0]))
        };
        let person_hit = |words: &[String]| {
            uncovered_spans(words, word_is)
                .into_iter()
                .any(|(_, last)| !names_a_place(last + 1))
        };
        if person
            .aliases
            .iter()
            .any(|alias| cjk_hit(alias) || person_hit(&alias.words))
        {
            return Some(Hit::strong(&person.name));
        }
    }
    lone_words.iter().find_map(|t| {
        let (at, _) = *uncovered_spans(&t.words, word_matches).first()?;
        Some(Hit {
            matched: t.text.clone(),
            lone_word: Some(at),
        })
    })
}

/// What a category matched in a prompt.
struct Hit {
    /// The term, phrase, rule or person, for the refusal message.
    matched: String,
    /// Where a single listed word matched, when nothing stronger did: the one kind of
    /// hit that cannot read context ("sexy sports car") and that a confident classifier
    /// may override.
    lone_word: Option<usize>,
}

impl Hit {
    fn strong(matched: &str) -> Self {
        Self {
            matched: matched.to_string(),
            lone_word: None,
        }
    }
}

/// A `name.tld` link in folded text, with `tld` one of `domains`.
fn find_domain(folded: &str, domains: &[String]) -> Option<String> {
    folded.split_whitespace().find_map(|chunk| {
        let chunk = chunk.trim_matches(|c: char| !c.is_alphanumeric());
        let (name, tld) = chunk.rsplit_once('.')?;
        let name_ok = name.chars().filter(|c| c.is_alphabetic()).count() >= 2;
        (name_ok && domains.iter().any(|d| d == tld)).then(|| chunk.to_string())
    })
}

/// Han, kana and hangul: scripts written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c, '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}')
}

/// `@handle` mentions in folded text (letters, digits, `_`, `-`; at least two chars).
pub fn cameo_mentions(folded: &str) -> Vec<String> {
    folded
        .split_whitespace()
        .filter_map(|chunk| chunk.strip_prefix('@'))
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '-')
                .collect::<String>()
        })
        .filter(|h| h.chars().count() >= 2)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(prompt: &str) -> Option<String> {
        match PromptPolicy::builtin().check(prompt) {
            Verdict::Allowed => None,
            Verdict::Refused(r) => Some(r.category),
        }
    }

    #[test]
    fn builtin_policy_parses_and_has_every_category() {
        let p = PromptPolicy::builtin();
        let ids: Vec<&str> = p.categories.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["sexual", "violence", "spam", "public_figure"]);
        assert!(
            p.categories
                .iter()
                .all(|c| !c.why.is_empty() && !c.message.is_empty())
        );
    }

    #[test]
    fn plain_and_evasive_prompts_are_refused() {
        assert_eq!(refused("a porn video").as_deref(), Some("sexual"));
        assert_eq!(refused("a p0rn video").as_deref(), Some("sexual"));
        assert_eq!(refused("s e x on the beach").as_deref(), Some("sexual"));
        assert_eq!(refused("ｎａｋｅｄ woman").as_deref(), Some("sexual"));
        assert_eq!(
            refused("a man gets d3capitated").as_deref(),
            Some("violence")
        );
        assert_eq!(refused("FREE B1TC0IN giveaway").as_deref(), Some("spam"));
        assert_eq!(refused("Obama dancing").as_deref(), Some("public_figure"));
        assert_eq!(
            refused("Pütin riding a bear").as_deref(),
            Some("public_figure")
        );
    }

    #[test]
    fn look_alikes_are_allowed() {
        for p in [
            "a shooting star over the hills",
            "a bath bomb fizzing in water",
            "a trumpet player on a stage",
            "a swift bird diving",
            "the Sussex countryside at dawn",
            "a nude-coloured handbag on a table",
            "a red ball bounces on the grass at sunset, camera pans left slowly",
            "2 cats and 3 dogs play",
        ] {
            assert_eq!(refused(p), None, "{p}");
        }
    }

    #[test]
    fn context_blind_rules_are_overridden_only_when_the_classifier_is_sure() {
        let policy = PromptPolicy::builtin();
        // A word-list hit in a plainly harmless prompt: the classifier lets it through.
        let harmless = "a sexy new electric sedan gliding along a coastal road, car commercial";
        assert!(policy.check_rules(harmless, |_| false).is_refused());
        assert_eq!(policy.check(harmless), Verdict::Allowed);
        // "5am" is a time, not "sam" (who would then be "Sam Baker").
        assert_eq!(
            refused("a small bakery at 5am, a baker pulls croissants from the oven"),
            None
        );
        // The same word where it means what it says stays refused.
        assert_eq!(
            refused("a nude woman posing on a bed").as_deref(),
            Some("sexual")
        );
        // Padding with harmless scenery cannot buy an override (it dilutes the n-grams,
        // not the max-pooled convolution); nor can a phrase hit be overridden.
        let before = "a quiet lake at dawn, mist over the water, birds singing in the reeds, \
                      soft light on the pines, a wooden jetty with a red rowing boat, gentle \
                      ripples, the camera glides slowly past old boathouses and lily pads, \
                      ducks paddle by, a heron lifts off, distant church bells, ";
        let after = "then the view widens to rolling hills, sheep grazing on green slopes, \
                     a stone bridge over a stream, wildflowers swaying, clouds drifting \
                     across a pale blue sky, a tractor far away, warm acoustic guitar music";
        for hidden in ["she poses nude on the bed", "a naked woman on the bed"] {
            let padded = format!("{before}{hidden}, {after}");
            assert_eq!(refused(&padded).as_deref(), Some("sexual"), "{hidden}");
        }
        // A named street is not the person.
        assert_eq!(
            PromptPolicy::builtin().check("buses on martin luther king boulevard, sunny day"),
            Verdict::Allowed
        );
        assert_eq!(
            refused("martin luther king giving a speech").as_deref(),
            Some("public_figure")
        );
    }

    /// The public-figure list is never overridden, whatever the classifier thinks: every
    /// listed person in a harmless scene is refused.
    #[test]
    fn every_listed_person_is_refused_in_a_harmless_scene() {
        let policy = PromptPolicy::builtin();
        let people = &policy
            .categories
            .iter()
            .find(|c| c.id == "public_figure")
            .expect("a public-figure category")
            .people;
        assert!(people.len() > 1000);
        for person in people {
            let alias = &person.aliases[0].text;
            for scene in [
                "walking in a park on a sunny afternoon",
                "space walk outside the station",
                "guitar solo on a rooftop",
                "hospital bed, dying",
                "award speech",
            ] {
                let prompt = format!("{alias} {scene}");
                assert!(policy.check(&prompt).is_refused(), "{prompt}");
            }
        }
    }

    #[test]
    fn reason_is_readable() {
        let Verdict::Refused(r) = PromptPolicy::builtin().check("Elon Musk on Mars") else {
            panic!("should refuse");
        };
        assert_eq!(r.matched, "Elon Musk");
        assert!(r.to_string().contains("Real public figure"));
    }

    #[test]
    fn links_repeats_and_length_are_refused() {
        assert_eq!(
            refused("visit www.example.com now").as_deref(),
            Some("spam")
        );
        assert_eq!(
            refused("buy buy buy buy buy buy buy").as_deref(),
            Some("spam")
        );
        assert_eq!(refused(&"a ".repeat(600)).as_deref(), Some("length"));
    }

    #[test]
    fn cameos_need_a_grant() {
        let p = PromptPolicy::builtin();
        assert!(p.check("@alice waves hello").is_refused());
        assert_eq!(
            p.check_with_cameos("@alice waves hello", |h| h == "alice"),
            Verdict::Allowed
        );
    }
}
