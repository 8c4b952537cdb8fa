//! The classifier's second model: a one-layer convolution over pretrained word vectors
//! ([`super::word_vectors`]), max-pooled over the prompt (Kim, 2014, in miniature).
//!
//! The hashed n-gram model ([`super::features`]) only knows the strings it was trained
//! on; this one sees each three-word window through the word vectors, so a phrase it
//! never saw ("the camera lingers as she disrobes") lands near ones it did ("slowly
//! undressing on camera"). Each channel is a learned detector of one kind of window;
//! max-pooling asks "does the prompt contain such a window anywhere".
//!
//! One definition serves training and inference: the trainer in `train/` calls
//! [`WordConvNet::pool`] and [`WordConvNet::logits`] and back-propagates through the
//! window each channel picked ([`Pooled::argmax`]).
//!
//! Weight file layout, little-endian: `b"KWC1"`, dims (u16), channels (u16), classes
//! (u8), window (u8), two zero bytes; per channel: scale (f32) then bias (f32); output
//! bias (classes × f32); output weights (classes × channels f32, class-major); then
//! convolution weights, `channels × window × dims` signed bytes (weight = byte × its
//! channel's scale).

use super::CLASSES;
use super::word_vectors::WordVectors;
use crate::normalize::{Normalized, normalize, squeeze};

/// Words per convolution window (one on each side of the centre).
pub const WINDOW: usize = 3;

/// Input vectors are unit length; scaled so their entries are of order one.
const INPUT_GAIN: f32 = 10.0;

const MAGIC: &[u8; 4] = b"KWC1";
const HEADER: usize = 12;

/// Why a weight file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WordConvError {
    /// Does not start with the format's magic bytes.
    #[error("not a word-convolution weight file (bad magic)")]
    BadMagic,
    /// Declares a shape this code does not handle.
    #[error("unsupported shape: {classes} classes, window {window}")]
    BadShape {
        /// Declared class count.
        classes: u8,
        /// Declared window.
        window: u8,
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

/// A prompt as a sequence of word vectors, with one zero row of padding at each end.
#[derive(Debug, Clone)]
pub struct Embedded {
    /// `(words + 2) × dims` values, row-major.
    pub rows: Vec<f32>,
    /// Known words (unknown ones are left out).
    pub words: usize,
}

/// Embeds the words of `text` that the vectors know, in order, as the guardrails
/// normalize them (first reading; stretched letters squeezed).
pub fn embed(text: &str, vectors: &WordVectors) -> Embedded {
    embed_normalized(&normalize(text), vectors)
}

/// [`embed`] of a prompt already normalized.
pub fn embed_normalized(normalized: &Normalized, vectors: &WordVectors) -> Embedded {
    let dims = vectors.dims();
    let reading = normalized
        .readings
        .first()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let mut rows = vec![0.0; dims];
    let mut row = vec![0.0; dims];
    let mut words = 0;
    for token in reading {
        let found = [squeeze(token, 2), squeeze(token, 1)]
            .iter()
            .any(|t| vectors.lookup_into(t, &mut row));
        if found {
            rows.extend(row.iter().map(|v| v * INPUT_GAIN));
            words += 1;
        }
    }
    rows.extend(std::iter::repeat_n(0.0, dims));
    Embedded { rows, words }
}

/// Max-pooled channel activations of one prompt.
#[derive(Debug, Clone)]
pub struct Pooled {
    /// `max(0, max over windows)` per channel.
    pub values: Vec<f32>,
    /// The window that gave each channel its value; `None` when the channel is zero.
    pub argmax: Vec<Option<usize>>,
}

/// Convolution and output weights (f32; the file stores the convolution in 8 bits).
#[derive(Debug, Clone, PartialEq)]
pub struct WordConvNet {
    /// Input vector length.
    pub dims: usize,
    /// Number of channels (window detectors).
    pub channels: usize,
    /// `channels × WINDOW × dims`, channel-major.
    pub conv_w: Vec<f32>,
    /// Per channel.
    pub conv_b: Vec<f32>,
    /// `CLASSES × channels`, class-major.
    pub out_w: Vec<f32>,
    /// Per class.
    pub out_b: [f32; CLASSES],
}

impl WordConvNet {
    /// Fan-in of one channel.
    pub fn window_len(&self) -> usize {
        WINDOW * self.dims
    }

    /// Convolution over every window of `x`, then max-pooling (ReLU after the max).
    pub fn pool(&self, x: &Embedded) -> Pooled {
        let fan_in = self.window_len();
        let windows = x.words; // window t covers padded rows t, t+1, t+2
        let mut values = vec![0.0; self.channels];
        let mut argmax = vec![None; self.channels];
        for h in 0..self.channels {
            let w = &self.conv_w[h * fan_in..(h + 1) * fan_in];
            let mut best = 0.0f32;
            for t in 0..windows {
                let input = &x.rows[t * self.dims..t * self.dims + fan_in];
                let a = self.conv_b[h] + dot(w, input);
                if a > best {
                    best = a;
                    argmax[h] = Some(t);
                }
            }
            values[h] = best;
        }
        Pooled { values, argmax }
    }

    /// Class scores from pooled channels.
    pub fn logits(&self, pooled: &[f32]) -> [f32; CLASSES] {
        std::array::from_fn(|c| {
            self.out_b[c]
                + dot(
                    &self.out_w[c * self.channels..(c + 1) * self.channels],
                    pooled,
                )
        })
    }

    /// Class scores of an embedded prompt.
    pub fn classify_logits(&self, x: &Embedded) -> [f32; CLASSES] {
        self.logits(&self.pool(x).values)
    }

    /// Writes the weight file (convolution quantized to 8 bits per channel).
    pub fn encode(&self) -> Vec<u8> {
        let fan_in = self.window_len();
        let mut out = Vec::new();
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.dims as u16).to_le_bytes());
        out.extend_from_slice(&(self.channels as u16).to_le_bytes());
        out.extend_from_slice(&[CLASSES as u8, WINDOW as u8, 0, 0]);
        let scales: Vec<f32> = self
            .conv_w
            .chunks(fan_in)
            .map(|w| {
                let max = w.iter().fold(0.0f32, |m, v| m.max(v.abs()));
                if max > 0.0 { max / 127.0 } else { 1.0 }
            })
            .collect();
        for (scale, bias) in scales.iter().zip(&self.conv_b) {
            out.extend_from_slice(&scale.to_le_bytes());
            out.extend_from_slice(&bias.to_le_bytes());
        }
        for v in self.out_b.iter().chain(&self.out_w) {
            out.extend_from_slice(&v.to_le_bytes());
        }
        for (i, w) in self.conv_w.iter().enumerate() {
            let q = (w / scales[i / fan_in]).round().clamp(-127.0, 127.0) as i8;
            out.push(q as u8);
        }
        out
    }

    /// Reads a weight file.
    pub fn decode(bytes: &[u8]) -> Result<Self, WordConvError> {
        if bytes.len() < HEADER || &bytes[..4] != MAGIC {
            return Err(WordConvError::BadMagic);
        }
        let dims = usize::from(u16::from_le_bytes([bytes[4], bytes[5]]));
        let channels = usize::from(u16::from_le_bytes([bytes[6], bytes[7]]));
        let (classes, window) = (bytes[8], bytes[9]);
        if usize::from(classes) != CLASSES || usize::from(window) != WINDOW {
            return Err(WordConvError::BadShape { classes, window });
        }
        let fan_in = WINDOW * dims;
        let floats = 2 * channels + CLASSES + CLASSES * channels;
        let expected = HEADER + 4 * floats + channels * fan_in;
        if bytes.len() != expected {
            return Err(WordConvError::WrongLength {
                expected,
                actual: bytes.len(),
            });
        }
        let f: Vec<f32> = bytes[HEADER..HEADER + 4 * floats]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        let scales: Vec<f32> = (0..channels).map(|h| f[2 * h]).collect();
        let conv_b = (0..channels).map(|h| f[2 * h + 1]).collect();
        let out_b = std::array::from_fn(|c| f[2 * channels + c]);
        let out_w = f[2 * channels + CLASSES..].to_vec();
        let conv_w = bytes[HEADER + 4 * floats..]
            .iter()
            .enumerate()
            .map(|(i, &b)| f32::from(b as i8) * scales[i / fan_in])
            .collect();
        Ok(Self {
            dims,
            channels,
            conv_w,
            conv_b,
            out_w,
            out_b,
        })
    }
}

/// Dot product (the compiler vectorizes this form).
pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn toy() -> (WordVectors, WordConvNet) {
        let vectors = WordVectors::encode(
            2,
            [("red", &[1.0f32, 0.0][..]), ("ball", &[0.0f32, 1.0][..])],
        );
        let vectors = WordVectors::decode(&vectors).unwrap();
        let channels = 2;
        // Channel 0 fires on "red" in the window's centre, channel 1 on "ball" there.
        let mut conv_w = vec![0.0; channels * WINDOW * 2];
        conv_w[2] = 1.0;
        conv_w[WINDOW * 2 + 3] = 1.0;
        let net = WordConvNet {
            dims: 2,
            channels,
            conv_w,
            conv_b: vec![0.0, -5.0],
            out_w: vec![0.0; CLASSES * channels],
            out_b: [0.0; CLASSES],
        };
        (vectors, net)
    }

    #[test]
    fn pools_the_best_window_per_channel() {
        let (vectors, net) = toy();
        let x = embed("a RED b4ll, unknown", &vectors);
        assert_eq!(x.words, 2);
        let p = net.pool(&x);
        assert!((p.values[0] - INPUT_GAIN).abs() < 0.1, "{p:?}");
        assert_eq!(p.argmax[0], Some(0));
        assert!((p.values[1] - (INPUT_GAIN - 5.0)).abs() < 0.1);
        assert_eq!(p.argmax[1], Some(1));
        let empty = net.pool(&embed("", &vectors));
        assert_eq!(empty.values, vec![0.0, 0.0]);
    }

    #[test]
    fn weight_file_round_trips_within_one_step() {
        let (_, mut net) = toy();
        net.conv_w[0] = -0.3;
        net.out_w[3] = 2.5;
        let back = WordConvNet::decode(&net.encode()).unwrap();
        assert_eq!(back.out_w, net.out_w);
        assert_eq!(back.conv_b, net.conv_b);
        for (a, b) in back.conv_w.iter().zip(&net.conv_w) {
            assert!((a - b).abs() <= 1.0 / 127.0, "{a} {b}");
        }
        let mut bytes = net.encode();
        bytes.push(0);
        assert!(matches!(
            WordConvNet::decode(&bytes),
            Err(WordConvError::WrongLength { .. })
        ));
        assert_eq!(
            WordConvNet::decode(b"KPC1").unwrap_err(),
            WordConvError::BadMagic
        );
    }
}
