//! The video VAE: a causal 3D-convolutional autoencoder (Wan / LTX-Video style) with 4×
//! temporal and 8× spatial compression, plus a learned 2× upsampler in the decoder.
//!
//! Causal means latent frame k depends only on video frames up to 4k+3 (its own block of
//! four and earlier ones: time is padded on the past side only), and a decoded frame only
//! on latents up to its own, so a clip can be extended by appending latents. Pixels are
//! folded 4×4 into channels first and unfolded last (LTX-Video's patchify), full 3×3×3
//! kernels run only at 8×8 and the 16×16 stages use 1×3×3 spatial kernels: ~1.1 GFLOP to
//! encode and decode 8 frames, mostly wide matrix products that a CPU runs near its peak.
//!
//! ```text
//! video [B,3,T,64,64] ─enc→ z [B,C,T/4,8,8] ─dec→ base [B,3,T,64,64] ─up→ [B,3,T,128,128]
//! ```

use burn::nn::PaddingConfig3d;
use burn::nn::conv::{Conv3d, Conv3dConfig};
use burn::prelude::*;
use burn::tensor::activation::silu;

/// A 3D convolution padded causally in time and symmetrically in space.
#[derive(Module, Debug)]
pub struct CausalConv3d {
    conv: Conv3d,
    time_pad: usize,
}

impl CausalConv3d {
    /// `kernel` is `[time, height, width]` (odd spatial sizes); `stride` likewise.
    pub fn new(
        channels: [usize; 2],
        kernel: [usize; 3],
        stride: [usize; 3],
        device: &Device,
    ) -> Self {
        let conv = Conv3dConfig::new(channels, kernel)
            .with_stride(stride)
            .with_padding(PaddingConfig3d::Explicit(0, kernel[1] / 2, kernel[2] / 2))
            .init(device);
        CausalConv3d {
            conv,
            // kernel − stride frames of past: a strided output then covers its own block
            // of frames and earlier ones (block-causal), a stride-1 output its own frame
            // and earlier ones.
            time_pad: kernel[0].saturating_sub(stride[0]),
        }
    }

    /// A 1×3×3 convolution that starts at zero (with a zero bias or none): added to a
    /// network, it leaves the output as it was until training moves it.
    fn zeros(channels: [usize; 2], bias: bool, device: &Device) -> Self {
        CausalConv3d {
            conv: Conv3dConfig::new(channels, [1, 3, 3])
                .with_padding(PaddingConfig3d::Explicit(0, 1, 1))
                .with_bias(bias)
                .with_initializer(burn::nn::Initializer::Zeros)
                .init(device),
            time_pad: 0,
        }
    }

    /// # Shapes
    /// `[B, C_in, T, H, W]` → `[B, C_out, T / stride_t, H / stride_h, W / stride_w]`
    pub fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        if self.time_pad == 0 {
            return self.conv.forward(x);
        }
        // Replicate the first frame into the past: a still start, not a black one.
        let first = x.clone().narrow(2, 0, 1).repeat_dim(2, self.time_pad);
        self.conv.forward(Tensor::cat(vec![first, x], 2))
    }
}

/// Configuration of [`VideoVae`].
#[derive(Config, Debug)]
pub struct VideoVaeConfig {
    /// Latent channels.
    #[config(default = 16)]
    pub latent_channels: usize,
    /// Channel widths: at 1/4 resolution (after the 4×4 space-to-depth), and at 1/8.
    #[config(default = "[48, 128]")]
    pub widths: [usize; 2],
    /// Object slots of the layout maps the decoder takes (`None` or 0: none; see
    /// [`VaeDecoder::forward`]). Optional so manifests from before it still load.
    pub layout_slots: Option<usize>,
    /// Features per slot beside its position bump (the text's colour and kind
    /// probabilities; see [`super::layout::object_maps`]). `None`: position only.
    pub layout_features: Option<usize>,
}

/// `x + conv₂(silu(conv₁(silu(x))))`: depth without losing the input.
#[derive(Module, Debug)]
pub struct ResBlock {
    conv1: CausalConv3d,
    conv2: CausalConv3d,
}

impl ResBlock {
    fn new(channels: usize, kernel: [usize; 3], device: &Device) -> Self {
        ResBlock {
            conv1: CausalConv3d::new([channels, channels], kernel, [1, 1, 1], device),
            conv2: CausalConv3d::new([channels, channels], kernel, [1, 1, 1], device),
        }
    }

    /// # Shapes
    /// `[B, C, T, H, W]` → same
    fn forward(&self, x: Tensor<5>) -> Tensor<5> {
        let y = self
            .conv2
            .forward(silu(self.conv1.forward(silu(x.clone()))));
        x + y
    }
}

/// Encoder half.
///
/// Space-to-depth first (LTX-Video's patchify): a 4×4 pixel block becomes 48 channels, so
/// nothing is thrown away before the convolutions and they run at 16×16 where channel-wide
/// matrix products are cheap on a CPU. Time is compressed at 8×8, where full 3×3×3
/// kernels are affordable.
#[derive(Module, Debug)]
pub struct VaeEncoder {
    input: CausalConv3d,
    res_high: ResBlock,
    down: CausalConv3d,
    down_time: CausalConv3d,
    res_low: ResBlock,
    moments: CausalConv3d,
}

/// Decoder half, with the 2× upsampler. Time is restored at 8×8 (full 3×3×3 kernels, so
/// every output frame gets its own features), then space at 16×16 (spatial kernels), then
/// depth-to-space gives the 64×64 base and an 8×8 depth-to-space the 128×128 detail.
///
/// With layout slots, per-frame object maps (the trajectory planner's, or the world's in
/// training) are added where the decoder first has every frame (8×8) and again at 16×16.
/// Why: a latent frame covers four video frames on an 8×8 grid, so it cannot say exactly
/// where a small object is in each of them — the decoder had to guess, and its blurred,
/// wandering blobs capped the judge's motion score on its own reconstructions at about
/// half (MODEL_CARD.md). The plan has the object's centre and size in every frame; the
/// latents keep what the plan lacks (colour, shape, the scene). Both projections start at
/// zero, so a decoder warm-started without layout computes exactly what it did.
#[derive(Module, Debug)]
pub struct VaeDecoder {
    input: CausalConv3d,
    res_low: ResBlock,
    up_time1: CausalConv3d,
    up_time2: CausalConv3d,
    layout_low: Option<CausalConv3d>,
    layout_high: Option<CausalConv3d>,
    refine_in: Option<CausalConv3d>,
    refine_out: Option<CausalConv3d>,
    up_space: CausalConv3d,
    res_high: ResBlock,
    to_base: CausalConv3d,
    to_detail: CausalConv3d,
}

/// The video autoencoder.
#[derive(Module, Debug)]
pub struct VideoVae {
    /// Encoder.
    pub encoder: VaeEncoder,
    /// Decoder.
    pub decoder: VaeDecoder,
    latent_channels: usize,
}

impl VideoVaeConfig {
    /// Builds the VAE.
    pub fn init(&self, device: &Device) -> VideoVae {
        let [w1, w2] = self.widths;
        let c = self.latent_channels;
        let spatial = [1, 3, 3];
        let full = [3, 3, 3];
        let pixels = 3 * SPACE_TO_DEPTH * SPACE_TO_DEPTH;
        VideoVae {
            encoder: VaeEncoder {
                input: CausalConv3d::new([pixels, w1], spatial, [1, 1, 1], device),
                res_high: ResBlock::new(w1, spatial, device),
                down: CausalConv3d::new([w1, w2], full, [2, 2, 2], device),
                down_time: CausalConv3d::new([w2, w2], full, [2, 1, 1], device),
                res_low: ResBlock::new(w2, full, device),
                moments: CausalConv3d::new([w2, 2 * c], [1, 1, 1], [1, 1, 1], device),
            },
            decoder: VaeDecoder {
                input: CausalConv3d::new([c, w2], full, [1, 1, 1], device),
                res_low: ResBlock::new(w2, full, device),
                up_time1: CausalConv3d::new([w2, w2], full, [1, 1, 1], device),
                up_time2: CausalConv3d::new([w2, w2], full, [1, 1, 1], device),
                layout_low: self.layout_projection(w2, device),
                layout_high: self.layout_projection(w1, device),
                refine_in: (self.layout_channels() > 0).then(|| {
                    CausalConv3d::new(
                        [3 + self.layout_channels(), REFINE_WIDTH],
                        spatial,
                        [1, 1, 1],
                        device,
                    )
                }),
                refine_out: (self.layout_channels() > 0)
                    .then(|| CausalConv3d::zeros([REFINE_WIDTH, 3], true, device)),
                up_space: CausalConv3d::new([w2, w1], spatial, [1, 1, 1], device),
                res_high: ResBlock::new(w1, spatial, device),
                to_base: CausalConv3d::new([w1, pixels], spatial, [1, 1, 1], device),
                to_detail: CausalConv3d::new([w1, 4 * pixels], [1, 1, 1], [1, 1, 1], device),
            },
            latent_channels: c,
        }
    }
}

impl VideoVaeConfig {
    /// Layout slots the decoder takes (0: none).
    pub fn layout_slots(&self) -> usize {
        self.layout_slots.unwrap_or(0)
    }

    /// Features per layout slot beside its position bump.
    pub fn layout_features(&self) -> usize {
        self.layout_features.unwrap_or(0)
    }

    /// Channels of the decoder's layout maps (0: none).
    pub fn layout_channels(&self) -> usize {
        self.layout_slots() * (1 + self.layout_features())
    }

    /// A zero-initialized, bias-free projection of the layout maps to `width` channels
    /// (zero maps then mean "no layout").
    fn layout_projection(&self, width: usize, device: &Device) -> Option<CausalConv3d> {
        let channels = self.layout_channels();
        (channels > 0).then(|| CausalConv3d::zeros([channels, width], false, device))
    }
}

/// Side of the pixel block folded into channels before the first convolution.
const SPACE_TO_DEPTH: usize = 4;

/// Nearest-neighbour upsampling by `[time, height, width]` factors.
fn upsample(x: Tensor<5>, factors: [usize; 3]) -> Tensor<5> {
    let [b, c, t, h, w] = x.dims();
    let [ft, fh, fw] = factors;
    x.reshape([b, c, t, 1, h, 1, w, 1])
        .expand([b, c, t, ft, h, fh, w, fw])
        .reshape([b, c, t * ft, h * fh, w * fw])
}

/// Average pooling by `r` per frame: `[B, C, T, H·r, W·r]` → `[B, C, T, H, W]`.
fn average_pool(x: Tensor<5>, r: usize) -> Tensor<5> {
    let [b, c, t, hr, wr] = x.dims();
    let (h, w) = (hr / r, wr / r);
    x.reshape([b, c, t, h, r, w, r])
        .mean_dim(6)
        .mean_dim(4)
        .reshape([b, c, t, h, w])
}

/// Width of the refinement at the base resolution (layout decoders).
const REFINE_WIDTH: usize = 32;

/// Space-to-depth per frame: `[B, C, T, H·r, W·r]` → `[B, C·r², T, H, W]`.
fn space_to_depth(x: Tensor<5>, r: usize) -> Tensor<5> {
    let [b, c, t, hr, wr] = x.dims();
    let (h, w) = (hr / r, wr / r);
    x.reshape([b, c, t, h, r, w, r])
        .permute([0, 1, 4, 6, 2, 3, 5])
        .reshape([b, c * r * r, t, h, w])
}

/// Depth-to-space per frame: `[B, C·r², T, H, W]` → `[B, C, T, H·r, W·r]` (the inverse of
/// [`space_to_depth`]).
fn depth_to_space(x: Tensor<5>, r: usize) -> Tensor<5> {
    let [b, cr, t, h, w] = x.dims();
    let c = cr / (r * r);
    x.reshape([b, c, r, r, t, h, w])
        .permute([0, 1, 4, 5, 2, 6, 3])
        .reshape([b, c, t, h * r, w * r])
}

impl VaeEncoder {
    /// Latent mean and log-variance.
    ///
    /// # Shapes
    /// video `[B, 3, T, H, W]` in −1..1 (T a multiple of 4, H and W of 8) →
    /// two `[B, C, T/4, H/8, W/8]`
    pub fn forward(&self, video: Tensor<5>) -> (Tensor<5>, Tensor<5>) {
        let x = self.input.forward(space_to_depth(video, SPACE_TO_DEPTH));
        let x = self.res_high.forward(x);
        let x = self.down.forward(silu(x));
        let x = self.down_time.forward(silu(x));
        let x = self.res_low.forward(x);
        let moments = self.moments.forward(silu(x));
        let c = moments.dims()[1] / 2;
        let mean = moments.clone().narrow(1, 0, c);
        let log_var = moments.narrow(1, c, c).clamp(-12.0, 6.0);
        (mean, log_var)
    }
}

impl VaeDecoder {
    /// Decodes latents to the 64×64 base video and its 2× upsampled version, following
    /// per-frame layout maps when this decoder takes them (`None`: no layout, as all-zero
    /// maps; a decoder without layout slots ignores them).
    ///
    /// # Shapes
    /// - z `[B, C, t, h, w]`
    /// - layout `[B, layout_channels, 4t, 8h, 8w]`: maps at the base resolution (see
    ///   [`super::layout::object_maps`] at side `8h`)
    /// - returns (`[B, 3, 4t, 8h, 8w]`, `[B, 3, 4t, 16h, 16w]`), both in −1..1-ish
    pub fn forward(&self, z: Tensor<5>, layout: Option<Tensor<5>>) -> (Tensor<5>, Tensor<5>) {
        let x = self.input.forward(z);
        let x = self.res_low.forward(x);
        let x = self.up_time1.forward(upsample(silu(x), [2, 1, 1]));
        let mut x = self.up_time2.forward(upsample(silu(x), [2, 1, 1]));
        let layout = layout.filter(|_| self.layout_low.is_some());
        if let (Some(project), Some(maps)) = (&self.layout_low, &layout) {
            x = x + project.forward(average_pool(maps.clone(), 2 * SPACE_TO_DEPTH));
        }
        let mut x = self.up_space.forward(upsample(silu(x), [1, 2, 2]));
        if let (Some(project), Some(maps)) = (&self.layout_high, &layout) {
            x = x + project.forward(average_pool(maps.clone(), SPACE_TO_DEPTH));
        }
        let x = silu(self.res_high.forward(x));
        let mut base = depth_to_space(self.to_base.forward(x.clone()), SPACE_TO_DEPTH);
        // At full base resolution the maps say, pixel by pixel, where each object is and
        // what it is: a small residual network redraws the base picture there (it starts
        // at zero, so a decoder warm-started without it computes what it did).
        if let (Some(inp), Some(out), Some(maps)) = (&self.refine_in, &self.refine_out, layout) {
            let h = inp.forward(Tensor::cat(vec![base.clone(), maps], 1));
            base = base + out.forward(silu(h));
        }
        // The upsampler adds learned detail to a nearest-neighbour enlargement.
        let detail = depth_to_space(self.to_detail.forward(x), 2 * SPACE_TO_DEPTH);
        let high = upsample(base.clone(), [1, 2, 2]) + detail;
        (base, high)
    }
}

impl VideoVae {
    /// Latent channels.
    pub fn latent_channels(&self) -> usize {
        self.latent_channels
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The GPU convolution kernel's reference computes what this layer computes: causal
    /// time padding by the first frame, zero padding in space, weights `[Cout, Cin, KT,
    /// KH, KW]` (the kernel's own tests check it against that reference on a GPU).
    #[test]
    fn causal_conv_is_what_the_gpu_kernels_reference_computes() {
        use crate::kernels::conv3d::{Conv3dShape, conv3d_reference};
        use crate::models::pipeline::to_vec;
        let device = Device::flex();
        for (kernel, frames) in [([3, 3, 3], 3), ([1, 3, 3], 2), ([2, 1, 3], 4)] {
            let layer = CausalConv3d::new([5, 6], kernel, [1, 1, 1], &device);
            let shape = Conv3dShape {
                cin: 5,
                cout: 6,
                frames,
                height: 7,
                width: 9,
                kernel,
            };
            let mut rng = crate::quant::SplitMix64::new(frames as u64);
            let x = rng.signed_units(shape.input_len());
            let input =
                Tensor::<5>::from_data(TensorData::new(x.clone(), [1, 5, frames, 7, 9]), &device);
            let ours = to_vec(layer.forward(input));
            let weights = to_vec(layer.conv.weight.val());
            let bias = layer
                .conv
                .bias
                .as_ref()
                .map(|b| to_vec(b.val()))
                .unwrap_or_default();
            let reference = conv3d_reference(&x, shape, &weights, &bias);
            let worst = crate::quant::max_scaled_error(&ours, &reference);
            assert!(worst < 1e-5, "{kernel:?}: {worst}");
        }
    }

    #[test]
    fn shapes_compress_4x_time_8x_space_and_upsample_2x() {
        let device = Device::flex();
        let vae = VideoVaeConfig::new().init(&device);
        let video = Tensor::<5>::zeros([1, 3, 8, 64, 64], &device);
        let (mean, log_var) = vae.encoder.forward(video);
        assert_eq!(mean.dims(), [1, 16, 2, 8, 8]);
        assert_eq!(log_var.dims(), [1, 16, 2, 8, 8]);
        let (base, high) = vae.decoder.forward(mean, None);
        assert_eq!(base.dims(), [1, 3, 8, 64, 64]);
        assert_eq!(high.dims(), [1, 3, 8, 128, 128]);
    }

    #[test]
    fn a_layout_decoder_starts_as_the_plain_one_and_learns_to_follow_the_maps() {
        let device = Device::flex();
        let plain = VideoVaeConfig::new().init(&device);
        let with_layout = VideoVaeConfig::new()
            .with_layout_slots(Some(3))
            .init(&device);
        // The same weights everywhere but the (zero) layout projections.
        let tensors = super::super::weights::collect_tensors(&plain, "vae");
        let map: std::collections::HashMap<_, _> = tensors.into_iter().collect();
        let mut all = super::super::weights::collect_tensors(&with_layout, "vae")
            .into_iter()
            .collect::<std::collections::HashMap<_, _>>();
        for (name, t) in map {
            all.insert(name, t);
        }
        let with_layout =
            super::super::weights::load_tensors(with_layout, "vae", &all).expect("loads");
        let z = Tensor::<5>::random(
            [1, 16, 2, 4, 4],
            burn::tensor::Distribution::Default,
            &device,
        );
        let maps = Tensor::<5>::random(
            [1, 3, 8, 32, 32],
            burn::tensor::Distribution::Default,
            &device,
        );
        let (_, a) = plain.decoder.forward(z.clone(), None);
        let (_, b) = with_layout.decoder.forward(z.clone(), Some(maps.clone()));
        let same = super::super::pipeline::to_vec((a.clone() - b).abs().max())[0];
        assert_eq!(same, 0.0, "zero projections: the maps change nothing yet");
        // A trained (non-zero) projection makes the output depend on the maps.
        let mut moved = all.clone();
        for (name, t) in moved.iter_mut() {
            if name.contains("layout") || name.contains("refine_out") {
                t.values.iter_mut().for_each(|v| *v = 0.1);
            }
        }
        let moved = super::super::weights::load_tensors(
            VideoVaeConfig::new()
                .with_layout_slots(Some(3))
                .init(&device),
            "vae",
            &moved,
        )
        .expect("loads");
        let (_, c) = moved.decoder.forward(z, Some(maps));
        let changed = super::super::pipeline::to_vec((a - c).abs().max())[0];
        assert!(changed > 1e-3, "the maps now steer the picture: {changed}");
    }

    #[test]
    fn space_to_depth_round_trips() {
        let device = Device::flex();
        let x = Tensor::<5>::random(
            [2, 3, 4, 16, 16],
            burn::tensor::Distribution::Default,
            &device,
        );
        let folded = space_to_depth(x.clone(), 4);
        assert_eq!(folded.dims(), [2, 48, 4, 4, 4]);
        let back = depth_to_space(folded, 4);
        let diff = super::super::pipeline::to_vec((back - x).abs().max());
        let diff = diff[0];
        assert_eq!(diff, 0.0);
    }

    #[test]
    fn encoder_is_causal_in_time() {
        let device = Device::flex();
        let vae = VideoVaeConfig::new().init(&device);
        let a = Tensor::<5>::random(
            [1, 3, 8, 16, 16],
            burn::tensor::Distribution::Default,
            &device,
        );
        let changed_future = Tensor::cat(
            vec![
                a.clone().narrow(2, 0, 4),
                a.clone().narrow(2, 4, 4).mul_scalar(-1.0),
            ],
            2,
        );
        let (za, _) = vae.encoder.forward(a);
        let (zb, _) = vae.encoder.forward(changed_future);
        let first_a = za
            .narrow(2, 0, 1)
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap_or_default();
        let first_b = zb
            .narrow(2, 0, 1)
            .into_data()
            .convert::<f32>()
            .try_into_vec::<f32>()
            .unwrap_or_default();
        assert!(!first_a.is_empty());
        assert_eq!(first_a, first_b, "latent frame 0 must not see frames 4..8");
    }
}
