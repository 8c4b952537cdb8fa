//! The block-quantized matmul, attention and the VAE's convolution on burn tensors: the CPU fallback (burn
//! `flex`, also in wasm) and the f32 baseline our WGSL kernels are measured against on
//! the same GPU device.
//!
//! Weights are dequantized once on the host and uploaded as f32; the fused kernel in
//! [`crate::kernels::block_matmul`] is what avoids that expansion on the GPU.

use crate::EngineError;
use crate::kernels::attention::AttentionShape;
use crate::kernels::conv3d::Conv3dShape;
use crate::quant::BlockQMatrix;
use burn::prelude::*;
use burn::tensor::module::conv3d;
use burn::tensor::ops::ConvOptions;

/// `x · dequant(w)ᵀ` prepared on a burn device, ready to run repeatedly.
#[derive(Debug, Clone)]
pub struct BurnBlockMatmul {
    x: Tensor<2>,
    w_t: Tensor<2>,
}

impl BurnBlockMatmul {
    /// Uploads `x` (`[m, w.k]`) and the dequantized, transposed weights.
    pub fn prepare(
        device: &Device,
        x: &[f32],
        m: usize,
        w: &BlockQMatrix,
    ) -> Result<Self, EngineError> {
        if m == 0 || x.len() != m * w.k {
            return Err(EngineError::InvalidShape(format!(
                "x holds {} values, expected m·k = {m}·{}",
                x.len(),
                w.k
            )));
        }
        let x = Tensor::<2>::from_data(TensorData::new(x.to_vec(), [m, w.k]), device);
        let w = Tensor::<2>::from_data(TensorData::new(w.dequantize(), [w.n, w.k]), device);
        Ok(Self {
            x,
            w_t: w.transpose(),
        })
    }

    /// Runs the matmul and reads the result back (asynchronously: required on WebGPU).
    ///
    /// # Shapes
    /// returns `[m, n]` row-major.
    pub async fn run(&self) -> Result<Vec<f32>, EngineError> {
        read_back(self.x.clone().matmul(self.w_t.clone())).await
    }
}

/// Attention on burn tensors, exactly as the models compute it (scores, softmax, mix):
/// the CPU fallback of [`crate::kernels::attention`] and its f32 baseline on the GPU.
#[derive(Debug, Clone)]
pub struct BurnAttention {
    q: Tensor<4>,
    k: Tensor<4>,
    v: Tensor<4>,
    bias: Tensor<4>,
    scale: f32,
}

impl BurnAttention {
    /// Uploads one problem (layouts as in [`AttentionShape`]).
    pub fn prepare(
        device: &Device,
        shape: AttentionShape,
        q: &[f32],
        k: &[f32],
        v: &[f32],
        bias: &[f32],
    ) -> Result<Self, EngineError> {
        shape.check(q, k, v, bias)?;
        let AttentionShape {
            batch: b,
            heads: h,
            queries: n,
            keys: m,
            head_dim: d,
        } = shape;
        let t = |data: &[f32], dims: [usize; 4]| {
            Tensor::<4>::from_data(TensorData::new(data.to_vec(), dims), device)
        };
        Ok(Self {
            q: t(q, [b, h, n, d]),
            k: t(k, [b, h, m, d]),
            v: t(v, [b, h, m, d]),
            bias: t(bias, [b, 1, 1, m]),
            scale: 1.0 / (d as f32).sqrt(),
        })
    }

    /// Runs it and reads `[G, N, D]` back.
    pub async fn run(&self) -> Result<Vec<f32>, EngineError> {
        let scores = self
            .q
            .clone()
            .matmul(self.k.clone().swap_dims(2, 3))
            .mul_scalar(self.scale)
            + self.bias.clone();
        read_back(burn::tensor::activation::softmax(scores, 3).matmul(self.v.clone())).await
    }
}

/// The VAE's causal 3D convolution (stride 1) on burn tensors, as the model computes it:
/// the CPU fallback of [`crate::kernels::conv3d`] and its f32 baseline on the GPU.
#[derive(Debug, Clone)]
pub struct BurnConv3d {
    x: Tensor<5>,
    weight: Tensor<5>,
    bias: Option<Tensor<1>>,
    shape: Conv3dShape,
}

impl BurnConv3d {
    /// Uploads `x` (`[Cin, T, H, W]`), the dequantized flat weights (the first
    /// `Cout · Cin · KT · KH · KW` values of `w`) and `bias` (`[Cout]`, or empty).
    pub fn prepare(
        device: &Device,
        x: &[f32],
        shape: Conv3dShape,
        w: &BlockQMatrix,
        bias: &[f32],
    ) -> Result<Self, EngineError> {
        let count = shape.cout * shape.row();
        if x.len() != shape.input_len() || w.n * w.k < count {
            return Err(EngineError::InvalidShape(format!(
                "x holds {} values and the weights {} for {shape:?}",
                x.len(),
                w.n * w.k
            )));
        }
        let [kt, kh, kw] = shape.kernel;
        let x = Tensor::<5>::from_data(
            TensorData::new(
                x.to_vec(),
                [1, shape.cin, shape.frames, shape.height, shape.width],
            ),
            device,
        );
        let mut values = w.dequantize();
        values.truncate(count);
        let weight = Tensor::<5>::from_data(
            TensorData::new(values, [shape.cout, shape.cin, kt, kh, kw]),
            device,
        );
        let bias = (!bias.is_empty())
            .then(|| Tensor::<1>::from_data(TensorData::new(bias.to_vec(), [shape.cout]), device));
        Ok(Self {
            x,
            weight,
            bias,
            shape,
        })
    }

    /// Runs the convolution and reads the result back.
    ///
    /// # Shapes
    /// returns `[Cout, T, H, W]` row-major.
    pub async fn run(&self) -> Result<Vec<f32>, EngineError> {
        let [kt, kh, kw] = self.shape.kernel;
        let mut x = self.x.clone();
        if kt > 1 {
            // The past is the first frame repeated, as the VAE pads it.
            let first = x.clone().narrow(2, 0, 1).repeat_dim(2, kt - 1);
            x = Tensor::cat(vec![first, x], 2);
        }
        let options = ConvOptions::new([1, 1, 1], [0, kh / 2, kw / 2], [1, 1, 1], 1);
        read_back(conv3d(x, self.weight.clone(), self.bias.clone(), options)).await
    }
}

/// A tensor's values on the host, read asynchronously (required on WebGPU).
async fn read_back<const D: usize>(t: Tensor<D>) -> Result<Vec<f32>, EngineError> {
    t.into_data_async()
        .await
        .map_err(|e| EngineError::Tensor(format!("{e:?}")))?
        .try_into_vec::<f32>()
        .map_err(|e| EngineError::Tensor(format!("{e:?}")))
}
