//! The weight file: a compact, versioned byte layout shared by the trainer (which
//! writes it) and the browser (which reads it from `include_bytes!`).
//!
//! Layout, little-endian:
//! - `b"KPC1"`, bucket bits (u8), class count (u8, = 5), two zero bytes;
//! - per class: bias (f32), then per class: scale (f32);
//! - `2^bits × classes` signed bytes, bucket-major: weight = byte × scale of its class.
//!
//! Eight-bit weights with one scale per class keep the file at 5 bytes per bucket
//! (320 KiB for 2^16 buckets) at an accuracy cost measured in STATUS.md.

use super::CLASSES;

const MAGIC: &[u8; 4] = b"KPC1";
const HEADER: usize = 8 + CLASSES * 4 * 2;

/// Why a weight file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WeightsError {
    /// Does not start with the format's magic bytes.
    #[error("not a prompt-classifier weight file (bad magic)")]
    BadMagic,
    /// Declares a bucket or class count this code does not handle.
    #[error("unsupported shape: 2^{bits} buckets, {classes} classes")]
    BadShape {
        /// Declared bucket bits.
        bits: u8,
        /// Declared class count.
        classes: u8,
    },
    /// Shorter or longer than its header says.
    #[error("weight file is {actual} bytes, expected {expected}")]
    WrongLength {
        /// Bytes the header implies.
        expected: usize,
        /// Bytes present.
        actual: usize,
    },
}

/// Quantized weights, ready to score.
#[derive(Debug, Clone)]
pub struct Weights {
    /// log2 of the bucket count.
    pub bits: u32,
    bias: [f32; CLASSES],
    scale: [f32; CLASSES],
    quantized: Vec<i8>,
}

impl Weights {
    /// Reads a weight file.
    pub fn decode(bytes: &[u8]) -> Result<Self, WeightsError> {
        if bytes.len() < HEADER || &bytes[..4] != MAGIC {
            return Err(WeightsError::BadMagic);
        }
        let (bits, classes) = (bytes[4], bytes[5]);
        if !(8..=24).contains(&bits) || usize::from(classes) != CLASSES {
            return Err(WeightsError::BadShape { bits, classes });
        }
        let expected = HEADER + (1usize << bits) * CLASSES;
        if bytes.len() != expected {
            return Err(WeightsError::WrongLength {
                expected,
                actual: bytes.len(),
            });
        }
        let f32_at = |i: usize| {
            let at = 8 + 4 * i;
            f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        Ok(Self {
            bits: u32::from(bits),
            bias: std::array::from_fn(f32_at),
            scale: std::array::from_fn(|c| f32_at(CLASSES + c)),
            quantized: bytes[HEADER..].iter().map(|&b| b as i8).collect(),
        })
    }

    /// Quantizes float weights (`weights[bucket * CLASSES + class]`) into a file.
    pub fn encode(bits: u32, bias: &[f32; CLASSES], weights: &[f32]) -> Vec<u8> {
        let buckets = 1usize << bits;
        assert_eq!(weights.len(), buckets * CLASSES, "weights match 2^bits");
        let scale: [f32; CLASSES] = std::array::from_fn(|c| {
            let max = (0..buckets)
                .map(|b| weights[b * CLASSES + c].abs())
                .fold(0.0f32, f32::max);
            if max > 0.0 { max / 127.0 } else { 1.0 }
        });
        let mut out = Vec::with_capacity(HEADER + buckets * CLASSES);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&[bits as u8, CLASSES as u8, 0, 0]);
        for v in bias.iter().chain(&scale) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for (i, w) in weights.iter().enumerate() {
            let q = (w / scale[i % CLASSES]).round().clamp(-127.0, 127.0) as i8;
            out.push(q as u8);
        }
        out
    }

    /// Class scores (logits) for a feature set whose buckets all carry `value`.
    pub fn logits(&self, buckets: &[u32], value: f32) -> [f32; CLASSES] {
        let mut sums = [0i32; CLASSES];
        for &b in buckets {
            let row = &self.quantized[b as usize * CLASSES..][..CLASSES];
            for (s, q) in sums.iter_mut().zip(row) {
                *s += i32::from(*q);
            }
        }
        std::array::from_fn(|c| self.bias[c] + sums[c] as f32 * self.scale[c] * value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_keeps_weights_within_one_step() {
        let bits = 8;
        let w: Vec<f32> = (0..(1 << bits) * CLASSES)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 10.0)
            .collect();
        let bias = [0.5, -1.0, 0.0, 2.0, -0.25];
        let bytes = Weights::encode(bits, &bias, &w);
        let back = Weights::decode(&bytes).unwrap();
        assert_eq!(back.bias, bias);
        for b in 0..1usize << bits {
            let l = back.logits(&[b as u32], 1.0);
            for c in 0..CLASSES {
                let step = back.scale[c];
                assert!((l[c] - bias[c] - w[b * CLASSES + c]).abs() <= step * 0.51);
            }
        }
    }

    #[test]
    fn rejects_garbage() {
        assert_eq!(
            Weights::decode(b"nope").unwrap_err(),
            WeightsError::BadMagic
        );
        let mut bytes = Weights::encode(8, &[0.0; CLASSES], &vec![0.0; 256 * CLASSES]);
        bytes.pop();
        assert!(matches!(
            Weights::decode(&bytes),
            Err(WeightsError::WrongLength { .. })
        ));
    }
}
