//! A small learned prompt classifier that runs next to the rule-based guardrails.
//!
//! Two models, blended (weighted mean of their probabilities, [`NGRAM_SHARE`]):
//! - multinomial logistic regression over hashed word unigrams/bigrams and character
//!   3–5-grams of the prompt as the rules normalize it ([`mod@crate::normalize`]; see
//!   [`features`]), 8-bit weights in `prompt-classifier.bin`: it knows spellings,
//!   evasions and names it was trained on;
//! - a one-layer convolution over pretrained word vectors ([`word_conv`],
//!   [`word_vectors`]), 8-bit weights in `word-conv.bin` and `word-vectors.bin`: it
//!   recognises wording it was not trained on by its neighbours in meaning.
//!
//! All three files live in `safety/data/`, are compiled in by [`crate::assets`] (the
//! word convolution's two only with `embedded-vectors`; the page fetches those and
//! [`PromptClassifier::install`]s the result) and written by the trainer in `train/`,
//! reproducibly; [`PromptClassifier::from_files`] builds the classifier from any copy of
//! their bytes. Scoring a prompt costs a
//! normalization pass, a few hundred table lookups and a small convolution (~0.5 M
//! multiply-adds): cheap enough for every keystroke in wasm.
//!
//! Use in the product ([`super::PromptPolicy::check_with_cameos`]): refuse when
//! [`Classification::should_refuse`], or when a rule refuses — unless the rule is one
//! that cannot read context (a lone listed word, a name shape) and
//! [`Classification::overrides_rule_refusal`]. The public-figure list is never overridden.

pub mod features;
pub mod weights;
pub mod word_conv;
pub mod word_vectors;

use crate::assets;
use crate::normalize::normalize;
use std::sync::OnceLock;
use weights::{Weights, WeightsError};
use word_conv::{WordConvError, WordConvNet};
use word_vectors::{WordVectors, WordVectorsError};

/// The classifier installed at run time (see [`PromptClassifier::install`]).
static INSTALLED: OnceLock<PromptClassifier> = OnceLock::new();

/// Number of classes.
pub const CLASSES: usize = 5;

/// Refuse when the probability of "not benign" is at least this.
///
/// [`REFUSE_THRESHOLD`], [`OVERRIDE_DISALLOWED_BELOW`] and [`NGRAM_SHARE`] were chosen
/// together with `validate-prompt-classifier` (train/): trained on every set but the one
/// left out, on four left-out sets (red-team set 5, never trained on before; and three
/// hand-written sets of implied sexual/violent prompts, covert spam/people and hard
/// negatives). Blend 0.65, refuse ≥ 0.5, override ≤ 0.1: 98.2% blocked / 1.7% false
/// refusals on set 5, 91.6% / 1.8% over all four. Without the override (rules + n-grams
/// ≥ 0.5, the previous design at its best threshold): 97.8% / 3.9% on set 5, the rules
/// alone refusing 3.1% of its allowed prompts. The shipped weights are then trained on
/// all sets, set 5 included.
pub const REFUSE_THRESHOLD: f32 = 0.5;

/// A lone-word or name-shape rule refusal is overridden (allowed) when the probability of
/// "not benign" is at most this, blended and from each model alone. (Validated after the
/// review that narrowed the override to these: 98.2% / 1.7% on set 5, 91.8% / 2.1% over
/// the four left-out sets.)
pub const OVERRIDE_DISALLOWED_BELOW: f32 = 0.1;

/// The n-gram model's weight in the blend (the word convolution has the rest): it is the
/// stronger of the two alone, the convolution adds what it has not seen.
pub const NGRAM_SHARE: f32 = 0.65;

/// Why a classifier could not be built from its files.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ClassifierError {
    /// The n-gram weights.
    #[error("n-gram weights: {0}")]
    Weights(#[from] WeightsError),
    /// The word-convolution weights.
    #[error("word-convolution weights: {0}")]
    WordConv(#[from] WordConvError),
    /// The word vectors.
    #[error("word vectors: {0}")]
    WordVectors(#[from] WordVectorsError),
    /// The convolution expects vectors of another length.
    #[error("the word convolution takes {expected}-dimensional vectors, the file has {actual}")]
    DimsMismatch {
        /// The convolution's input length.
        expected: usize,
        /// The vectors' length.
        actual: usize,
    },
}

/// What a prompt is about, as far as the guardrails care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Category {
    /// Allowed.
    Benign,
    /// Sexual or nude content.
    Sexual,
    /// Graphic violence, gore, self-harm, weapons attacks.
    Violence,
    /// Spam, scams, links, ads.
    Spam,
    /// A real, named public figure.
    PublicFigure,
}

impl Category {
    /// All categories, in the weight file's class order.
    pub const ALL: [Category; CLASSES] = [
        Category::Benign,
        Category::Sexual,
        Category::Violence,
        Category::Spam,
        Category::PublicFigure,
    ];

    /// The policy's category id (`benign` has none in the policy).
    pub fn id(self) -> &'static str {
        match self {
            Category::Benign => "benign",
            Category::Sexual => "sexual",
            Category::Violence => "violence",
            Category::Spam => "spam",
            Category::PublicFigure => "public_figure",
        }
    }

    /// Parses a policy category id.
    pub fn from_id(id: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|c| c.id() == id)
    }

    /// Position in [`Category::ALL`] and in probability arrays.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The classifier's verdict on one prompt.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Classification {
    /// The most likely category.
    pub category: Category,
    /// Its probability.
    pub probability: f32,
    /// Probability of every category, in [`Category::ALL`] order.
    pub probabilities: [f32; CLASSES],
    /// The highest probability of "disallowed" either model gave on its own. Padding a
    /// prompt with harmless words dilutes the n-grams' evidence but not the max-pooled
    /// convolution's, so an override asks both models.
    pub strictest_disallowed: f32,
}

impl Classification {
    /// Probability that the prompt is disallowed (any category but benign).
    pub fn disallowed_probability(&self) -> f32 {
        1.0 - self.probabilities[Category::Benign.index()]
    }

    /// The most likely disallowed category (what a refusal should cite).
    pub fn likeliest_disallowed(&self) -> Category {
        Category::ALL[1..]
            .iter()
            .copied()
            .max_by(|a, b| self.probabilities[a.index()].total_cmp(&self.probabilities[b.index()]))
            .unwrap_or(Category::Sexual)
    }

    /// Confident enough that the prompt is disallowed to refuse it.
    pub fn should_refuse(&self) -> bool {
        self.disallowed_probability() >= REFUSE_THRESHOLD
    }

    /// Confident enough that the prompt is benign to allow it despite a word-list or
    /// name-shape rule refusal.
    pub fn overrides_rule_refusal(&self) -> bool {
        self.disallowed_probability() <= OVERRIDE_DISALLOWED_BELOW
            && self.strictest_disallowed <= OVERRIDE_DISALLOWED_BELOW
    }
}

/// The classifier: quantized weights and their feature space, and optionally the word
/// convolution with its vectors (averaged in when present).
#[derive(Debug, Clone)]
pub struct PromptClassifier {
    weights: Weights,
    word_conv: Option<(WordConvNet, std::sync::Arc<WordVectors>)>,
}

impl PromptClassifier {
    /// The classifier the guardrails use: the one [`PromptClassifier::install`]ed, else the
    /// one compiled into the binary — blended ([`assets::PROMPT_CLASSIFIER`] and the word
    /// convolution's files) with `embedded-vectors`, the n-gram model alone without.
    pub fn builtin() -> &'static PromptClassifier {
        static BUILTIN: OnceLock<PromptClassifier> = OnceLock::new();
        if let Some(installed) = INSTALLED.get() {
            return installed;
        }
        BUILTIN.get_or_init(|| {
            // The files are part of the source tree and decoded by a unit test, so a broken
            // file fails the tests, never a user's session.
            #[cfg(feature = "embedded-vectors")]
            let compiled = Self::from_files(
                assets::PROMPT_CLASSIFIER.bytes,
                assets::WORD_CONV.bytes,
                assets::WORD_VECTORS.bytes,
            );
            #[cfg(not(feature = "embedded-vectors"))]
            let compiled = Self::from_bytes(assets::PROMPT_CLASSIFIER.bytes);
            compiled.expect("the classifier's files are valid")
        })
    }

    /// Makes `classifier` the one [`PromptClassifier::builtin`] returns from now on (the
    /// page's path: it fetches the word convolution's files, checks them and builds the
    /// full classifier with [`PromptClassifier::from_fetched`]). Only the first call
    /// counts; returns whether this one did.
    pub fn install(classifier: PromptClassifier) -> bool {
        INSTALLED.set(classifier).is_ok()
    }

    /// The full classifier from the word convolution's fetched files (see
    /// [`assets::FETCHED`]) and the n-gram weights compiled in.
    pub fn from_fetched(word_conv: &[u8], word_vectors: &[u8]) -> Result<Self, ClassifierError> {
        Self::from_files(assets::PROMPT_CLASSIFIER.bytes, word_conv, word_vectors)
    }

    /// Whether the word convolution is part of this classifier.
    pub fn has_word_conv(&self) -> bool {
        self.word_conv.is_some()
    }

    /// The word vectors the convolution reads (shared: the video model's text encoder
    /// looks words up in the same table).
    pub fn word_vectors(&self) -> Option<std::sync::Arc<WordVectors>> {
        self.word_conv.as_ref().map(|(_, v)| v.clone())
    }

    /// The blended classifier from its three files' bytes: n-gram weights, word
    /// convolution, word vectors (the browser may fetch and cache them).
    pub fn from_files(
        ngram_weights: &[u8],
        word_conv: &[u8],
        word_vectors: &[u8],
    ) -> Result<Self, ClassifierError> {
        let vectors = WordVectors::decode(word_vectors)?;
        Self::from_bytes(ngram_weights)?
            .with_word_conv(WordConvNet::decode(word_conv)?, vectors.into())
    }

    /// The word vectors compiled into the binary (what the builtin convolution reads).
    #[cfg(feature = "embedded-vectors")]
    pub fn builtin_word_vectors() -> Result<WordVectors, WordVectorsError> {
        WordVectors::decode(assets::WORD_VECTORS.bytes)
    }

    /// An n-gram-only classifier from a weight file's bytes.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ClassifierError> {
        Ok(Self {
            weights: Weights::decode(bytes)?,
            word_conv: None,
        })
    }

    /// Adds the word convolution: its probabilities are blended with the n-grams'.
    pub fn with_word_conv(
        self,
        net: WordConvNet,
        vectors: std::sync::Arc<WordVectors>,
    ) -> Result<Self, ClassifierError> {
        if net.dims != vectors.dims() {
            return Err(ClassifierError::DimsMismatch {
                expected: net.dims,
                actual: vectors.dims(),
            });
        }
        Ok(Self {
            word_conv: Some((net, vectors)),
            ..self
        })
    }

    /// Classifies a prompt (raw or already normalized: normalization is idempotent
    /// enough that both give the same features for plain text).
    pub fn classify(&self, normalized_or_raw: &str) -> Classification {
        let normalized = normalize(normalized_or_raw);
        let (buckets, value) =
            features::features_of(normalized_or_raw, &normalized, self.weights.bits);
        let mut probabilities = softmax(self.weights.logits(&buckets, value));
        let disallowed = |p: &[f32; CLASSES]| 1.0 - p[Category::Benign.index()];
        let mut strictest_disallowed = disallowed(&probabilities);
        if let Some((net, vectors)) = &self.word_conv {
            let x = word_conv::embed_normalized(&normalized, vectors);
            // With no word the vectors know (another script, names, typos) the
            // convolution has no evidence, only its bias: leave it out.
            if x.words > 0 {
                let conv = softmax(net.classify_logits(&x));
                strictest_disallowed = strictest_disallowed.max(disallowed(&conv));
                for (p, q) in probabilities.iter_mut().zip(conv) {
                    *p = NGRAM_SHARE * *p + (1.0 - NGRAM_SHARE) * q;
                }
            }
        }
        let best = (0..CLASSES)
            .max_by(|&a, &b| probabilities[a].total_cmp(&probabilities[b]))
            .unwrap_or(0);
        Classification {
            category: Category::ALL[best],
            probability: probabilities[best],
            probabilities,
            strictest_disallowed,
        }
    }
}

/// Softmax, shifted by the maximum for stability.
pub fn softmax(logits: [f32; CLASSES]) -> [f32; CLASSES] {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp = logits.map(|l| (l - max).exp());
    let sum: f32 = exp.iter().sum();
    exp.map(|e| e / sum)
}

#[cfg(test)]
mod tests;
