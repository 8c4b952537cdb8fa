//! The video VAE: a causal 3D-convolutional autoencoder (Wan / LTX-Video style) with 4×
//! temporal and 8× spatial compression, plus a learned 2× upsampler in the decoder.
//!
//! Causal means latent frame k depends only on video frames up to 4k+3 (its own block of
//! four and earlier ones: time is padded on the past side only), and a decoded frame only
//! on latents up to its own, so a clip can be extended by appending latents. Full
//! 3×3×3 kernels run only at low resolution; the high-resolution stages use 1×3×3 spatial
//! kernels, which keeps the decoder at ~1.5 GFLOP for 2 s of 64×64 video.
//!
//! ```text
//! video [B,3,T,64,64] ─enc→ z [B,C,T/4,8,8] ─dec→ base [B,3,T,64,64] ─up→ [B,3,T,128,128]
//! ```

use burn::nn::PaddingConfig2d;
use burn::nn::PaddingConfig3d;
use burn::nn::conv::{Conv2d, Conv2dConfig, Conv3d, Conv3dConfig};
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
    #[config(default = 8)]
    pub latent_channels: usize,
    /// Channel widths from high to low resolution.
    #[config(default = "[16, 32, 64]")]
    pub widths: [usize; 3],
}

/// Encoder half.
#[derive(Module, Debug)]
pub struct VaeEncoder {
    down1: CausalConv3d,
    down2: CausalConv3d,
    down3: CausalConv3d,
    mid: CausalConv3d,
    moments: CausalConv3d,
}

/// Decoder half, with the 2× upsampler.
#[derive(Module, Debug)]
pub struct VaeDecoder {
    input: CausalConv3d,
    mid: CausalConv3d,
    up1: CausalConv3d,
    up2: CausalConv3d,
    up3: CausalConv3d,
    to_rgb: CausalConv3d,
    upsample: Conv2d,
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
        let [w1, w2, w3] = self.widths;
        let c = self.latent_channels;
        let spatial = [1, 3, 3];
        let full = [3, 3, 3];
        VideoVae {
            encoder: VaeEncoder {
                down1: CausalConv3d::new([3, w1], spatial, [1, 2, 2], device),
                down2: CausalConv3d::new([w1, w2], full, [2, 2, 2], device),
                down3: CausalConv3d::new([w2, w3], full, [2, 2, 2], device),
                mid: CausalConv3d::new([w3, w3], full, [1, 1, 1], device),
                moments: CausalConv3d::new([w3, 2 * c], [1, 1, 1], [1, 1, 1], device),
            },
            decoder: VaeDecoder {
                input: CausalConv3d::new([c, w3], full, [1, 1, 1], device),
                mid: CausalConv3d::new([w3, w3], full, [1, 1, 1], device),
                up1: CausalConv3d::new([w3, w2], full, [1, 1, 1], device),
                up2: CausalConv3d::new([w2, w1], spatial, [1, 1, 1], device),
                up3: CausalConv3d::new([w1, w1], spatial, [1, 1, 1], device),
                to_rgb: CausalConv3d::new([w1, 3], spatial, [1, 1, 1], device),
                upsample: Conv2dConfig::new([w1, 12], [3, 3])
                    .with_padding(PaddingConfig2d::Explicit(1, 1, 1, 1))
                    .init(device),
            },
            latent_channels: c,
        }
    }
}

/// Nearest-neighbour upsampling by `[time, height, width]` factors.
fn upsample(x: Tensor<5>, factors: [usize; 3]) -> Tensor<5> {
    let [b, c, t, h, w] = x.dims();
    let [ft, fh, fw] = factors;
    x.reshape([b, c, t, 1, h, 1, w, 1])
        .expand([b, c, t, ft, h, fh, w, fw])
        .reshape([b, c, t * ft, h * fh, w * fw])
}

/// Depth-to-space: `[N, C·r², H, W]` → `[N, C, H·r, W·r]`.
fn pixel_shuffle(x: Tensor<4>, r: usize) -> Tensor<4> {
    let [n, cr, h, w] = x.dims();
    let c = cr / (r * r);
    x.reshape([n, c, r, r, h, w])
        .permute([0, 1, 4, 2, 5, 3])
        .reshape([n, c, h * r, w * r])
}

impl VaeEncoder {
    /// Latent mean and log-variance.
    ///
    /// # Shapes
    /// video `[B, 3, T, H, W]` in −1..1 (T a multiple of 4, H and W of 8) →
    /// two `[B, C, T/4, H/8, W/8]`
    pub fn forward(&self, video: Tensor<5>) -> (Tensor<5>, Tensor<5>) {
        let x = silu(self.down1.forward(video));
        let x = silu(self.down2.forward(x));
        let x = silu(self.down3.forward(x));
        let x = x.clone() + silu(self.mid.forward(x));
        let moments = self.moments.forward(x);
        let c = moments.dims()[1] / 2;
        let mean = moments.clone().narrow(1, 0, c);
        let log_var = moments.narrow(1, c, c).clamp(-12.0, 6.0);
        (mean, log_var)
    }
}

impl VaeDecoder {
    /// Decodes latents to the 64×64 base video and its 2× upsampled version.
    ///
    /// # Shapes
    /// z `[B, C, t, h, w]` → (`[B, 3, 4t, 8h, 8w]`, `[B, 3, 4t, 16h, 16w]`), both in −1..1-ish
    pub fn forward(&self, z: Tensor<5>) -> (Tensor<5>, Tensor<5>) {
        let x = silu(self.input.forward(z));
        let x = x.clone() + silu(self.mid.forward(x));
        let x = silu(self.up1.forward(upsample(x, [2, 2, 2])));
        let x = silu(self.up2.forward(upsample(x, [2, 2, 2])));
        let x = silu(self.up3.forward(upsample(x, [1, 2, 2])));
        let base = self.to_rgb.forward(x.clone());
        // The upsampler adds learned detail to a nearest-neighbour enlargement, per frame.
        let [b, c, t, h, w] = x.dims();
        let frames = x.swap_dims(1, 2).reshape([b * t, c, h, w]);
        let detail = pixel_shuffle(self.upsample.forward(frames), 2)
            .reshape([b, t, 3, 2 * h, 2 * w])
            .swap_dims(1, 2);
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

    #[test]
    fn shapes_compress_4x_time_8x_space_and_upsample_2x() {
        let device = Device::flex();
        let vae = VideoVaeConfig::new().init(&device);
        let video = Tensor::<5>::zeros([1, 3, 8, 64, 64], &device);
        let (mean, log_var) = vae.encoder.forward(video);
        assert_eq!(mean.dims(), [1, 8, 2, 8, 8]);
        assert_eq!(log_var.dims(), [1, 8, 2, 8, 8]);
        let (base, high) = vae.decoder.forward(mean);
        assert_eq!(base.dims(), [1, 3, 8, 64, 64]);
        assert_eq!(high.dims(), [1, 3, 8, 128, 128]);
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
