//! Per-block symmetric int8 weights (block 32, f32 scale): packing, unpacking and the
//! scalar reference that every q8 kernel is checked against.
//!
//! A weight matrix `[N, K]` (a linear layer's `[out, in]`) is cut along K into blocks of
//! 32 values. Each block keeps one f32 scale `s = max|w| / 127` and 32 signed bytes
//! `q = round(w / s)`, so `w ≈ s · q` with an error of at most `s / 2` per value.
//!
//! ```text
//!  row n of `packed` (K/4 words)                 row n of `scales` (K/32 floats)
//!  ┌────────┬────────┬─────┬────────┐┌────────┐   ┌──────┬──────┬─────┐
//!  │ q0..q3 │ q4..q7 │ ... │q28..q31││q32..q35│   │ s(0) │ s(1) │ ... │
//!  └────────┴────────┴─────┴────────┘└────────┘   └──────┴──────┴─────┘
//!   ╰──────────── block 0: 8 words ───────────╯    one scale per block
//!  word = q[4j] | q[4j+1] << 8 | q[4j+2] << 16 | q[4j+3] << 24   (two's complement bytes)
//! ```

use crate::EngineError;

/// Values that share one scale.
pub const Q8_BLOCK: usize = 32;
/// u32 words per block: four int8 values per word.
pub const Q8_WORDS_PER_BLOCK: usize = Q8_BLOCK / 4;
const _: () = assert!(Q8_BLOCK.is_multiple_of(4) && Q8_WORDS_PER_BLOCK * 4 == Q8_BLOCK);

/// An `[N, K]` matrix in per-block symmetric int8.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockQ8Matrix {
    /// Rows (output features).
    pub n: usize,
    /// Columns (input features); a non-zero multiple of [`Q8_BLOCK`].
    pub k: usize,
    /// `n · k / 4` words, row-major, four little-endian int8 values per word.
    pub packed: Vec<u32>,
    /// `n · k / 32` scales, row-major.
    pub scales: Vec<f32>,
}

impl BlockQ8Matrix {
    /// Quantizes a row-major `[n, k]` f32 matrix.
    ///
    /// # Errors
    /// [`EngineError::InvalidShape`] when `k` is not a non-zero multiple of 32 or the slice
    /// length is not `n · k`; [`EngineError::NonFiniteWeight`] for NaN or infinity.
    pub fn quantize(weights: &[f32], n: usize, k: usize) -> Result<Self, EngineError> {
        check_q8_shape(n, k)?;
        if weights.len() != n * k {
            return Err(EngineError::InvalidShape(format!(
                "weights hold {} values, expected n·k = {n}·{k}",
                weights.len()
            )));
        }
        if let Some(index) = weights.iter().position(|w| !w.is_finite()) {
            return Err(EngineError::NonFiniteWeight { index });
        }
        let mut packed = Vec::with_capacity(n * k / 4);
        let mut scales = Vec::with_capacity(n * k / Q8_BLOCK);
        for block in weights.chunks_exact(Q8_BLOCK) {
            let max_abs = block.iter().fold(0.0f32, |m, w| m.max(w.abs()));
            let scale = if max_abs > 0.0 { max_abs / 127.0 } else { 0.0 };
            let inv = if scale > 0.0 { 1.0 / scale } else { 0.0 };
            scales.push(scale);
            for quad in block.chunks_exact(4) {
                let mut word = 0u32;
                for (j, w) in quad.iter().enumerate() {
                    let q = (w * inv).round().clamp(-127.0, 127.0) as i8;
                    word |= u32::from(q as u8) << (8 * j);
                }
                packed.push(word);
            }
        }
        Ok(Self {
            n,
            k,
            packed,
            scales,
        })
    }

    /// Blocks per row (`k / 32`).
    pub fn blocks_per_row(&self) -> usize {
        self.k / Q8_BLOCK
    }

    /// The int8 value at `(row, col)`.
    pub fn q(&self, row: usize, col: usize) -> i8 {
        let flat = row * self.k + col;
        (self.packed[flat / 4] >> (8 * (flat % 4))) as u8 as i8
    }

    /// Expands to a row-major `[n, k]` f32 matrix (what the kernel computes with).
    pub fn dequantize(&self) -> Vec<f32> {
        let bpr = self.blocks_per_row();
        (0..self.n * self.k)
            .map(|flat| {
                let (row, col) = (flat / self.k, flat % self.k);
                self.scales[row * bpr + col / Q8_BLOCK] * f32::from(self.q(row, col))
            })
            .collect()
    }
}

/// Checks that `[n, k]` can be stored as [`BlockQ8Matrix`].
pub fn check_q8_shape(n: usize, k: usize) -> Result<(), EngineError> {
    if n == 0 || k == 0 || !k.is_multiple_of(Q8_BLOCK) {
        return Err(EngineError::InvalidShape(format!(
            "q8 weights need n > 0 and k a non-zero multiple of {Q8_BLOCK}, got [{n}, {k}]"
        )));
    }
    Ok(())
}

/// Scalar reference: `y[m, n] = x[m, k] · dequant(w)ᵀ`, accumulated in f64 so that the
/// reference itself adds no rounding error worth speaking of.
///
/// # Shapes
/// `x`: `[m, w.k]` row-major; returns `[m, w.n]` row-major.
pub fn q8_matmul_reference(x: &[f32], m: usize, w: &BlockQ8Matrix) -> Vec<f32> {
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
        let q = BlockQ8Matrix::quantize(&w, n, k).unwrap();
        let dq = q.dequantize();
        for (flat, (orig, back)) in w.iter().zip(&dq).enumerate() {
            let scale = q.scales[flat / Q8_BLOCK];
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
        let q = BlockQ8Matrix::quantize(&w, 1, 32).unwrap();
        assert_eq!(q.packed[0], 0x7F | (0x81 << 8) | (64 << 16));
        assert_eq!(
            (q.q(0, 0), q.q(0, 1), q.q(0, 2), q.q(0, 3)),
            (127, -127, 64, 0)
        );
    }

    #[test]
    fn all_zero_block_has_zero_scale() {
        let q = BlockQ8Matrix::quantize(&[0.0; 64], 2, 32).unwrap();
        assert_eq!(q.scales, vec![0.0, 0.0]);
        assert!(q.dequantize().iter().all(|v| *v == 0.0));
    }

    #[test]
    fn bad_shapes_and_values_are_rejected() {
        assert!(matches!(
            BlockQ8Matrix::quantize(&[0.0; 30], 1, 30),
            Err(EngineError::InvalidShape(_))
        ));
        assert!(matches!(
            BlockQ8Matrix::quantize(&[0.0; 32], 2, 32),
            Err(EngineError::InvalidShape(_))
        ));
        let mut w = vec![0.0; 32];
        w[3] = f32::NAN;
        assert_eq!(
            BlockQ8Matrix::quantize(&w, 1, 32),
            Err(EngineError::NonFiniteWeight { index: 3 })
        );
    }

    #[test]
    fn reference_matches_hand_computation() {
        let mut w = vec![0.0f32; 64];
        w[0] = 1.0;
        w[33] = -2.0; // row 1, col 1
        let q = BlockQ8Matrix::quantize(&w, 2, 32).unwrap();
        let mut x = vec![0.0f32; 32];
        x[0] = 3.0;
        x[1] = 0.5;
        assert_eq!(q8_matmul_reference(&x, 1, &q), vec![3.0, -1.0]);
    }
}
