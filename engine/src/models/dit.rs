//! The video DiT: a diffusion transformer over patchified VAE latents, trained with the
//! rectified-flow objective (it predicts the velocity `noise − clean`).
//!
//! Conditioning, all of it in one vector `c` per sample that drives adaLN (shared
//! projection + a learned per-block offset, "adaLN-single" as in PixArt-α): the flow time,
//! the text encoder's pooled vector, its attribute probabilities and the camera (direction
//! one-hot + speed one-hot, from the text or set explicitly). Every block also
//! cross-attends to the text tokens. A zeroed condition (no tokens, zero vectors) is the
//! unconditional branch that classifier-free guidance subtracts.
//!
//! Positions are factorised (time + row + column embeddings), so the same weights take
//! other durations and aspect ratios up to `max_frames × max_side²` tokens.

use super::layers::{CrossBlock, modulate, timestep_embedding};
use burn::module::Param;
use burn::nn::{Initializer, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;

/// Configuration of [`VideoDit`].
#[derive(Config, Debug)]
pub struct VideoDitConfig {
    /// Latent channels of the VAE.
    #[config(default = 16)]
    pub latent_channels: usize,
    /// Spatial patch size (tokens cover `patch × patch` latent cells of one latent frame).
    #[config(default = 2)]
    pub patch: usize,
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
    /// Width of the attribute-probability vector.
    pub attribute_dims: usize,
    /// Width of the camera vector (direction one-hot + speed one-hot).
    #[config(default = 9)]
    pub camera_dims: usize,
    /// Most latent frames.
    #[config(default = 32)]
    pub max_frames: usize,
    /// Most tokens along a side.
    #[config(default = 16)]
    pub max_side: usize,
    /// Channels of the layout maps added to the latents' tokens (`None` or 0: no layout
    /// input; see [`super::layout`]). Optional so manifests from before it still load.
    pub layout_channels: Option<usize>,
}

/// The diffusion transformer.
#[derive(Module, Debug)]
pub struct VideoDit {
    embed: Linear,
    layout_embed: Option<Linear>,
    pos_time: Param<Tensor<2>>,
    pos_row: Param<Tensor<2>>,
    pos_col: Param<Tensor<2>>,
    time_in: Linear,
    time_out: Linear,
    pooled_in: Linear,
    attributes_in: Linear,
    camera_in: Linear,
    adaln: Linear,
    block_offsets: Param<Tensor<2>>,
    blocks: Vec<CrossBlock>,
    final_adaln: Linear,
    final_norm: LayerNorm,
    out: Linear,
    patch: usize,
    d_model: usize,
}

/// Everything the DiT is conditioned on, for a batch.
#[derive(Debug, Clone)]
pub struct DitCondition {
    /// Text token states `[B, M, text_dims]`.
    pub tokens: Tensor<3>,
    /// Key bias for the tokens `[B, 1, 1, M]`.
    pub bias: Tensor<4>,
    /// Pooled text vector `[B, text_dims]`.
    pub pooled: Tensor<2>,
    /// Attribute probabilities `[B, attribute_dims]`.
    pub attributes: Tensor<2>,
    /// Camera one-hots `[B, camera_dims]`.
    pub camera: Tensor<2>,
    /// Layout maps `[B, layout_channels, T, H, W]` on the latent grid, if the DiT takes
    /// them (all zeros = no layout: the layout projection has no bias).
    pub layout: Option<Tensor<5>>,
}

impl DitCondition {
    /// The same condition cut from the autodiff graph (a frozen text encoder's output
    /// reused across training steps).
    pub fn detach(self) -> DitCondition {
        DitCondition {
            tokens: self.tokens.detach(),
            bias: self.bias.detach(),
            pooled: self.pooled.detach(),
            attributes: self.attributes.detach(),
            camera: self.camera.detach(),
            layout: self.layout.map(Tensor::detach),
        }
    }

    /// Stacks two conditions along the batch (conditional and unconditional for CFG).
    pub fn concat(a: DitCondition, b: DitCondition) -> DitCondition {
        DitCondition {
            tokens: Tensor::cat(vec![a.tokens, b.tokens], 0),
            bias: Tensor::cat(vec![a.bias, b.bias], 0),
            pooled: Tensor::cat(vec![a.pooled, b.pooled], 0),
            attributes: Tensor::cat(vec![a.attributes, b.attributes], 0),
            camera: Tensor::cat(vec![a.camera, b.camera], 0),
            layout: match (a.layout, b.layout) {
                (Some(x), Some(y)) => Some(Tensor::cat(vec![x, y], 0)),
                (Some(x), None) => Some(Tensor::cat(vec![x.clone(), x.zeros_like()], 0)),
                (None, Some(y)) => Some(Tensor::cat(vec![y.zeros_like(), y], 0)),
                (None, None) => None,
            },
        }
    }
}

impl VideoDitConfig {
    /// Builds the DiT.
    pub fn init(&self, device: &Device) -> VideoDit {
        let d = self.d_model;
        let p2 = self.latent_channels * self.patch * self.patch;
        let small = Initializer::Normal {
            mean: 0.0,
            std: 0.02,
        };
        let zeros = |a, b| {
            LinearConfig::new(a, b)
                .with_initializer(Initializer::Zeros)
                .init(device)
        };
        VideoDit {
            embed: LinearConfig::new(p2, d).init(device),
            // Zero-initialized and bias-free: a DiT warm-started from one without layout
            // input starts out computing exactly what it did, and zero maps mean "no layout".
            layout_embed: self.layout_channels.filter(|&l| l > 0).map(|l| {
                LinearConfig::new(l * self.patch * self.patch, d)
                    .with_bias(false)
                    .with_initializer(Initializer::Zeros)
                    .init(device)
            }),
            pos_time: small.init([self.max_frames, d], device),
            pos_row: small.init([self.max_side, d], device),
            pos_col: small.init([self.max_side, d], device),
            time_in: LinearConfig::new(d, d).init(device),
            time_out: LinearConfig::new(d, d).init(device),
            pooled_in: LinearConfig::new(self.text_dims, d).init(device),
            attributes_in: LinearConfig::new(self.attribute_dims, d).init(device),
            camera_in: LinearConfig::new(self.camera_dims, d).init(device),
            adaln: zeros(d, 6 * d),
            block_offsets: Initializer::Zeros.init([self.depth, 6 * d], device),
            blocks: (0..self.depth)
                .map(|_| CrossBlock::new(d, self.text_dims, self.heads, device))
                .collect(),
            final_adaln: zeros(d, 2 * d),
            final_norm: LayerNormConfig::new(d).init(device),
            out: zeros(d, p2),
            patch: self.patch,
            d_model: d,
        }
    }
}

impl VideoDit {
    /// Predicts the flow velocity.
    ///
    /// # Shapes
    /// - latents: `[B, C, T, H, W]` (H, W multiples of `patch`)
    /// - t: `B` flow times in 0..=1 (1 = pure noise)
    /// - cond.layout (if this DiT takes layouts): `[B, layout_channels, T, H, W]`
    /// - returns `[B, C, T, H, W]`
    pub fn forward(&self, latents: Tensor<5>, t: &[f32], cond: &DitCondition) -> Tensor<5> {
        let [b, c, frames, h, w] = latents.dims();
        let device = latents.device();
        let (p, d) = (self.patch, self.d_model);
        let (rows, cols) = (h / p, w / p);
        let n = frames * rows * cols;

        let tokens = latents
            .reshape([b, c, frames, rows, p, cols, p])
            .permute([0, 2, 3, 5, 1, 4, 6])
            .reshape([b, n, c * p * p]);
        let pos = self
            .pos_time
            .val()
            .narrow(0, 0, frames)
            .reshape([frames, 1, 1, d])
            + self
                .pos_row
                .val()
                .narrow(0, 0, rows)
                .reshape([1, rows, 1, d])
            + self
                .pos_col
                .val()
                .narrow(0, 0, cols)
                .reshape([1, 1, cols, d]);
        let mut x = self.embed.forward(tokens) + pos.reshape([1, n, d]);
        if let (Some(embed), Some(layout)) = (&self.layout_embed, &cond.layout) {
            let l = layout.dims()[1];
            let maps = layout
                .clone()
                .reshape([b, l, frames, rows, p, cols, p])
                .permute([0, 2, 3, 5, 1, 4, 6])
                .reshape([b, n, l * p * p]);
            x = x + embed.forward(maps);
        }

        let time = timestep_embedding(t, d, &device);
        let time = self.time_out.forward(silu(self.time_in.forward(time)));
        let cond_vec = time
            + self.pooled_in.forward(cond.pooled.clone())
            + self.attributes_in.forward(cond.attributes.clone())
            + self.camera_in.forward(cond.camera.clone());
        let shared = self.adaln.forward(silu(cond_vec.clone()));

        for (i, block) in self.blocks.iter().enumerate() {
            let mods = shared.clone() + self.block_offsets.val().narrow(0, i, 1);
            x = block.forward(x, mods, cond.tokens.clone(), cond.bias.clone());
        }

        let fin = self.final_adaln.forward(silu(cond_vec));
        let (shift, scale) = (fin.clone().narrow(1, 0, d), fin.narrow(1, d, d));
        let x = self
            .out
            .forward(modulate(self.final_norm.forward(x), shift, scale));
        x.reshape([b, frames, rows, cols, c, p, p])
            .permute([0, 4, 1, 2, 5, 3, 6])
            .reshape([b, c, frames, h, w])
    }
}
