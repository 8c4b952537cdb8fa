//! The text encoder: free text → per-token embeddings (for the DiT's cross-attention), a
//! pooled vector, and the attributes the prompt names (object colours, classes, motions,
//! camera, scene), predicted by a small transformer over frozen pretrained word vectors.
//!
//! Why this shape: the video model learns from few samples on a CPU, so it must receive a
//! condition that is already disentangled. The encoder is trained first, on text alone
//! (cheap: thousands of prompts per second), to name the attributes; the DiT then reads
//! those attribute probabilities as a clean pooled condition next to the token states.
//! Free text works because the words enter as GloVe vectors (the guardrails' 40k-word
//! table): "crimson" lands near "red", an unknown word is dropped, and a typo is mended
//! to the nearest word of the training vocabulary ([`Tokenizer`]).

use super::layers::{Attention, AttentionConfig, Mlp, MlpConfig, key_bias};
use burn::module::Param;
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::softmax;
use serde::{Deserialize, Serialize};

/// A table of pretrained word vectors (GloVe in the product).
pub trait WordLookup {
    /// Vector width.
    fn dims(&self) -> usize;
    /// Writes the unit vector of `word` into `out` and returns true, or returns false when
    /// the word is unknown.
    fn lookup_into(&self, word: &str, out: &mut [f32]) -> bool;
}

/// One prompt, tokenized: word vectors, padding mask and what happened to each word.
#[derive(Debug, Clone, PartialEq)]
pub struct TokenizedPrompt {
    /// `max_words × dims` word vectors, zero where padded.
    pub vectors: Vec<f32>,
    /// `max_words` flags: true where a word is present.
    pub valid: Vec<bool>,
    /// The words used, after typo repair.
    pub words: Vec<String>,
    /// Typos mended: (as typed, used instead).
    pub corrected: Vec<(String, String)>,
    /// Words neither known nor close to a known word (ignored).
    pub ignored: Vec<String>,
}

/// Splits text into words, looks each up in the word vectors and mends typos against the
/// vocabulary seen in training (a word at edit distance 1, or 2 for words of 6+ letters).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tokenizer {
    /// Words of the training prompts, the targets of typo repair.
    pub lexicon: Vec<String>,
    /// Most words kept (longer prompts are cut).
    pub max_words: usize,
}

impl Tokenizer {
    /// Lower-case words of `text` (letters, digits and inner apostrophes).
    pub fn words(text: &str) -> Vec<String> {
        text.to_lowercase()
            .split(|c: char| !(c.is_alphanumeric() || c == '\''))
            .map(|w| w.trim_matches('\''))
            .filter(|w| !w.is_empty())
            .map(str::to_string)
            .collect()
    }

    /// Tokenizes `text`.
    pub fn tokenize(&self, text: &str, table: &dyn WordLookup) -> TokenizedPrompt {
        let dims = table.dims();
        let mut out = TokenizedPrompt {
            vectors: vec![0.0; self.max_words * dims],
            valid: vec![false; self.max_words],
            words: Vec::new(),
            corrected: Vec::new(),
            ignored: Vec::new(),
        };
        let mut slot = 0;
        for word in Self::words(text) {
            if slot == self.max_words {
                break;
            }
            let row = &mut out.vectors[slot * dims..(slot + 1) * dims];
            let in_lexicon = self.lexicon.binary_search(&word).is_ok();
            let used = if in_lexicon || table.lookup_into(&word, row) {
                Some(word.clone())
            } else {
                self.nearest(&word).map(str::to_string)
            };
            match used {
                Some(w) if table.lookup_into(&w, row) => {
                    if w != word {
                        out.corrected.push((word, w.clone()));
                    }
                    out.words.push(w);
                    out.valid[slot] = true;
                    slot += 1;
                }
                _ => out.ignored.push(word),
            }
        }
        out
    }

    /// Tokenizes a batch of prompts into the encoder's input.
    ///
    /// # Shapes
    /// returns word vectors `[batch, max_words, dims]`, `batch × max_words` validity flags
    /// (row-major) and each prompt's tokenization
    pub fn batch<S: AsRef<str>>(
        &self,
        prompts: &[S],
        table: &dyn WordLookup,
        device: &Device,
    ) -> (Tensor<3>, Vec<bool>, Vec<TokenizedPrompt>) {
        let (m, dims) = (self.max_words, table.dims());
        let tokens: Vec<TokenizedPrompt> = prompts
            .iter()
            .map(|p| self.tokenize(p.as_ref(), table))
            .collect();
        let vectors: Vec<f32> = tokens
            .iter()
            .flat_map(|t| t.vectors.iter().copied())
            .collect();
        let valid: Vec<bool> = tokens
            .iter()
            .flat_map(|t| t.valid.iter().copied())
            .collect();
        let x =
            Tensor::<1>::from_data(TensorData::new(vectors, [prompts.len() * m * dims]), device)
                .reshape([prompts.len(), m, dims]);
        (x, valid, tokens)
    }

    /// The lexicon word closest to `word`, if close enough to be a typo of it.
    fn nearest(&self, word: &str) -> Option<&str> {
        let limit = if word.chars().count() >= 6 { 2 } else { 1 };
        if word.chars().count() < 3 {
            return None;
        }
        self.lexicon
            .iter()
            .map(|w| (edit_distance(word, w), w))
            .filter(|(d, _)| *d <= limit)
            .min_by_key(|(d, _)| *d)
            .map(|(_, w)| w.as_str())
    }
}

/// Damerau–Levenshtein distance (optimal string alignment), on characters.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for i in 0..=a.len() {
        d[i * w] = i;
    }
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1)
                .min(d[(i - 1) * w + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// One named group of mutually exclusive attribute labels the encoder predicts (e.g.
/// `camera`: static, pan_left, …). The schema travels in the model's manifest, so the
/// engine knows no scene grammar of its own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttributeGroup {
    /// Group name (`object1_colour`, `camera`, `camera_speed`, …).
    pub name: String,
    /// Labels, in logit order.
    pub labels: Vec<String>,
}

/// Configuration of [`TextEncoder`].
#[derive(Config, Debug)]
pub struct TextEncoderConfig {
    /// Width of the pretrained word vectors.
    #[config(default = 100)]
    pub word_dims: usize,
    /// Transformer width.
    #[config(default = 128)]
    pub d_model: usize,
    /// Transformer layers.
    #[config(default = 2)]
    pub layers: usize,
    /// Attention heads.
    #[config(default = 4)]
    pub heads: usize,
    /// Most words per prompt.
    #[config(default = 32)]
    pub max_words: usize,
    /// Number of labels of each attribute group, in order.
    pub groups: Vec<usize>,
}

#[derive(Module, Debug)]
struct EncoderLayer {
    norm_attn: LayerNorm,
    attn: Attention,
    norm_mlp: LayerNorm,
    mlp: Mlp,
}

/// Transformer text encoder with attribute heads.
#[derive(Module, Debug)]
pub struct TextEncoder {
    project: Linear,
    summary: Param<Tensor<2>>,
    position: Param<Tensor<2>>,
    layers: Vec<EncoderLayer>,
    norm: LayerNorm,
    heads: Linear,
    groups: Vec<usize>,
}

/// What the encoder makes of a batch of prompts.
#[derive(Debug, Clone)]
pub struct TextEncoding {
    /// Per-token states, summary token first: `[batch, 1 + max_words, d_model]`.
    pub tokens: Tensor<3>,
    /// Key bias for attending to `tokens`: `[batch, 1, 1, 1 + max_words]`.
    pub bias: Tensor<4>,
    /// Pooled vector (the summary token's state): `[batch, d_model]`.
    pub pooled: Tensor<2>,
    /// Attribute logits, groups concatenated: `[batch, Σ groups]`.
    pub logits: Tensor<2>,
}

impl TextEncoderConfig {
    /// Builds the encoder.
    pub fn init(&self, device: &Device) -> TextEncoder {
        let d = self.d_model;
        let small = Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        TextEncoder {
            project: LinearConfig::new(self.word_dims, d).init(device),
            summary: small.init([1, d], device),
            position: small.init([self.max_words + 1, d], device),
            layers: (0..self.layers)
                .map(|_| EncoderLayer {
                    norm_attn: LayerNormConfig::new(d).init(device),
                    attn: AttentionConfig::new(d, d, self.heads).init(device),
                    norm_mlp: LayerNormConfig::new(d).init(device),
                    mlp: MlpConfig::new(d).init(device),
                })
                .collect(),
            norm: LayerNormConfig::new(d).init(device),
            heads: LinearConfig::new(d, self.groups.iter().sum()).init(device),
            groups: self.groups.clone(),
        }
    }
}

impl TextEncoder {
    /// Encodes a batch of tokenized prompts.
    ///
    /// # Shapes
    /// - vectors: `[batch, max_words, word_dims]`
    /// - valid: `batch × max_words` flags, row-major
    pub fn forward(&self, vectors: Tensor<3>, valid: &[bool]) -> TextEncoding {
        let [b, m, _] = vectors.dims();
        let device = vectors.device();
        let words = self.project.forward(vectors);
        let summary = self.summary.val().unsqueeze_dim::<3>(0).repeat_dim(0, b);
        let mut x = Tensor::cat(vec![summary, words], 1) + self.position.val().unsqueeze_dim(0);
        let mut keys = Vec::with_capacity(b * (m + 1));
        for row in valid.chunks(m) {
            keys.push(true);
            keys.extend_from_slice(row);
        }
        let bias = key_bias(&keys, b, m + 1, &device);
        for layer in &self.layers {
            let h = layer.norm_attn.forward(x.clone());
            x = x.clone() + layer.attn.forward(h.clone(), h, Some(bias.clone()));
            x = x.clone() + layer.mlp.forward(layer.norm_mlp.forward(x));
        }
        let tokens = self.norm.forward(x);
        let pooled = tokens
            .clone()
            .narrow(1, 0, 1)
            .reshape([b, tokens.dims()[2]]);
        let logits = self.heads.forward(pooled.clone());
        TextEncoding {
            tokens,
            bias,
            pooled,
            logits,
        }
    }

    /// Label counts of the attribute groups.
    pub fn groups(&self) -> &[usize] {
        &self.groups
    }
}

/// Softmax within each attribute group.
///
/// # Shapes
/// `[batch, Σ groups]` → `[batch, Σ groups]`
pub fn group_probabilities(logits: Tensor<2>, groups: &[usize]) -> Tensor<2> {
    let parts = logits
        .split_with_sizes(groups.to_vec(), 1)
        .into_iter()
        .map(|g| softmax(g, 1))
        .collect();
    Tensor::cat(parts, 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_swaps_as_one() {
        assert_eq!(edit_distance("red", "red"), 0);
        assert_eq!(edit_distance("rde", "red"), 1);
        assert_eq!(edit_distance("bal", "ball"), 1);
        assert_eq!(edit_distance("yelow", "yellow"), 1);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn words_are_lower_case_and_split_on_punctuation() {
        assert_eq!(
            Tokenizer::words("A Red ball, bounces!  'quickly'"),
            ["a", "red", "ball", "bounces", "quickly"]
        );
    }
}
