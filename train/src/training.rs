//! Training: multinomial logistic regression by AdaGrad SGD over hashed features.
//! Deterministic for a given seed (own PRNG, fixed iteration order, no threads).

use crate::dataset::Example;
use kinora_safety::classifier::weights::Weights;
use kinora_safety::classifier::{CLASSES, Category, features::features};

/// Training knobs.
#[derive(Debug, Clone, Copy)]
pub struct TrainConfig {
    /// log2 of the hash bucket count.
    pub bits: u32,
    /// Passes over the data.
    pub epochs: usize,
    /// AdaGrad base step.
    pub learning_rate: f32,
    /// L2 penalty on touched weights.
    pub l2: f32,
    /// Loss weight of benign examples (others weigh 1): trades false refusals for misses.
    pub benign_weight: f32,
    /// Shuffling seed.
    pub seed: u64,
}

impl TrainConfig {
    /// Sets a knob from a command-line flag (`--seed`, `--bits`, `--epochs`, `--lr`,
    /// `--l2`, `--benign-weight`); `Ok(false)` when `flag` is not a training knob, so the
    /// tools handle their own flags after this.
    pub fn set_flag(&mut self, flag: &str, value: &str) -> Result<bool, String> {
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag {
            "--seed" => self.seed = value.parse().map_err(|e| bad(&e))?,
            "--bits" => self.bits = value.parse().map_err(|e| bad(&e))?,
            "--epochs" => self.epochs = value.parse().map_err(|e| bad(&e))?,
            "--lr" => self.learning_rate = value.parse().map_err(|e| bad(&e))?,
            "--l2" => self.l2 = value.parse().map_err(|e| bad(&e))?,
            "--benign-weight" => self.benign_weight = value.parse().map_err(|e| bad(&e))?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

impl Default for TrainConfig {
    fn default() -> Self {
        Self {
            bits: 16,
            epochs: 12,
            learning_rate: 0.2,
            l2: 1e-6,
            benign_weight: 1.0,
            seed: 42,
        }
    }
}

/// A prompt turned into features, with its label and loss weight.
#[derive(Debug, Clone)]
pub struct Featurized {
    buckets: Vec<u32>,
    value: f32,
    label: usize,
    weight: f32,
}

/// Featurizes `(prompt, label)` pairs; `weight` multiplies each example's loss.
pub fn featurize<'a>(
    rows: impl IntoIterator<Item = (&'a str, Category, f32)>,
    bits: u32,
) -> Vec<Featurized> {
    rows.into_iter()
        .map(|(prompt, label, weight)| {
            let (buckets, value) = features(prompt, bits);
            Featurized {
                buckets,
                value,
                label: label.index(),
                weight,
            }
        })
        .collect()
}

/// Featurizes labelled examples, each weighted by [`example_weight`].
pub fn featurize_examples(examples: &[Example], config: &TrainConfig) -> Vec<Featurized> {
    featurize(
        examples
            .iter()
            .map(|e| (e.prompt.as_str(), e.label, example_weight(e.label, config))),
        config.bits,
    )
}

/// SplitMix64: tiny, seedable, and the same everywhere.
pub struct Rng(u64);

impl Rng {
    /// Seeded generator.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Fisher–Yates shuffle.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = (self.next_u64() % (i as u64 + 1)) as usize;
            items.swap(i, j);
        }
    }
}

/// Trains and returns the encoded (quantized) weight file.
pub fn train(data: &[Featurized], config: &TrainConfig) -> Vec<u8> {
    let buckets = 1usize << config.bits;
    let mut w = vec![0.0f32; buckets * CLASSES];
    let mut g2 = vec![1e-6f32; buckets * CLASSES];
    let mut bias = [0.0f32; CLASSES];
    let mut bias_g2 = [1e-6f32; CLASSES];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let mut rng = Rng::new(config.seed);
    let lr = config.learning_rate;
    for _ in 0..config.epochs {
        rng.shuffle(&mut order);
        for &i in &order {
            let ex = &data[i];
            let mut logits = bias;
            for &b in &ex.buckets {
                let row = &w[b as usize * CLASSES..][..CLASSES];
                for c in 0..CLASSES {
                    logits[c] += row[c] * ex.value;
                }
            }
            let p = kinora_safety::classifier::softmax(logits);
            let grad: [f32; CLASSES] =
                std::array::from_fn(|c| (p[c] - if c == ex.label { 1.0 } else { 0.0 }) * ex.weight);
            for c in 0..CLASSES {
                bias_g2[c] += grad[c] * grad[c];
                bias[c] -= lr * grad[c] / bias_g2[c].sqrt();
            }
            for &b in &ex.buckets {
                let at = b as usize * CLASSES;
                for c in 0..CLASSES {
                    let g = grad[c] * ex.value + config.l2 * w[at + c];
                    g2[at + c] += g * g;
                    w[at + c] -= lr * g / g2[at + c].sqrt();
                }
            }
        }
    }
    Weights::encode(config.bits, &bias, &w)
}

/// Sample weights for training: benign examples weigh `config.benign_weight`.
pub fn example_weight(label: Category, config: &TrainConfig) -> f32 {
    if label == Category::Benign {
        config.benign_weight
    } else {
        1.0
    }
}
