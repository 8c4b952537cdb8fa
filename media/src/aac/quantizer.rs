//! AAC non-uniform quantizer (ISO/IEC 14496-3 4.6.1.3 inverted):
//! decoder: x = sign(q) |q|^(4/3) 2^((sf - 100)/4), so the encoder computes
//! q = floor(|x|^(3/4) 2^(-3(sf - 100)/16) + 0.4054).

use super::spectral_huffman::MAX_QUANT;

/// Offset of the spec's scalefactor: step 2^((sf - SF_OFFSET)/4).
pub(super) const SF_OFFSET: i32 = 100;
pub(super) const MAX_SCALEFACTOR: i32 = 255;
/// Rounding bias that minimises the error of the |q|^(4/3) reconstruction.
const ROUNDING_BIAS: f32 = 0.4054;

/// Multiplier applied to |x|^(3/4) for scalefactor `sf`.
fn inverse_step_34(sf: i32) -> f32 {
    2f32.powf(-3.0 * (sf - SF_OFFSET) as f32 / 16.0)
}

/// Quantizes one band. `magnitude_34` holds |x|^(3/4); signs come from `spectrum`.
/// Values saturate at MAX_QUANT so the result is always codable.
/// Returns the largest magnitude produced.
pub(super) fn quantize_band(
    spectrum: &[f32],
    magnitude_34: &[f32],
    sf: i32,
    out: &mut [i32],
) -> i32 {
    let scale = inverse_step_34(sf);
    let mut largest = 0;
    for ((q, &x), &m) in out.iter_mut().zip(spectrum).zip(magnitude_34) {
        let magnitude = ((m * scale + ROUNDING_BIAS) as i32).min(MAX_QUANT);
        largest = largest.max(magnitude);
        *q = if x < 0.0 { -magnitude } else { magnitude };
    }
    largest
}

/// Smallest scalefactor at which a band whose largest |x|^(3/4) is `peak_34`
/// quantizes without saturating.
pub(super) fn min_scalefactor_for_peak(peak_34: f32) -> i32 {
    if peak_34 <= 0.0 {
        return 0;
    }
    let needed = SF_OFFSET as f32 + 16.0 / 3.0 * (peak_34 / MAX_QUANT as f32).log2();
    (needed.ceil() as i32).clamp(0, MAX_SCALEFACTOR)
}

/// Decoder-side reconstruction, used by tests and the noise estimate.
#[cfg(test)]
pub(super) fn dequantize(q: i32, sf: i32) -> f32 {
    let magnitude =
        (q.unsigned_abs() as f32).powf(4.0 / 3.0) * 2f32.powf((sf - SF_OFFSET) as f32 / 4.0);
    if q < 0 { -magnitude } else { magnitude }
}

#[cfg(test)]
mod tests {
    use super::{dequantize, min_scalefactor_for_peak, quantize_band};

    #[test]
    fn round_trip_error_is_within_one_step() {
        let spectrum: Vec<f32> = (0..16).map(|i| (i as f32 - 8.0) * 1234.5).collect();
        let m34: Vec<f32> = spectrum.iter().map(|x| x.abs().powf(0.75)).collect();
        let mut q = vec![0; 16];
        let sf = 120;
        quantize_band(&spectrum, &m34, sf, &mut q);
        for (&x, &qi) in spectrum.iter().zip(&q) {
            let back = dequantize(qi, sf);
            let step = dequantize(qi.abs() + 1, sf) - dequantize(qi.abs(), sf);
            assert!((back - x).abs() <= step, "{x} -> {qi} -> {back}");
        }
    }

    #[test]
    fn min_scalefactor_prevents_saturation() {
        let x = 3.0e7f32;
        let m34 = x.powf(0.75);
        let sf = min_scalefactor_for_peak(m34);
        let mut q = [0];
        assert!(quantize_band(&[x], &[m34], sf, &mut q) < super::MAX_QUANT);
        assert_eq!(
            quantize_band(&[x], &[m34], sf - 2, &mut q),
            super::MAX_QUANT
        );
    }
}
