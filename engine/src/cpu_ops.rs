//! The q8 matmul on burn tensors: the CPU fallback (burn `flex`, also in wasm) and a
//! cross-check of our WGSL kernel against burn's own matmul on the same GPU device.
//!
//! Weights are dequantized once on the host and uploaded as f32; the fused kernel in
//! [`crate::kernels::q8_matmul`] is what avoids that expansion on the GPU.

use crate::EngineError;
use crate::quant::BlockQ8Matrix;
use burn::prelude::*;

/// `x · dequant(w)ᵀ` prepared on a burn device, ready to run repeatedly.
#[derive(Debug, Clone)]
pub struct BurnQ8Matmul {
    x: Tensor<2>,
    w_t: Tensor<2>,
}

impl BurnQ8Matmul {
    /// Uploads `x` (`[m, w.k]`) and the dequantized, transposed weights.
    pub fn prepare(
        device: &Device,
        x: &[f32],
        m: usize,
        w: &BlockQ8Matrix,
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
        self.x
            .clone()
            .matmul(self.w_t.clone())
            .into_data_async()
            .await
            .map_err(|e| EngineError::Tensor(format!("{e:?}")))?
            .try_into_vec::<f32>()
            .map_err(|e| EngineError::Tensor(format!("{e:?}")))
    }
}
