//! Training of the word-convolution model ([`WordConvNet`]): softmax cross-entropy,
//! Adam on minibatches, dropout on words and on pooled channels, hand-written backward
//! through the window each channel picked. The word vectors stay frozen: a word never
//! seen in training keeps its pretrained neighbours, which is the point of the model.
//! Deterministic for a given seed (own PRNG, fixed order, no threads).

use crate::dataset::Example;
use crate::training::Rng;
use kinora_safety::classifier::word_conv::{Embedded, WINDOW, WordConvNet, embed};
use kinora_safety::classifier::word_vectors::WordVectors;
use kinora_safety::classifier::{CLASSES, Category, softmax};

/// Training knobs.
#[derive(Debug, Clone, Copy)]
pub struct ConvConfig {
    /// Convolution channels.
    pub channels: usize,
    /// Passes over the data.
    pub epochs: usize,
    /// Adam step.
    pub learning_rate: f32,
    /// Examples per Adam step.
    pub batch: usize,
    /// Probability of dropping each word of a training prompt.
    pub word_dropout: f32,
    /// Probability of dropping each pooled channel.
    pub channel_dropout: f32,
    /// Loss weight of benign examples (others weigh 1).
    pub benign_weight: f32,
    /// Initialization and shuffling seed.
    pub seed: u64,
}

impl Default for ConvConfig {
    fn default() -> Self {
        Self {
            channels: 128,
            epochs: 20,
            learning_rate: 1e-3,
            batch: 32,
            word_dropout: 0.1,
            channel_dropout: 0.3,
            benign_weight: 1.0,
            seed: 7,
        }
    }
}

impl ConvConfig {
    /// Sets a knob from a command-line flag (`--channels`, `--conv-epochs`, `--conv-lr`,
    /// `--batch`, `--word-dropout`, `--channel-dropout`, `--conv-benign-weight`,
    /// `--conv-seed`); `Ok(false)` when `flag` is not one of them.
    pub fn set_flag(&mut self, flag: &str, value: &str) -> Result<bool, String> {
        let bad = |e: &dyn std::fmt::Display| format!("{flag} {value}: {e}");
        match flag {
            "--channels" => self.channels = value.parse().map_err(|e| bad(&e))?,
            "--conv-epochs" => self.epochs = value.parse().map_err(|e| bad(&e))?,
            "--conv-lr" => self.learning_rate = value.parse().map_err(|e| bad(&e))?,
            "--batch" => {
                self.batch = value.parse().map_err(|e| bad(&e))?;
                if self.batch == 0 {
                    return Err(bad(&"must be at least 1"));
                }
            }
            "--word-dropout" => self.word_dropout = value.parse().map_err(|e| bad(&e))?,
            "--channel-dropout" => self.channel_dropout = value.parse().map_err(|e| bad(&e))?,
            "--conv-benign-weight" => self.benign_weight = value.parse().map_err(|e| bad(&e))?,
            "--conv-seed" => self.seed = value.parse().map_err(|e| bad(&e))?,
            _ => return Ok(false),
        }
        Ok(true)
    }
}

/// Uniform in [0, 1).
fn uniform(rng: &mut Rng) -> f32 {
    (rng.next_u64() >> 40) as f32 / (1u64 << 24) as f32
}

/// Adam state for one parameter vector.
struct Adam {
    m: Vec<f32>,
    v: Vec<f32>,
}

impl Adam {
    fn new(n: usize) -> Self {
        Self {
            m: vec![0.0; n],
            v: vec![0.0; n],
        }
    }

    fn step(&mut self, params: &mut [f32], grads: &[f32], lr: f32, t: i32) {
        let (b1, b2, eps) = (0.9f32, 0.999f32, 1e-8f32);
        let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
        for i in 0..params.len() {
            let g = grads[i];
            self.m[i] = b1 * self.m[i] + (1.0 - b1) * g;
            self.v[i] = b2 * self.v[i] + (1.0 - b2) * g * g;
            params[i] -= lr * (self.m[i] / c1) / ((self.v[i] / c2).sqrt() + eps);
        }
    }
}

/// Embeds labelled examples once (the vectors are frozen), each with its loss weight
/// (benign examples weigh `config.benign_weight`, others 1).
pub fn embed_examples(
    examples: &[Example],
    vectors: &WordVectors,
    config: &ConvConfig,
) -> Vec<(Embedded, usize, f32)> {
    examples
        .iter()
        .map(|e| {
            let weight = if e.label == Category::Benign {
                config.benign_weight
            } else {
                1.0
            };
            (embed(&e.prompt, vectors), e.label.index(), weight)
        })
        .collect()
}

/// `x` with each word dropped with probability `p` (never all of them).
fn drop_words(x: &Embedded, dims: usize, p: f32, rng: &mut Rng) -> Embedded {
    if p <= 0.0 || x.words < 2 {
        return x.clone();
    }
    let mut rows = vec![0.0; dims];
    let mut words = 0;
    for w in 0..x.words {
        if uniform(rng) >= p {
            rows.extend_from_slice(&x.rows[(w + 1) * dims..(w + 2) * dims]);
            words += 1;
        }
    }
    if words == 0 {
        return x.clone();
    }
    rows.extend(std::iter::repeat_n(0.0, dims));
    Embedded { rows, words }
}

/// Trains a model on embedded examples `(prompt, class, weight)`.
pub fn train_word_conv(
    data: &[(Embedded, usize, f32)],
    dims: usize,
    config: &ConvConfig,
) -> WordConvNet {
    let mut rng = Rng::new(config.seed);
    let channels = config.channels;
    let fan_in = WINDOW * dims;
    // He-uniform: inputs are of order one after the embedding gain.
    let limit = (6.0 / fan_in as f32).sqrt();
    let mut net = WordConvNet {
        dims,
        channels,
        conv_w: (0..channels * fan_in)
            .map(|_| (uniform(&mut rng) * 2.0 - 1.0) * limit)
            .collect(),
        conv_b: vec![0.0; channels],
        out_w: (0..CLASSES * channels)
            .map(|_| (uniform(&mut rng) * 2.0 - 1.0) * (6.0 / channels as f32).sqrt() * 0.1)
            .collect(),
        out_b: [0.0; CLASSES],
    };
    let mut adam_conv_w = Adam::new(net.conv_w.len());
    let mut adam_conv_b = Adam::new(channels);
    let mut adam_out_w = Adam::new(net.out_w.len());
    let mut adam_out_b = Adam::new(CLASSES);
    let mut g_conv_w = vec![0.0; net.conv_w.len()];
    let mut g_conv_b = vec![0.0; channels];
    let mut g_out_w = vec![0.0; net.out_w.len()];
    let mut g_out_b = [0.0f32; CLASSES];
    let mut order: Vec<usize> = (0..data.len()).collect();
    let keep = 1.0 - config.channel_dropout;
    let mut step = 0;
    for _ in 0..config.epochs {
        rng.shuffle(&mut order);
        for batch in order.chunks(config.batch) {
            for &i in batch {
                let (x, label, weight) = &data[i];
                let x = drop_words(x, dims, config.word_dropout, &mut rng);
                let pooled = net.pool(&x);
                let mask: Vec<f32> = (0..channels)
                    .map(|_| {
                        if uniform(&mut rng) < keep {
                            1.0 / keep
                        } else {
                            0.0
                        }
                    })
                    .collect();
                let dropped: Vec<f32> = pooled
                    .values
                    .iter()
                    .zip(&mask)
                    .map(|(v, m)| v * m)
                    .collect();
                let p = softmax(net.logits(&dropped));
                let g: [f32; CLASSES] =
                    std::array::from_fn(|c| (p[c] - f32::from(u8::from(c == *label))) * weight);
                for c in 0..CLASSES {
                    g_out_b[c] += g[c];
                    for h in 0..channels {
                        g_out_w[c * channels + h] += g[c] * dropped[h];
                    }
                }
                for h in 0..channels {
                    let Some(t) = pooled.argmax[h] else { continue };
                    let d: f32 = (0..CLASSES)
                        .map(|c| g[c] * net.out_w[c * channels + h])
                        .sum::<f32>()
                        * mask[h];
                    if d == 0.0 {
                        continue;
                    }
                    g_conv_b[h] += d;
                    let input = &x.rows[t * dims..t * dims + fan_in];
                    for (gw, xi) in g_conv_w[h * fan_in..(h + 1) * fan_in].iter_mut().zip(input) {
                        *gw += d * xi;
                    }
                }
            }
            step += 1;
            let n = batch.len() as f32;
            for g in g_conv_w
                .iter_mut()
                .chain(&mut g_conv_b)
                .chain(&mut g_out_w)
                .chain(&mut g_out_b)
            {
                *g /= n;
            }
            let lr = config.learning_rate;
            adam_conv_w.step(&mut net.conv_w, &g_conv_w, lr, step);
            adam_conv_b.step(&mut net.conv_b, &g_conv_b, lr, step);
            adam_out_w.step(&mut net.out_w, &g_out_w, lr, step);
            adam_out_b.step(&mut net.out_b, &g_out_b, lr, step);
            for g in g_conv_w
                .iter_mut()
                .chain(&mut g_conv_b)
                .chain(&mut g_out_w)
                .chain(&mut g_out_b)
            {
                *g = 0.0;
            }
        }
    }
    net
}
