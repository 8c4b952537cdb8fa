//! The video VAE's causal 3D convolution (stride 1) with block-quantized weights, on the
//! GPU (`shaders/conv3d.wgsl`).
//!
//! Bindings (group 0): 0 `x` f32 `[Cin, T, H, W]`, 1 packed weights (u32 words), 2 scales
//! (one per 32 flat values), 3 bias f32 `[Cout]`, 4 output `y` f32 `[Cout, T, H, W]`,
//! 5 uniform [`Conv3dMeta`]. The weights are the `[Cout, Cin, KT, KH, KW]` kernel
//! flattened and quantized per block of 32 consecutive values ([`BlockQMatrix::flat`]),
//! as the model manifest stores them. Eight channels × eight pixels per invocation, 64
//! invocations per workgroup, numbered channels fastest; dispatch [`grid`] of them.

use super::{
    Compiled, Prepared, captured, check_limits, compile, dispatch, output, storage, uniform,
};
use crate::EngineError;
use crate::device::Gpu;
use crate::quant::{BlockQMatrix, QuantBits};

const SOURCE: &str = include_str!("../../../shaders/conv3d.wgsl");
/// Invocations per workgroup (the WGSL's `@workgroup_size`).
pub const INVOCATIONS_PER_GROUP: u32 = 64;
/// Most workgroups along one dispatch dimension (WebGPU's default limit).
const MAX_GROUPS_PER_DIMENSION: u32 = 65_535;

/// Workgroups for a convolution: one invocation per 8 output channels × 8 pixels of a
/// row, laid out as `(x, y, 1)` with x within the per-dimension limit.
pub fn grid(shape: &Conv3dShape) -> (u32, u32, u32) {
    let invocations =
        shape.frames * shape.height * shape.width.div_ceil(8) * shape.cout.div_ceil(8);
    let groups = (invocations as u32).div_ceil(INVOCATIONS_PER_GROUP);
    let x = groups.min(MAX_GROUPS_PER_DIMENSION);
    (x, groups.div_ceil(x), 1)
}

/// One convolution: channels, clip size and kernel size (`[time, height, width]`, odd
/// spatial sizes; time padded causally by repeating the first frame).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Conv3dShape {
    /// Input channels.
    pub cin: usize,
    /// Output channels.
    pub cout: usize,
    /// Frames.
    pub frames: usize,
    /// Rows.
    pub height: usize,
    /// Columns.
    pub width: usize,
    /// Kernel extent `[time, height, width]`.
    pub kernel: [usize; 3],
}

impl Conv3dShape {
    /// Values per output channel of the kernel (`Cin · KT · KH · KW`).
    pub fn row(&self) -> usize {
        self.cin * self.kernel.iter().product::<usize>()
    }

    /// Values of the input clip.
    pub fn input_len(&self) -> usize {
        self.cin * self.frames * self.height * self.width
    }

    /// Values of the output clip.
    pub fn output_len(&self) -> usize {
        self.cout * self.frames * self.height * self.width
    }

    /// Multiply-adds of one convolution (padding included).
    pub fn flops(&self) -> f64 {
        2.0 * (self.output_len() * self.row()) as f64
    }

    fn check(&self) -> Result<(), EngineError> {
        let [kt, kh, kw] = self.kernel;
        let sizes = [
            self.cin,
            self.cout,
            self.frames,
            self.height,
            self.width,
            kt,
            kh,
            kw,
        ];
        if sizes.contains(&0) || kh % 2 == 0 || kw % 2 == 0 {
            return Err(EngineError::InvalidShape(format!(
                "convolution {self:?}: every size must be non-zero and the kernel's height \
                 and width odd"
            )));
        }
        Ok(())
    }
}

/// The uniform block of the kernel (`struct Params` in the WGSL).
#[repr(C)]
#[derive(Debug, Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub struct Conv3dMeta {
    cin: u32,
    cout: u32,
    frames: u32,
    height: u32,
    width: u32,
    kt: u32,
    kh: u32,
    kw: u32,
}
const _: () = assert!(std::mem::size_of::<Conv3dMeta>() == 32);

/// The compiled pipeline for one bit width; build once per device and reuse.
#[derive(Debug)]
pub struct Conv3d {
    compiled: Compiled,
    bits: QuantBits,
}

/// A convolution whose inputs are already on the GPU.
pub type PreparedConv3d = Prepared<Conv3d>;

impl Conv3d {
    /// Compiles the kernel for `bits` on `gpu`.
    ///
    /// # Errors
    /// [`EngineError::GpuRejected`] when the device refuses the shader.
    pub async fn new(gpu: &Gpu, bits: QuantBits) -> Result<Self, EngineError> {
        let label = format!("conv3d {}", bits.name());
        let constants = [("BITS", f64::from(bits.bits()))];
        let compiled = compile(gpu, &label, SOURCE, &constants).await?;
        Ok(Self { compiled, bits })
    }

    /// Uploads `x` (`[Cin, T, H, W]`), the flat weights and `bias` (`[Cout]`, or empty
    /// for none), and allocates the output.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] for mismatched sizes or weights of the other bit
    /// width, [`EngineError::LimitExceeded`] beyond the adapter's buffer or grid limits,
    /// [`EngineError::GpuRejected`] when the device refuses the buffers.
    pub async fn prepare(
        &self,
        gpu: &Gpu,
        x: &[f32],
        shape: Conv3dShape,
        w: &BlockQMatrix,
        bias: &[f32],
    ) -> Result<PreparedConv3d, EngineError> {
        shape.check()?;
        let weights = shape.cout * shape.row();
        if w.bits != self.bits || w.n != 1 || w.k != weights.next_multiple_of(32) {
            return Err(EngineError::InvalidShape(format!(
                "{} weights of [{}, {}] given to the {} convolution of {weights} values",
                w.bits.name(),
                w.n,
                w.k,
                self.bits.name()
            )));
        }
        if x.len() != shape.input_len() || !(bias.is_empty() || bias.len() == shape.cout) {
            return Err(EngineError::InvalidShape(format!(
                "x holds {} values and bias {} for {shape:?}",
                x.len(),
                bias.len()
            )));
        }
        let zeros;
        let bias = if bias.is_empty() {
            zeros = vec![0.0f32; shape.cout];
            &zeros
        } else {
            bias
        };
        let u = |v: usize| v as u32;
        let meta = Conv3dMeta {
            cin: u(shape.cin),
            cout: u(shape.cout),
            frames: u(shape.frames),
            height: u(shape.height),
            width: u(shape.width),
            kt: u(shape.kernel[0]),
            kh: u(shape.kernel[1]),
            kw: u(shape.kernel[2]),
        };
        let grid = grid(&shape);
        let largest =
            4 * (shape.input_len().max(shape.output_len()) as u64).max(w.packed.len() as u64);
        check_limits(gpu, largest, grid)?;
        captured(gpu, || {
            let x_buf = storage(gpu, "conv x", bytemuck::cast_slice(x));
            let w_buf = storage(gpu, "conv weights", bytemuck::cast_slice(&w.packed));
            let s_buf = storage(gpu, "conv scales", bytemuck::cast_slice(&w.scales));
            let b_buf = storage(gpu, "conv bias", bytemuck::cast_slice(bias));
            let y = output(gpu, "conv y", 4 * shape.output_len() as u64);
            let meta_buf = uniform(gpu, "conv meta", bytemuck::bytes_of(&meta));
            Prepared::new(
                gpu,
                &self.compiled,
                &[&x_buf, &w_buf, &s_buf, &b_buf, &y, &meta_buf],
                y.clone(),
                grid,
                shape.output_len(),
            )
        })
        .await
    }

    /// Submits `repeats` dispatches of a prepared convolution (one command buffer).
    pub fn dispatch(&self, gpu: &Gpu, problem: &PreparedConv3d, repeats: u32) {
        dispatch(gpu, &self.compiled, problem, repeats);
    }

    /// One-shot convenience: the convolution of `x`.
    pub async fn run(
        &self,
        gpu: &Gpu,
        x: &[f32],
        shape: Conv3dShape,
        w: &BlockQMatrix,
        bias: &[f32],
    ) -> Result<Vec<f32>, EngineError> {
        let problem = self.prepare(gpu, x, shape, w, bias).await?;
        self.dispatch(gpu, &problem, 1);
        problem.read_output(gpu).await
    }
}

/// Scalar reference of the same convolution in f64, from f32 weights
/// (`[Cout, Cin, KT, KH, KW]` row-major) and `bias` (`[Cout]`, or empty).
pub fn conv3d_reference(x: &[f32], shape: Conv3dShape, weights: &[f32], bias: &[f32]) -> Vec<f32> {
    let Conv3dShape {
        cin,
        cout,
        frames,
        height,
        width,
        kernel: [kt, kh, kw],
    } = shape;
    let mut y = vec![0.0f32; shape.output_len()];
    for co in 0..cout {
        for t in 0..frames {
            for i in 0..height {
                for j in 0..width {
                    let mut acc = f64::from(bias.get(co).copied().unwrap_or(0.0));
                    for ci in 0..cin {
                        for dt in 0..kt {
                            let ts = (t + dt).saturating_sub(kt - 1);
                            for dy in 0..kh {
                                let Some(yy) = (i + dy).checked_sub(kh / 2).filter(|&v| v < height)
                                else {
                                    continue;
                                };
                                for dx in 0..kw {
                                    let Some(xx) =
                                        (j + dx).checked_sub(kw / 2).filter(|&v| v < width)
                                    else {
                                        continue;
                                    };
                                    let w =
                                        weights[(((co * cin + ci) * kt + dt) * kh + dy) * kw + dx];
                                    let v = x[((ci * frames + ts) * height + yy) * width + xx];
                                    acc += f64::from(w) * f64::from(v);
                                }
                            }
                        }
                    }
                    y[((co * frames + t) * height + i) * width + j] = acc as f32;
                }
            }
        }
    }
    y
}
