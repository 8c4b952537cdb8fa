//! Building blocks shared by the text encoder and the video DiT: multi-head attention
//! (self or cross), the transformer MLP, adaLN modulation and the sinusoidal timestep
//! embedding. Written on plain matmuls so one definition runs on every burn backend
//! (flex on the CPU, wgpu natively and in the browser) and trains under autodiff.

use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::{gelu, softmax};

/// Additive attention bias for masked keys (large but finite, so f16 and softmax stay sane).
pub const MASKED: f32 = -1.0e4;

/// Configuration of [`Attention`].
#[derive(Config, Debug)]
pub struct AttentionConfig {
    /// Width of the queries' sequence (and of the output).
    pub d_model: usize,
    /// Width of the keys' and values' sequence (`d_model` for self-attention).
    pub d_context: usize,
    /// Number of heads; must divide `d_model`.
    pub heads: usize,
}

/// Multi-head scaled dot-product attention.
#[derive(Module, Debug)]
pub struct Attention {
    query: Linear,
    key: Linear,
    value: Linear,
    out: Linear,
    heads: usize,
}

impl AttentionConfig {
    /// Builds the module; the output projection starts at zero so a new residual branch
    /// begins as the identity (the DiT's "-Zero" initialisation).
    pub fn init(&self, device: &Device) -> Attention {
        let lin = |a, b| LinearConfig::new(a, b).init(device);
        Attention {
            query: lin(self.d_model, self.d_model),
            key: lin(self.d_context, self.d_model),
            value: lin(self.d_context, self.d_model),
            out: LinearConfig::new(self.d_model, self.d_model)
                .with_initializer(Initializer::Zeros)
                .init(device),
            heads: self.heads,
        }
    }
}

impl Attention {
    /// Attends from `x` to `context`.
    ///
    /// # Shapes
    /// - x: `[batch, n, d_model]`
    /// - context: `[batch, m, d_context]`
    /// - bias: `[batch, 1, 1, m]` additive (0 for keys to use, [`MASKED`] for padding)
    /// - returns `[batch, n, d_model]`
    pub fn forward(&self, x: Tensor<3>, context: Tensor<3>, bias: Option<Tensor<4>>) -> Tensor<3> {
        let [b, n, d] = x.dims();
        let [_, m, _] = context.dims();
        let h = self.heads;
        let dh = d / h;
        let split = |t: Tensor<3>, len: usize| t.reshape([b, len, h, dh]).swap_dims(1, 2);
        let q = split(self.query.forward(x), n);
        let k = split(self.key.forward(context.clone()), m);
        let v = split(self.value.forward(context), m);
        let mut scores = q
            .matmul(k.swap_dims(2, 3))
            .mul_scalar(1.0 / (dh as f32).sqrt());
        if let Some(bias) = bias {
            scores = scores + bias;
        }
        let weights = softmax(scores, 3);
        let mixed = weights.matmul(v).swap_dims(1, 2).reshape([b, n, d]);
        self.out.forward(mixed)
    }
}

/// Configuration of [`Mlp`].
#[derive(Config, Debug)]
pub struct MlpConfig {
    /// Input and output width.
    pub d_model: usize,
    /// Hidden width as a multiple of `d_model`.
    #[config(default = 4)]
    pub ratio: usize,
}

/// The transformer's position-wise MLP (GELU), output projection zero-initialised.
#[derive(Module, Debug)]
pub struct Mlp {
    up: Linear,
    down: Linear,
}

impl MlpConfig {
    /// Builds the module.
    pub fn init(&self, device: &Device) -> Mlp {
        let hidden = self.d_model * self.ratio;
        Mlp {
            up: LinearConfig::new(self.d_model, hidden).init(device),
            down: LinearConfig::new(hidden, self.d_model)
                .with_initializer(Initializer::Zeros)
                .init(device),
        }
    }
}

impl Mlp {
    /// # Shapes
    /// `[.., d_model]` → `[.., d_model]`
    pub fn forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        self.down.forward(gelu(self.up.forward(x)))
    }
}

/// adaLN modulation: `x · (1 + scale) + shift`, with per-sample `shift`/`scale`.
///
/// # Shapes
/// - x: `[batch, n, d]`; shift, scale: `[batch, d]`
pub fn modulate(x: Tensor<3>, shift: Tensor<2>, scale: Tensor<2>) -> Tensor<3> {
    x * (scale.unsqueeze_dim::<3>(1) + 1.0) + shift.unsqueeze_dim(1)
}

/// Sinusoidal embedding of flow times `t ∈ [0, 1]` (scaled by 1000, as in DiT).
///
/// # Shapes
/// returns `[t.len(), dims]` (dims even)
pub fn timestep_embedding(t: &[f32], dims: usize, device: &Device) -> Tensor<2> {
    let half = dims / 2;
    let mut out = Vec::with_capacity(t.len() * dims);
    for &ti in t {
        let x = ti * 1000.0;
        for i in 0..half {
            let freq = (-(10_000f32.ln()) * i as f32 / half as f32).exp();
            out.push((x * freq).cos());
        }
        for i in 0..half {
            let freq = (-(10_000f32.ln()) * i as f32 / half as f32).exp();
            out.push((x * freq).sin());
        }
    }
    Tensor::from_data(TensorData::new(out, [t.len(), dims]), device)
}

/// Additive key-padding bias from a validity mask.
///
/// # Shapes
/// - valid: `batch × m` booleans, row-major; returns `[batch, 1, 1, m]`
pub fn key_bias(valid: &[bool], batch: usize, m: usize, device: &Device) -> Tensor<4> {
    let values: Vec<f32> = valid
        .iter()
        .map(|&v| if v { 0.0 } else { MASKED })
        .collect();
    Tensor::<2>::from_data(TensorData::new(values, [batch, m]), device).reshape([batch, 1, 1, m])
}

/// One DiT block: adaLN-modulated self-attention, cross-attention to the text tokens, and
/// an adaLN-modulated MLP, each a residual branch (the video DiT's and the audio model's).
#[derive(Module, Debug)]
pub struct CrossBlock {
    norm_attn: LayerNorm,
    attn: Attention,
    norm_cross: LayerNorm,
    cross: Attention,
    norm_mlp: LayerNorm,
    mlp: Mlp,
}

impl CrossBlock {
    /// A block of width `d` attending to context tokens of width `context` with `heads`.
    pub fn new(d: usize, context: usize, heads: usize, device: &Device) -> CrossBlock {
        CrossBlock {
            norm_attn: LayerNormConfig::new(d).init(device),
            attn: AttentionConfig::new(d, d, heads).init(device),
            norm_cross: LayerNormConfig::new(d).init(device),
            cross: AttentionConfig::new(d, context, heads).init(device),
            norm_mlp: LayerNormConfig::new(d).init(device),
            mlp: MlpConfig::new(d).init(device),
        }
    }

    /// # Shapes
    /// - x: `[B, N, d]`; mods: `[B, 6·d]` (shift, scale, gate of the attention, then of
    ///   the MLP); tokens: `[B, M, context]`; bias: `[B, 1, 1, M]`
    pub fn forward(
        &self,
        x: Tensor<3>,
        mods: Tensor<2>,
        tokens: Tensor<3>,
        bias: Tensor<4>,
    ) -> Tensor<3> {
        let d = x.dims()[2];
        let part = |k: usize| mods.clone().narrow(1, k * d, d);
        let h1 = modulate(self.norm_attn.forward(x.clone()), part(0), part(1));
        let a = self.attn.forward(h1.clone(), h1, None);
        let x = x + a * (part(2).unsqueeze_dim::<3>(1) + 1.0);
        let hc = self.norm_cross.forward(x.clone());
        let x = x.clone() + self.cross.forward(hc, tokens, Some(bias));
        let h2 = modulate(self.norm_mlp.forward(x.clone()), part(3), part(4));
        x + self.mlp.forward(h2) * (part(5).unsqueeze_dim::<3>(1) + 1.0)
    }
}
