//! The audio model: a flow-matching transformer over log-magnitude spectrogram frames
//! (see [`super::spectrum`]), conditioned on the prompt and, frame by frame, on the video
//! it belongs to.
//!
//! - **Codec**: each 10-ms log-magnitude frame (513 bins) is coded as `codec_dims`
//!   principal components of the training frames (a linear autoencoder fitted once, kept
//!   with the weights); the flow runs on those unit-scaled coefficients, a sixteenth of the
//!   numbers, so the few samples this CPU can train on go into structure, not bins.
//! - **Tokens**: two frames each (20 ms), so a 2 s clip is 100 tokens.
//! - **Text**: every block cross-attends to the text encoder's token states (the video
//!   model's encoder, frozen); its pooled vector joins the flow time in adaLN. A learned
//!   query also reads the sound attributes (the bed's kind and key) from those tokens,
//!   trained with their labels, and their probabilities join adaLN too.
//! - **Video, aligned in time** (as MMAudio's synchronisation features, added per token):
//!   each token gets the objects' track around its own instant — the positions, radii and
//!   presence of the video frames just before and after it, the token's sub-frame phase
//!   between them and each object's colour/kind features. These tracks are what the object
//!   layer draws (the scene latents hold no objects), so an impact is heard on the frame
//!   where the picture shows the contact. The contacts themselves are read off the tracks
//!   between frames ([`super::contacts`]): a frame is 83 ms, twice the tolerance.
//!   Periodic features of the absolute time carry the bed's rhythm (strums every 0.5 s,
//!   chords every second) to any clip length.
//!
//! The unconditional branch of guidance drops the text and keeps the video features, so
//! guidance sharpens what the prompt asks for without moving the impacts.

use super::contacts;
use super::layers::{Attention, AttentionConfig, CrossBlock, modulate, timestep_embedding};
use super::layout::{SLOTS, Trajectory};
use super::spectrum::{BINS, HOP};
use super::speech::{self, SPEECH_FEATURES, Syllable};
use super::text::group_probabilities;
use burn::module::Param;
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;

/// STFT frames per token.
pub const FRAMES_PER_TOKEN: usize = 2;
/// Periods (s) of the sine/cosine features of absolute time.
pub const TIME_PERIODS: [f32; 5] = [0.25, 0.5, 1.0, 2.0, 4.0];
/// Video frames around a token's instant that it sees, relative to the frame just before it.
pub const NEAR_FRAMES: [isize; 4] = [-1, 0, 1, 2];
/// Numbers per slot and seen frame: x, y, radius, presence.
const TRACK_VALUES: usize = 4;

/// Width of the aligned feature vector of each token for objects described by
/// `object_dims` numbers per slot, with the spoken line's features when `speech`.
pub fn aligned_dims(object_dims: usize, speech: bool) -> usize {
    1 + 2 * TIME_PERIODS.len()
        + SLOTS * (NEAR_FRAMES.len() * TRACK_VALUES + object_dims + contacts::FEATURES_PER_SLOT)
        + if speech { SPEECH_FEATURES } else { 0 }
}

/// Where in a token's aligned features the objects' part ends (the speech part follows).
pub fn objects_end(object_dims: usize) -> usize {
    aligned_dims(object_dims, false)
}

/// Duration of one token in seconds at `sample_rate`.
pub fn token_seconds(sample_rate: u32) -> f32 {
    (FRAMES_PER_TOKEN * HOP) as f32 / sample_rate as f32
}

/// The per-token features of a clip's video: `tokens × aligned_dims(object_dims, speech)`,
/// row-major, for tokens starting at token index `first` of the clip.
///
/// `objects[slot]` describes each object (the decoder's colour/kind probabilities; an
/// empty or missing entry is zeros). A slot's track values are taken from the video frames
/// around each token's centre: the frame at or before it and its neighbours (clamped to the
/// clip), so a contact between two frames is placed by the phase `u` between them; and
/// the contacts read off the tracks ([`contacts::detect`]), placed between frames, give
/// each slot its [`contacts::features_at`] the token's centre. With `speech` (models that
/// voice a line), the line's [`speech::features_at`] the token's centre follow: the same
/// schedule that opens the speaker's mouth in the picture.
#[allow(clippy::too_many_arguments)]
pub fn aligned_features(
    plan: &Trajectory,
    objects: &[Vec<f32>],
    object_dims: usize,
    speech: Option<&[Syllable]>,
    fps: u32,
    sample_rate: u32,
    first: usize,
    tokens: usize,
) -> Vec<f32> {
    let width = aligned_dims(object_dims, speech.is_some());
    let mut out = Vec::with_capacity(tokens * width);
    let last = plan.frames.saturating_sub(1) as isize;
    let found = contacts::detect(plan, fps);
    for i in first..first + tokens {
        let t = (i as f32 + 0.5) * token_seconds(sample_rate);
        let p = t * fps as f32;
        let f = p.floor();
        out.push(p - f);
        for period in TIME_PERIODS {
            let a = std::f32::consts::TAU * t / period;
            out.push(a.sin());
            out.push(a.cos());
        }
        for s in 0..SLOTS {
            for k in NEAR_FRAMES {
                let frame = (f as isize + k).clamp(0, last) as usize;
                let v = plan.at(frame, s);
                out.extend([2.0 * v.x - 1.0, 2.0 * v.y - 1.0, 8.0 * v.radius, v.presence]);
            }
            let o = objects.get(s).map(Vec::as_slice).unwrap_or(&[]);
            out.extend((0..object_dims).map(|j| o.get(j).copied().unwrap_or(0.0)));
            out.extend(contacts::features_at(&found, s, t));
        }
        if let Some(syllables) = speech {
            out.extend(speech::features_at(syllables, t));
        }
    }
    out
}

/// Configuration of [`AudioDit`].
#[derive(Config, Debug)]
pub struct AudioDitConfig {
    /// Transformer width.
    #[config(default = 128)]
    pub d_model: usize,
    /// Transformer blocks.
    #[config(default = 6)]
    pub depth: usize,
    /// Attention heads.
    #[config(default = 4)]
    pub heads: usize,
    /// Width of the text encoder's tokens and pooled vector.
    #[config(default = 128)]
    pub text_dims: usize,
    /// Numbers describing each object slot (see [`aligned_features`]).
    pub object_dims: usize,
    /// Coefficients per frame of the codec (principal components of log-magnitude
    /// frames, see [`AudioDit::encode_frames`]).
    #[config(default = 64)]
    pub codec_dims: usize,
    /// Label counts of the sound attributes the model reads from the text itself (e.g.
    /// the bed's kind and key; see [`AudioDit::read_labels`]).
    pub label_groups: Vec<usize>,
    /// Whether each token also gets the spoken line's features (see
    /// [`super::speech::features_at`]); models trained before speech have none (an
    /// `Option` so their stored configurations still read).
    pub speech: Option<bool>,
}

impl AudioDitConfig {
    /// Whether tokens get the spoken line's features.
    pub fn speaks(&self) -> bool {
        self.speech == Some(true)
    }
}

/// The audio flow transformer.
#[derive(Module, Debug)]
pub struct AudioDit {
    /// The codec's basis `[codec_dims, BINS]` (orthonormal rows; fitted, not trained).
    codec_basis: Param<Tensor<2>>,
    /// The codec's mean frame `[1, BINS]`.
    codec_mean: Param<Tensor<2>>,
    /// Each coefficient's standard deviation `[1, codec_dims]` (coefficients are unit-scaled).
    codec_scale: Param<Tensor<2>>,
    embed: Linear,
    label_query: Param<Tensor<2>>,
    label_attn: Attention,
    label_head: Linear,
    labels_in: Linear,
    label_groups: Vec<usize>,
    aligned_in: Linear,
    aligned_out: Linear,
    time_in: Linear,
    time_out: Linear,
    pooled_in: Linear,
    adaln: Linear,
    block_offsets: Param<Tensor<2>>,
    blocks: Vec<CrossBlock>,
    final_adaln: Linear,
    final_norm: LayerNorm,
    out: Linear,
    d_model: usize,
}

/// What the audio model is conditioned on, for a batch.
#[derive(Debug, Clone)]
pub struct AudioCondition {
    /// Text token states `[B, M, text_dims]`.
    pub tokens: Tensor<3>,
    /// Key bias for the tokens `[B, 1, 1, M]`.
    pub bias: Tensor<4>,
    /// Pooled text vector `[B, text_dims]`.
    pub pooled: Tensor<2>,
    /// Per-token video features `[B, N, aligned_dims]` (see [`aligned_features`]).
    pub aligned: Tensor<3>,
    /// Sound-attribute probabilities `[B, Σ label_groups]` (one-hot truth in training,
    /// [`AudioDit::read_labels`] at generation, zeros without text).
    pub labels: Tensor<2>,
}

impl AudioCondition {
    /// Stacks two conditions along the batch (conditional and unconditional for CFG).
    pub fn concat(a: AudioCondition, b: AudioCondition) -> AudioCondition {
        AudioCondition {
            tokens: Tensor::cat(vec![a.tokens, b.tokens], 0),
            bias: Tensor::cat(vec![a.bias, b.bias], 0),
            pooled: Tensor::cat(vec![a.pooled, b.pooled], 0),
            aligned: Tensor::cat(vec![a.aligned, b.aligned], 0),
            labels: Tensor::cat(vec![a.labels, b.labels], 0),
        }
    }
}

impl AudioDitConfig {
    /// Builds the model (output and residual branches zero-initialised).
    pub fn init(&self, device: &Device) -> AudioDit {
        let d = self.d_model;
        let zeros = |a, b| {
            LinearConfig::new(a, b)
                .with_initializer(Initializer::Zeros)
                .init(device)
        };
        let frame = FRAMES_PER_TOKEN * self.codec_dims;
        let k = self.codec_dims;
        let identity: Vec<f32> = (0..k * BINS)
            .map(|i| if i % BINS == i / BINS { 1.0 } else { 0.0 })
            .collect();
        AudioDit {
            codec_basis: Param::from_tensor(
                Tensor::<1>::from_data(TensorData::new(identity, [k * BINS]), device)
                    .reshape([k, BINS]),
            ),
            codec_mean: Param::from_tensor(Tensor::zeros([1, BINS], device)),
            codec_scale: Param::from_tensor(Tensor::ones([1, k], device)),
            embed: LinearConfig::new(frame, d).init(device),
            label_query: Initializer::Normal {
                mean: 0.0,
                std: 0.02,
            }
            .init([1, d], device),
            label_attn: AttentionConfig::new(d, self.text_dims, self.heads).init(device),
            label_head: LinearConfig::new(d, self.label_groups.iter().sum::<usize>().max(1))
                .init(device),
            labels_in: LinearConfig::new(self.label_groups.iter().sum::<usize>().max(1), d)
                .init(device),
            label_groups: self.label_groups.clone(),
            aligned_in: LinearConfig::new(aligned_dims(self.object_dims, self.speaks()), d)
                .init(device),
            aligned_out: LinearConfig::new(d, d).init(device),
            time_in: LinearConfig::new(d, d).init(device),
            time_out: LinearConfig::new(d, d).init(device),
            pooled_in: LinearConfig::new(self.text_dims, d).init(device),
            adaln: zeros(d, 6 * d),
            block_offsets: Initializer::Zeros.init([self.depth, 6 * d], device),
            blocks: (0..self.depth)
                .map(|_| CrossBlock::new(d, self.text_dims, self.heads, device))
                .collect(),
            final_adaln: zeros(d, 2 * d),
            final_norm: LayerNormConfig::new(d).init(device),
            out: zeros(d, frame),
            d_model: d,
        }
    }
}

impl AudioDit {
    /// Coefficients per frame.
    pub fn codec_dims(&self) -> usize {
        self.codec_basis.dims()[0]
    }

    /// Installs a fitted codec: `basis` `[codec_dims × BINS]` (orthonormal rows), the mean
    /// frame and each coefficient's standard deviation.
    pub fn with_codec(mut self, basis: Vec<f32>, mean: Vec<f32>, scale: Vec<f32>) -> AudioDit {
        let device = self.codec_basis.device();
        let k = self.codec_dims();
        let t2 = |v: Vec<f32>, shape: [usize; 2]| {
            Tensor::<1>::from_data(TensorData::new(v, [shape[0] * shape[1]]), &device)
                .reshape(shape)
        };
        self.codec_basis = Param::from_tensor(t2(basis, [k, BINS]));
        self.codec_mean = Param::from_tensor(t2(mean, [1, BINS]));
        self.codec_scale = Param::from_tensor(t2(scale, [1, k]));
        self
    }

    /// Log-magnitude frames `[F, BINS]` → unit-scaled coefficients `[F, codec_dims]`.
    pub fn encode_frames(&self, log_mags: Tensor<2>) -> Tensor<2> {
        (log_mags - self.codec_mean.val()).matmul(self.codec_basis.val().transpose())
            / self.codec_scale.val()
    }

    /// Unit-scaled coefficients `[F, codec_dims]` → log-magnitude frames `[F, BINS]`.
    pub fn decode_frames(&self, coefficients: Tensor<2>) -> Tensor<2> {
        (coefficients * self.codec_scale.val()).matmul(self.codec_basis.val())
            + self.codec_mean.val()
    }

    /// Label counts of the sound attributes.
    pub fn label_groups(&self) -> &[usize] {
        &self.label_groups
    }

    /// Reads the sound attributes from the text tokens: a learned query attends over them
    /// (trained with cross-entropy beside the flow loss, so the bed's kind and key are
    /// named explicitly rather than left for the flow to find).
    ///
    /// # Shapes
    /// tokens `[B, M, text_dims]`, bias `[B, 1, 1, M]` → logits `[B, Σ label_groups]`
    pub fn read_labels(&self, tokens: Tensor<3>, bias: Tensor<4>) -> Tensor<2> {
        let [b, _, _] = tokens.dims();
        let d = self.d_model;
        let query = self.label_query.val().reshape([1, 1, d]).repeat_dim(0, b);
        let read = self.label_attn.forward(query.clone(), tokens, Some(bias)) + query;
        self.label_head.forward(read.reshape([b, d]))
    }

    /// Predicts the flow velocity of coefficient tokens.
    ///
    /// # Shapes
    /// - x: `[B, N, FRAMES_PER_TOKEN × codec_dims]`
    /// - t: `B` flow times in 0..=1 (1 = pure noise)
    /// - returns `[B, N, FRAMES_PER_TOKEN × codec_dims]`
    pub fn forward(&self, x: Tensor<3>, t: &[f32], cond: &AudioCondition) -> Tensor<3> {
        let device = x.device();
        let d = self.d_model;
        let aligned = self
            .aligned_out
            .forward(silu(self.aligned_in.forward(cond.aligned.clone())));
        let mut h = self.embed.forward(x) + aligned;
        let time = timestep_embedding(t, d, &device);
        let time = self.time_out.forward(silu(self.time_in.forward(time)));
        let cond_vec = time
            + self.pooled_in.forward(cond.pooled.clone())
            + self.labels_in.forward(cond.labels.clone());
        let shared = self.adaln.forward(silu(cond_vec.clone()));
        for (i, block) in self.blocks.iter().enumerate() {
            let mods = shared.clone() + self.block_offsets.val().narrow(0, i, 1);
            h = block.forward(h, mods, cond.tokens.clone(), cond.bias.clone());
        }
        let fin = self.final_adaln.forward(silu(cond_vec));
        let (shift, scale) = (fin.clone().narrow(1, 0, d), fin.narrow(1, d, d));
        self.out
            .forward(modulate(self.final_norm.forward(h), shift, scale))
    }
}

/// What the audio model needs beside its weights (stored in the video manifest).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct AudioModelConfig {
    /// The flow transformer (and the codec's size).
    pub dit: AudioDitConfig,
    /// Names of the sound attributes the model reads from the text (as many labels per
    /// group as `dit.label_groups`).
    #[serde(default)]
    pub labels: Vec<super::text::AttributeGroup>,
    /// Sample rate of the soundtrack.
    pub sample_rate: u32,
}

/// Tokens generated together (2 s, the training windows).
pub const WINDOW_TOKENS: usize = 100;
/// Tokens a window shares with the one before it (0.5 s): they are held to what that
/// window made, so the next continues it without a seam.
pub const OVERLAP_TOKENS: usize = 25;

/// How to sample a soundtrack.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AudioSettings {
    /// Euler steps.
    pub steps: usize,
    /// Classifier-free guidance of the text (the picture is in both branches).
    pub guidance: f32,
    /// Noise seed.
    pub seed: u64,
    /// Griffin–Lim iterations of the phase reconstruction.
    pub phase_iterations: usize,
    /// Flow time below which a window's overlap with the one before is no longer held:
    /// the last steps harmonize it with the new tokens, and the overlap then cross-fades
    /// from what the window before made into it (0: held to the end, joined as is).
    pub release: f32,
}

impl Default for AudioSettings {
    fn default() -> Self {
        AudioSettings {
            steps: 16,
            guidance: 2.0,
            seed: 0,
            phase_iterations: 32,
            release: 0.0,
        }
    }
}

/// The text half of a condition for one prompt: tokens `[1, M, D]`, bias `[1, 1, 1, M]`,
/// pooled `[1, D]`.
#[derive(Debug, Clone)]
pub struct TextPart {
    /// Token states.
    pub tokens: Tensor<3>,
    /// Key bias.
    pub bias: Tensor<4>,
    /// Pooled vector.
    pub pooled: Tensor<2>,
}

/// Token windows `[start, end)` covering `total` tokens, each overlapping the one before by
/// [`OVERLAP_TOKENS`].
pub fn windows(total: usize) -> Vec<(usize, usize)> {
    windows_after(0, total)
}

/// The windows that cover tokens `known..total` when the first `known` are given: the
/// first starts [`OVERLAP_TOKENS`] before them, as if they were the window before.
pub fn windows_after(known: usize, total: usize) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    if known >= total && known > 0 {
        return out;
    }
    let mut start = known.saturating_sub(OVERLAP_TOKENS);
    loop {
        let end = (start + WINDOW_TOKENS).min(total);
        out.push((start, end));
        if end == total {
            return out;
        }
        start = end - OVERLAP_TOKENS;
    }
}

/// What a soundtrack is sampled for: the prompt's text halves and the clip's objects.
#[derive(Debug, Clone, Copy)]
pub struct SoundContext<'a> {
    /// The prompt's text condition.
    pub text: &'a TextPart,
    /// The empty text (the unconditional branch of guidance).
    pub null_text: &'a TextPart,
    /// The objects' tracks.
    pub plan: &'a Trajectory,
    /// Each object slot's colour/kind features.
    pub objects: &'a [Vec<f32>],
    /// Video frame rate of the tracks.
    pub fps: u32,
    /// The spoken line's syllables, timed from the clip's start (empty: none).
    pub speech: &'a [Syllable],
}

/// Samples the log-magnitude frames (`frames × BINS`, decoded by the codec) of a soundtrack of
/// `frames` STFT frames for `context` (a video whose objects follow its plan).
///
/// `on_window(i, n)` runs before window `i` of `n` and again before each of its steps
/// (progress); returning false cancels (`None`).
pub fn sample_log_magnitudes(
    dit: &AudioDit,
    config: &AudioModelConfig,
    context: &SoundContext,
    frames: usize,
    settings: &AudioSettings,
    on_window: impl FnMut(usize, usize) -> bool,
) -> Option<Vec<f32>> {
    let tokens = sample_tokens(dit, config, context, frames, &[], settings, on_window)?;
    Some(decode_tokens(dit, &tokens, frames))
}

/// Coefficient tokens (`FRAMES_PER_TOKEN × codec_dims` numbers each) → log-magnitude
/// frames (`frames × BINS`).
pub fn decode_tokens(dit: &AudioDit, tokens: &[f32], frames: usize) -> Vec<f32> {
    let k = dit.codec_dims();
    let rows = tokens.len() / k;
    let device = dit.codec_basis.device();
    let coefficients =
        Tensor::<1>::from_data(TensorData::new(tokens.to_vec(), [rows * k]), &device)
            .reshape([rows, k])
            .narrow(0, 0, frames.min(rows));
    super::pipeline::to_vec(dit.decode_frames(coefficients))
}

/// Samples the coefficient tokens of a soundtrack of `frames` STFT frames, window by
/// window; the tokens of `kept` (a soundtrack made before, e.g. an extension's source)
/// are kept as they are and the rest goes on from them.
///
/// `on_window(i, n)` runs before window `i` of `n` and again before each of its steps
/// (progress); returning false cancels (`None`).
pub fn sample_tokens(
    dit: &AudioDit,
    config: &AudioModelConfig,
    context: &SoundContext,
    frames: usize,
    kept: &[f32],
    settings: &AudioSettings,
    mut on_window: impl FnMut(usize, usize) -> bool,
) -> Option<Vec<f32>> {
    let SoundContext {
        text,
        null_text,
        plan,
        objects,
        fps,
        speech,
    } = *context;
    let device = text.tokens.device();
    let k = dit.codec_dims();
    let width = FRAMES_PER_TOKEN * k;
    let total = frames.div_ceil(FRAMES_PER_TOKEN);
    let object_dims = config.dit.object_dims;
    let speech = config.dit.speaks().then_some(speech);
    let a = aligned_dims(object_dims, speech.is_some());
    let mut out = vec![0.0f32; total * width];
    // Whole tokens of a soundtrack made before (one of another codec is not used).
    let given = if kept.len().is_multiple_of(width) {
        (kept.len() / width).min(total)
    } else {
        0
    };
    out[..given * width].copy_from_slice(&kept[..given * width]);
    let plan_windows = windows_after(given, total);
    let times = super::sampler::schedule(settings.steps, 1.0);
    let mut rng = super::noise::SeededRng::new(settings.seed ^ 0xA0D1_0000);
    let labels = group_probabilities(
        dit.read_labels(text.tokens.clone(), text.bias.clone()),
        dit.label_groups(),
    );
    let mut made = given;
    for (w, &(start, end)) in plan_windows.iter().enumerate() {
        if !on_window(w, plan_windows.len()) {
            return None;
        }
        let n = end - start;
        let known = made.saturating_sub(start).min(n);
        let feats = aligned_features(
            plan,
            objects,
            object_dims,
            speech,
            fps,
            config.sample_rate,
            start,
            n,
        );
        let aligned =
            Tensor::<1>::from_data(TensorData::new(feats, [n * a]), &device).reshape([1, n, a]);
        let both = AudioCondition::concat(
            AudioCondition {
                tokens: text.tokens.clone(),
                bias: text.bias.clone(),
                pooled: text.pooled.clone(),
                aligned: aligned.clone(),
                labels: labels.clone(),
            },
            AudioCondition {
                tokens: null_text.tokens.clone(),
                bias: null_text.bias.clone(),
                pooled: null_text.pooled.clone(),
                aligned,
                labels: labels.zeros_like(),
            },
        );
        let noise =
            Tensor::<1>::from_data(TensorData::new(rng.normal(n * width), [n * width]), &device)
                .reshape([1, n, width]);
        let clean_known = (known > 0).then(|| {
            let v = out[start * width..(start + known) * width].to_vec();
            Tensor::<1>::from_data(TensorData::new(v, [known * width]), &device)
                .reshape([1, known, width])
        });
        let hold = |x: Tensor<3>, t: f32| match &clean_known {
            Some(k) => {
                let noisy = k.clone() * (1.0 - t) + noise.clone().narrow(1, 0, known) * t;
                Tensor::cat(vec![noisy, x.narrow(1, known, n - known)], 1)
            }
            None => x,
        };
        let mut x = noise.clone();
        for pair in times.windows(2) {
            // Asked again before each step, so a cancel lands within one step.
            if !on_window(w, plan_windows.len()) {
                return None;
            }
            let (t, next) = (pair[0], pair[1]);
            if t > settings.release {
                x = hold(x, t);
            }
            let v = dit.forward(Tensor::cat(vec![x.clone(), x.clone()], 0), &[t, t], &both);
            let (vc, vu) = (v.clone().narrow(0, 0, 1), v.narrow(0, 1, 1));
            let guided = vu.clone() + (vc - vu) * settings.guidance;
            x = x - guided * (t - next);
        }
        let released = settings.release > 0.0;
        let values = super::pipeline::to_vec(if released { x } else { hold(x, 0.0) });
        // The released overlap: from the window before's tokens into this window's.
        let fade = if released { known } else { 0 };
        for j in 0..fade {
            let w = (j + 1) as f32 / (fade + 1) as f32;
            let row = (start + j) * width;
            for (o, v) in out[row..row + width].iter_mut().zip(&values[j * width..]) {
                *o = *o * (1.0 - w) + v * w;
            }
        }
        out[(start + fade) * width..end * width].copy_from_slice(&values[fade * width..]);
        made = end;
    }
    Some(out)
}

/// The waveform of generated log-magnitudes: phase by Griffin–Lim, then loudness
/// normalized (see [`super::loudness`]). Returns the samples and the loudness reached.
pub fn waveform(
    log_mags: &[f32],
    samples: usize,
    settings: &AudioSettings,
    rate: u32,
) -> (Vec<f32>, f32) {
    waveform_until(log_mags, samples, settings, rate, &mut || true)
        .unwrap_or_else(|| (vec![0.0; samples], f32::NEG_INFINITY))
}

/// [`waveform`], asking `keep_going` before each phase iteration: None when it says no.
pub fn waveform_until(
    log_mags: &[f32],
    samples: usize,
    settings: &AudioSettings,
    rate: u32,
    keep_going: &mut dyn FnMut() -> bool,
) -> Option<(Vec<f32>, f32)> {
    let stft = super::spectrum::Stft::new();
    let mut audio = stft.reconstruct_until(
        log_mags,
        samples,
        settings.phase_iterations,
        settings.seed,
        keep_going,
    )?;
    let lufs = super::loudness::normalize(&mut audio, rate);
    Some((audio, lufs))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::layout::SlotFrame;

    fn bounce_plan(frames: usize) -> Trajectory {
        let mut slots = Vec::new();
        for f in 0..frames {
            for s in 0..SLOTS {
                slots.push(if s == 0 {
                    SlotFrame {
                        x: 0.5,
                        y: 0.2 + 0.05 * f as f32,
                        radius: 0.08,
                        presence: 1.0,
                    }
                } else {
                    SlotFrame::EMPTY
                });
            }
        }
        Trajectory { frames, slots }
    }

    #[test]
    fn features_follow_the_frames_around_each_token() {
        let plan = bounce_plan(24);
        let objects = vec![vec![1.0, 0.0]];
        let width = aligned_dims(2, false);
        let f = aligned_features(&plan, &objects, 2, None, 12, 24_000, 0, 100);
        assert_eq!(f.len(), 100 * width);
        // Token 10 is centred at 0.21 s = frame 2.52: phase 0.52, frames 1..=4 seen.
        let row = &f[10 * width..11 * width];
        assert!((row[0] - 0.52).abs() < 1e-4, "phase {}", row[0]);
        let slot0 = 1 + 2 * TIME_PERIODS.len();
        let ys: Vec<f32> = (0..4).map(|k| row[slot0 + k * 4 + 1]).collect();
        let expect: Vec<f32> = (1..=4)
            .map(|fr| 2.0 * (0.2 + 0.05 * fr as f32) - 1.0)
            .collect();
        for (y, e) in ys.iter().zip(&expect) {
            assert!((y - e).abs() < 1e-5, "{ys:?} vs {expect:?}");
        }
        assert_eq!(row[slot0 + 16], 1.0, "object features follow the track");
        // A steady fall has no contact.
        let contact = slot0 + 16 + 2;
        assert!(
            row[contact..contact + contacts::FEATURES_PER_SLOT]
                .iter()
                .all(|v| *v == 0.0)
        );
        // The second slot is empty: zeros.
        let slot1 = contact + contacts::FEATURES_PER_SLOT;
        assert!(row[slot1..slot1 + 22].iter().all(|v| *v == 0.0));
    }

    #[test]
    fn a_spoken_line_follows_the_objects_in_each_token() {
        let plan = bounce_plan(24);
        let objects = vec![vec![1.0, 0.0]];
        let line = speech::schedule("look at me");
        let width = aligned_dims(2, true);
        assert_eq!(width, aligned_dims(2, false) + SPEECH_FEATURES);
        let f = aligned_features(&plan, &objects, 2, Some(&line), 12, 24_000, 0, 100);
        assert_eq!(f.len(), 100 * width);
        let without = aligned_features(&plan, &objects, 2, None, 12, 24_000, 0, 100);
        let token = ((line[0].start + line[0].dur / 2.0) / token_seconds(24_000)) as usize;
        let row = &f[token * width..(token + 1) * width];
        let end = objects_end(2);
        assert_eq!(&row[..end], &without[token * end..(token + 1) * end]);
        let t = (token as f32 + 0.5) * token_seconds(24_000);
        assert_eq!(&row[end..], &speech::features_at(&line, t));
        assert!(row[end] > 0.9, "the mouth is wide open mid-vowel");
        // Before the line starts nothing is voiced.
        assert!(f[end..width].iter().all(|v| *v == 0.0));
    }

    #[test]
    fn the_codec_round_trips_what_its_basis_spans() {
        let device = Device::default();
        let k = 3;
        // Basis: bins 0, 1 and 2; mean 1 everywhere; scales 2.
        let mut basis = vec![0.0f32; k * BINS];
        for i in 0..k {
            basis[i * BINS + i] = 1.0;
        }
        let dit = AudioDitConfig::new(0, vec![2])
            .with_codec_dims(k)
            .with_d_model(16)
            .with_depth(1)
            .with_text_dims(8)
            .init(&device)
            .with_codec(basis, vec![1.0; BINS], vec![2.0; k]);
        let mut frame = vec![1.0f32; BINS];
        frame[0] = 5.0;
        frame[2] = -3.0;
        let x = Tensor::<1>::from_data(TensorData::new(frame.clone(), [BINS]), &device)
            .reshape([1, BINS]);
        let c = dit.encode_frames(x);
        let cv = crate::models::pipeline::to_vec(c.clone());
        assert_eq!(cv, vec![2.0, 0.0, -2.0]);
        let back = crate::models::pipeline::to_vec(dit.decode_frames(c));
        assert_eq!(back, frame);
    }

    #[test]
    fn windows_cover_the_clip_and_overlap() {
        assert_eq!(windows(60), vec![(0, 60)]);
        assert_eq!(windows(100), vec![(0, 100)]);
        assert_eq!(windows(250), vec![(0, 100), (75, 175), (150, 250)]);
        assert_eq!(windows(180), vec![(0, 100), (75, 175), (150, 180)]);
        // After 100 known tokens the first window starts half a second before them.
        assert_eq!(windows_after(100, 200), vec![(75, 175), (150, 200)]);
        assert_eq!(windows_after(100, 150), vec![(75, 150)]);
        assert_eq!(windows_after(150, 150), vec![], "nothing left to sample");
    }

    #[test]
    fn a_fresh_model_predicts_zero_velocity() {
        let device = Device::default();
        let dit = AudioDitConfig::new(2, vec![3, 2])
            .with_depth(1)
            .with_d_model(32)
            .with_text_dims(16)
            .init(&device);
        let (b, n) = (2, 5);
        let cond = AudioCondition {
            tokens: Tensor::zeros([b, 3, 16], &device),
            bias: Tensor::zeros([b, 1, 1, 3], &device),
            pooled: Tensor::zeros([b, 16], &device),
            aligned: Tensor::ones([b, n, aligned_dims(2, false)], &device),
            labels: Tensor::ones([b, 5], &device),
        };
        assert_eq!(
            dit.read_labels(cond.tokens.clone(), cond.bias.clone())
                .dims(),
            [b, 5]
        );
        let x = Tensor::<3>::ones([b, n, FRAMES_PER_TOKEN * 64], &device);
        let v = dit.forward(x, &[0.5, 0.1], &cond);
        assert_eq!(v.dims(), [b, n, FRAMES_PER_TOKEN * 64]);
        let max: f32 = v.abs().max().into_scalar();
        assert_eq!(max, 0.0);
    }
}
