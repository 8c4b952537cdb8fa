//! Per-block symmetric int8 and int4 weights (block 32, f32 scale): packing, unpacking
//! and the scalar reference that every block-quantized kernel is checked against.
//!
//! A weight matrix `[N, K]` (a linear layer's `[out, in]`) is cut along K into blocks of
//! 32 values. Each block keeps one f32 scale `s = max|w| / qmax` (127 for int8, 7 for
//! int4) and 32 signed integers `q = round(w / s)`, so `w ≈ s · q` with an error of at
//! most `s / 2` per value. The integers are packed into u32 words, lowest bits first:
//!
//! ```text
//!  row n of `packed` (int8: K/4 words, int4: K/8)      row n of `scales` (K/32 floats)
//!  ┌────────┬────────┬─────┬────────┐┌────────┐        ┌──────┬──────┬─────┐
//!  │ q0..q3 │ q4..q7 │ ... │q28..q31││q32..q35│        │ s(0) │ s(1) │ ... │
//!  └────────┴────────┴─────┴────────┘└────────┘        └──────┴──────┴─────┘
//!   ╰─────── block 0: 8 words (int8) ─────────╯         one scale per block
//!  int8 word = q[4j] | q[4j+1] << 8 | q[4j+2] << 16 | q[4j+3] << 24
//!  int4 word = q[8j] | q[8j+1] << 4 | … | q[8j+7] << 28       (two's complement fields)
//! ```
//!
//! The nibble order is the shipped shards' (low nibble first), but the shard layout is
//! not this one: a shard puts each block's scale before its values, runs its blocks
//! along burn's `[d_in, d_out]` weight rows (along outputs, not K) and gives an all-zero
//! block scale 1 (see [`crate::models::weights`]). Shard weights must be repacked
//! (transposed, blocks re-cut along K) before a kernel may read them; no model path feeds
//! shard weights to the kernels yet.

use crate::EngineError;

/// Values that share one scale.
pub const BLOCK: usize = 32;

/// Bits per quantized value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantBits {
    /// Signed bytes, `q` in [-127, 127].
    Eight,
    /// Signed nibbles, `q` in [-7, 7].
    Four,
}

impl QuantBits {
    /// 8 or 4.
    pub fn bits(self) -> u32 {
        match self {
            Self::Eight => 8,
            Self::Four => 4,
        }
    }

    /// Values per u32 word.
    pub fn per_word(self) -> usize {
        32 / self.bits() as usize
    }

    /// u32 words per block of [`BLOCK`] values.
    pub fn words_per_block(self) -> usize {
        BLOCK / self.per_word()
    }

    /// The largest magnitude of `q`.
    pub fn qmax(self) -> f32 {
        match self {
            Self::Eight => 127.0,
            Self::Four => 7.0,
        }
    }

    /// "int8" or "int4".
    pub fn name(self) -> &'static str {
        match self {
            Self::Eight => "int8",
            Self::Four => "int4",
        }
    }
}

/// An `[N, K]` matrix in per-block symmetric int8 or int4.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockQMatrix {
    /// Bits per value.
    pub bits: QuantBits,
    /// Rows (output features).
    pub n: usize,
    /// Columns (input features); a non-zero multiple of [`BLOCK`].
    pub k: usize,
    /// `n · k / per_word` words, row-major, lowest bits first.
    pub packed: Vec<u32>,
    /// `n · k / 32` scales, row-major.
    pub scales: Vec<f32>,
}

impl BlockQMatrix {
    /// Quantizes a row-major `[n, k]` f32 matrix.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] when `k` is not a non-zero multiple of 32 or the slice
    /// length is not `n · k`; [`EngineError::NonFiniteWeight`] for NaN or infinity.
    pub fn quantize(
        weights: &[f32],
        n: usize,
        k: usize,
        bits: QuantBits,
    ) -> Result<Self, EngineError> {
        check_block_shape(n, k)?;
        if weights.len() != n * k {
            return Err(EngineError::InvalidShape(format!(
                "weights hold {} values, expected n·k = {n}·{k}",
                weights.len()
            )));
        }
        if let Some(index) = weights.iter().position(|w| !w.is_finite()) {
            return Err(EngineError::NonFiniteWeight { index });
        }
        let (width, per_word, qmax) = (bits.bits(), bits.per_word(), bits.qmax());
        let field = (1u32 << width) - 1;
        let mut packed = Vec::with_capacity(n * k / per_word);
        let mut scales = Vec::with_capacity(n * k / BLOCK);
        for block in weights.chunks_exact(BLOCK) {
            let max_abs = block.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            let scale = if max_abs > 0.0 { max_abs / qmax } else { 0.0 };
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            scales.push(scale);
            for group in block.chunks_exact(per_word) {
                let mut word = 0u32;
                for (j, w) in group.iter().enumerate() {
                    let q = (w * inv).round().clamp(-qmax, qmax) as i32;
                    word |= (q as u32 & field) << (width as usize * j);
                }
                packed.push(word);
            }
        }
        Ok(Self {
            bits,
            n,
            k,
            packed,
            scales,
        })
    }

    /// Quantizes a tensor of any shape as the model manifest does: flattened, per block
    /// of 32 consecutive values (the last block padded with zeros), stored as one row
    /// `[1, len rounded up to 32]` — what the convolution kernel reads.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] for an empty tensor,
    /// [`EngineError::NonFiniteWeight`] for NaN or infinity.
    pub fn flat(values: &[f32], bits: QuantBits) -> Result<Self, EngineError> {
        let k = values.len().next_multiple_of(BLOCK);
        let mut padded = values.to_vec();
        padded.resize(k, 0.0);
        Self::quantize(&padded, 1, k, bits)
    }

    /// Blocks per row (`k / 32`).
    pub fn blocks_per_row(&self) -> usize {
        self.k / BLOCK
    }

    /// The integer at `(row, col)`.
    pub fn q(&self, row: usize, col: usize) -> i8 {
        let flat = row * self.k + col;
        let (per_word, width) = (self.bits.per_word(), self.bits.bits());
        let word = self.packed[flat / per_word];
        let shift = width * (flat % per_word) as u32;
        // Move the field to the top of an i32, then shift back arithmetically: sign
        // extension, as WGSL's extractBits does on i32.
        ((((word >> shift) << (32 - width)) as i32) >> (32 - width)) as i8
    }

    /// Expands to a row-major `[n, k]` f32 matrix (what the kernel computes with).
    pub fn dequantize(&self) -> Vec<f32> {
        let bpr = self.blocks_per_row();
        (0..self.n * self.k)
            .map(|flat| {
                let (row, col) = (flat / self.k, flat % self.k);
                self.scales[row * bpr + col / BLOCK] * f32::from(self.q(row, col))
            })
            .collect()
    }
}

/// Checks that `[n, k]` can be stored as a [`BlockQMatrix`].
pub fn check_block_shape(n: usize, k: usize) -> Result<(), EngineError> {
    if n == 0 || k == 0 || !k.is_multiple_of(BLOCK) {
        return Err(EngineError::InvalidShape(format!(
            "block-quantized weights need n > 0 and k a non-zero multiple of {BLOCK}, got [{n}, {k}]"
        )));
    }
    Ok(())
}

/// Scalar reference: `y[m, n] = x[m, k] · dequant(w)ᵀ`, accumulated in f64 so that the
/// reference itself adds no rounding error worth speaking of.
///
/// # Shapes
/// `x`: `[m, w.k]` row-major; returns `[m, w.n]` row-major.
pub fn block_matmul_reference(x: &[f32], m: usize, w: &BlockQMatrix) -> Vec<f32> {
    let dq = w.dequantize();
    let mut y = vec![0.0f32; m * w.n];
    for i in 0..m {
        let xr = &x[i * w.k..(i + 1) * w.k];
        for j in 0..w.n {
            let wr = &dq[j * w.k..(j + 1) * w.k];
            let acc: f64 = xr
                .iter()
                .zip(wr)
                .map(|(a, b)| f64::from(*a) * f64::from(*b))
                .sum();
            y[i * w.n + j] = acc as f32;
        }
    }
    y
}

/// Largest `|a - b| / (1 + |b|)` over two equally long slices: an error measure that is
/// absolute near zero and relative for large outputs.
pub fn max_scaled_error(actual: &[f32], expected: &[f32]) -> f32 {
    actual
        .iter()
        .zip(expected)
        .map(|(a, e)| (a - e).abs() / (1.0 + e.abs()))
        .fold(
            if actual.len() == expected.len() {
                0.0
            } else {
                f32::INFINITY
            },
            f32::max,
        )
}

/// A small deterministic generator (SplitMix64) for test and self-test data: the same
/// numbers on every target, with no OS entropy needed in the browser.
#[derive(Debug, Clone)]
pub struct SplitMix64(u64);

impl SplitMix64 {
    /// Starts the sequence at `seed`.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// Next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `[-1, 1)`.
    pub fn next_signed_unit(&mut self) -> f32 {
        ((self.next_u64() >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
    }

    /// `len` values uniform in `[-1, 1)`.
    pub fn signed_units(&mut self, len: usize) -> Vec<f32> {
        (0..len).map(|_| self.next_signed_unit()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantization_error_is_at_most_half_a_step() {
        let mut rng = SplitMix64::new(7);
        let (n, k) = (5, 96);
        let w = rng.signed_units(n * k);
        let q = BlockQMatrix::quantize(&w, n, k, QuantBits::Eight).unwrap();
        let dq = q.dequantize();
        for (flat, (orig, back)) in w.iter().zip(&dq).enumerate() {
            let scale = q.scales[flat / BLOCK];
            assert!(
                (orig - back).abs() <= scale * 0.5 + 1e-7,
                "at {flat}: {orig} vs {back}"
            );
        }
    }

    #[test]
    fn packing_is_little_endian_twos_complement() {
        let mut w = vec![0.0f32; 32];
        w[0] = 1.0; // the block's max: q = 127
        w[1] = -1.0; // q = -127
        w[2] = 0.5; // q = 64 (63.5 rounds away from zero)
        let q = BlockQMatrix::quantize(&w, 1, 32, QuantBits::Eight).unwrap();
        assert_eq!(q.packed[0], 0x7F | (0x81 << 8) | (64 << 16));
        assert_eq!(
            (q.q(0, 0), q.q(0, 1), q.q(0, 2), q.q(0, 3)),
            (127, -127, 64, 0)
        );
    }

    #[test]
    fn int4_error_is_at_most_half_a_step_and_nibbles_pack_low_first() {
        let mut rng = SplitMix64::new(8);
        let (n, k) = (3, 64);
        let w = rng.signed_units(n * k);
        let q = BlockQMatrix::quantize(&w, n, k, QuantBits::Four).unwrap();
        assert_eq!(q.packed.len(), n * k / 8);
        for (flat, (orig, back)) in w.iter().zip(q.dequantize()).enumerate() {
            let scale = q.scales[flat / BLOCK];
            assert!((orig - back).abs() <= scale * 0.5 + 1e-7, "at {flat}");
        }
        let mut one = vec![0.0f32; 32];
        one[0] = 1.0; // q = 7
        one[1] = -1.0; // q = -7 = 0b1001
        one[2] = 0.6; // q = round(4.2) = 4
        let q = BlockQMatrix::quantize(&one, 1, 32, QuantBits::Four).unwrap();
        assert_eq!(q.packed[0], 0x7 | (0x9 << 4) | (0x4 << 8));
        assert_eq!((q.q(0, 0), q.q(0, 1), q.q(0, 2)), (7, -7, 4));
    }

    #[test]
    fn all_zero_block_has_zero_scale() {
        let q = BlockQMatrix::quantize(&[0.0; 64], 2, 32, QuantBits::Eight).unwrap();
        assert_eq!(q.scales, vec![0.0, 0.0]);
        assert!(q.dequantize().iter().all(|v| *v == 0.0));
    }

    #[test]
    fn bad_shapes_and_values_are_rejected() {
        assert!(matches!(
            BlockQMatrix::quantize(&[0.0; 30], 1, 30, QuantBits::Eight),
            Err(EngineError::InvalidShape(_))
        ));
        assert!(matches!(
            BlockQMatrix::quantize(&[0.0; 32], 2, 32, QuantBits::Four),
            Err(EngineError::InvalidShape(_))
        ));
        let mut w = vec![0.0; 32];
        w[3] = f32::NAN;
        assert_eq!(
            BlockQMatrix::quantize(&w, 1, 32, QuantBits::Eight),
            Err(EngineError::NonFiniteWeight { index: 3 })
        );
    }

    #[test]
    fn reference_matches_hand_computation() {
        let mut w = vec![0.0f32; 64];
        w[0] = 1.0;
        w[33] = -2.0; // row 1, col 1
        let q = BlockQMatrix::quantize(&w, 2, 32, QuantBits::Eight).unwrap();
        let mut x = vec![0.0f32; 32];
        x[0] = 3.0;
        x[1] = 0.5;
        assert_eq!(block_matmul_reference(&x, 1, &q), vec![3.0, -1.0]);
    }
}
