//! The secret key and the ±1 cell pattern derived from it.

use super::grid::CELLS;
use sha2::{Digest, Sha256};

/// Domain separation, so the pattern never equals some other SHA-256 use of the key.
const DOMAIN: &[u8] = b"kinora-video-watermark-v1";

/// A 32-byte secret; only holders of the key can embed or detect its pattern.
#[derive(Clone, PartialEq, Eq)]
pub struct WatermarkKey(pub [u8; 32]);

impl std::fmt::Debug for WatermarkKey {
    /// Never print the secret itself.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WatermarkKey(..)")
    }
}

impl WatermarkKey {
    /// The key's pattern: one ±1 per grid cell, row-major.
    ///
    /// SHA-256 in counter mode makes the signs indistinguishable from i.i.d. fair
    /// coin flips, which is exactly what the detector's false-positive bound assumes.
    pub fn pattern(&self) -> Vec<f32> {
        let mut signs = Vec::with_capacity(CELLS);
        let mut block = 0u32;
        while signs.len() < CELLS {
            let digest = Sha256::new()
                .chain_update(DOMAIN)
                .chain_update(self.0)
                .chain_update(block.to_le_bytes())
                .finalize();
            for byte in digest {
                for bit in 0..8 {
                    if signs.len() < CELLS {
                        signs.push(if (byte >> bit) & 1 == 1 { 1.0 } else { -1.0 });
                    }
                }
            }
            block += 1;
        }
        signs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_is_balanced_and_key_dependent() {
        let a = WatermarkKey([1; 32]).pattern();
        let b = WatermarkKey([2; 32]).pattern();
        assert_eq!(a.len(), CELLS);
        let sum: f32 = a.iter().sum();
        // A fair ±1 sequence of 1024 has std 32; 5σ = 160.
        assert!(sum.abs() < 160.0, "unbalanced pattern: {sum}");
        let agree: f32 = a.iter().zip(&b).map(|(x, y)| x * y).sum();
        assert!(
            agree.abs() < 160.0,
            "patterns of different keys correlate: {agree}"
        );
        assert_eq!(a, WatermarkKey([1; 32]).pattern());
    }
}
