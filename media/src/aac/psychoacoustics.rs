//! A deliberately small perceptual model: per-band energy spread over the Bark
//! scale gives a masking level per scalefactor band. The rate loop scales all
//! masks together (so only their *shape* matters), but never asks for noise
//! below `noise_floor`: detail far under the frame's peak or under 16-bit
//! resolution is not worth bits.

/// Noise density below which nothing is audible: about 1 LSB rms of 16-bit
/// audio after the MDCT's gain (white noise of variance s² has MDCT coefficient
/// variance s² * 2048 with the spec's forward scaling).
const ABSOLUTE_FLOOR: f32 = 2048.0;
/// Masking slope towards higher frequencies (masker below), dB per Bark.
const UPWARD_SLOPE_DB: f32 = 12.0;
/// Masking slope towards lower frequencies (masker above), dB per Bark.
const DOWNWARD_SLOPE_DB: f32 = 25.0;
/// Extra noise margin (dB) a fully tonal band needs compared with a noisy one:
/// noise masks noise at a few dB, tones need noise well below them.
const TONAL_MARGIN_DB: f32 = 18.0;
/// Spectral flatness (dB) at or above which a band counts as pure noise, and
/// at or below which it counts as a pure tone; linear in between.
const NOISE_FLATNESS_DB: f32 = -6.0;
const TONE_FLATNESS_DB: f32 = -20.0;
/// Noise this far below the loudest band's energy (dB) is always acceptable.
const DYNAMIC_RANGE_DB: f32 = 70.0;

fn bark(hz: f32) -> f32 {
    13.0 * (0.00076 * hz).atan() + 3.5 * (hz / 7500.0).powi(2).atan()
}

/// Precomputed Bark position of each band centre for one sampling rate.
pub(super) struct PsyModel {
    band_bark: Vec<f32>,
}

impl PsyModel {
    pub(super) fn new(sample_rate: u32, band_offsets: &[u16]) -> Self {
        let hz_per_bin = sample_rate as f32 / 2048.0;
        let band_bark = band_offsets
            .windows(2)
            .map(|edge| bark((f32::from(edge[0]) + f32::from(edge[1])) * 0.5 * hz_per_bin))
            .collect();
        Self { band_bark }
    }

    /// Masking level (energy per coefficient) of each band, from each band's
    /// mean energy per coefficient and tonality (0 noise ..= 1 tone).
    pub(super) fn masks(&self, band_energy: &[f32], tonality: &[f32], masks: &mut [f32]) {
        for (b, mask) in masks.iter_mut().enumerate() {
            let mut level = 0.0f32;
            for (j, &energy) in band_energy.iter().enumerate() {
                // A tonal masker masks less than a noisy one of equal energy.
                let energy = energy * 10f32.powf(-TONAL_MARGIN_DB * tonality[j] / 10.0);
                if energy <= level {
                    continue;
                }
                let distance = self.band_bark[b] - self.band_bark[j];
                let slope = if distance >= 0.0 {
                    UPWARD_SLOPE_DB
                } else {
                    DOWNWARD_SLOPE_DB
                };
                let spread = energy * 10f32.powf(-slope * distance.abs() / 10.0);
                level = level.max(spread);
            }
            *mask = level;
        }
    }
}

/// Tonality of a band, 0 (noise-like) ..= 1 (tone-like), from its spectral
/// flatness (geometric over arithmetic mean of the coefficient energies).
pub(super) fn tonality(coefficients: &[f32]) -> f32 {
    // A tiny offset keeps ln() finite for exact zeros without affecting real data.
    const TINY: f32 = 1e-3;
    let count = coefficients.len() as f32;
    let arithmetic = coefficients.iter().map(|x| x * x + TINY).sum::<f32>() / count;
    let log_geometric = coefficients
        .iter()
        .map(|x| (x * x + TINY).ln())
        .sum::<f32>()
        / count;
    let flatness_db = 10.0 * (log_geometric - arithmetic.ln()) / std::f32::consts::LN_10;
    ((flatness_db - NOISE_FLATNESS_DB) / (TONE_FLATNESS_DB - NOISE_FLATNESS_DB)).clamp(0.0, 1.0)
}

/// Noise energy per coefficient that is acceptable in every band of a frame.
pub(super) fn noise_floor(band_energy: &[f32]) -> f32 {
    let peak = band_energy.iter().fold(0.0f32, |a, &b| a.max(b));
    (peak * 10f32.powf(-DYNAMIC_RANGE_DB / 10.0)).max(ABSOLUTE_FLOOR)
}

#[cfg(test)]
mod tests {
    use super::super::sample_rate::rate_info;
    use super::{PsyModel, tonality};

    #[test]
    fn loud_band_raises_neighbours_more_upwards_than_downwards() {
        let info = rate_info(48_000).expect("supported");
        let model = PsyModel::new(48_000, info.band_offsets);
        let bands = info.band_offsets.len() - 1;
        let mut energy = vec![0.0f32; bands];
        energy[20] = 1e12;
        let mut masks = vec![0.0f32; bands];
        model.masks(&energy, &vec![0.0; bands], &mut masks);
        assert_eq!(masks[20], 1e12);
        assert!(masks[21] > masks[19]);
        assert!(masks[30] < masks[21]);
    }

    #[test]
    fn flat_band_is_noise_and_peaky_band_is_tone() {
        assert_eq!(tonality(&[1.0, -1.0, 1.0, -1.0, 1.0, 1.0, -1.0, 1.0]), 0.0);
        assert_eq!(tonality(&[1000.0, 0.5, 0.2, 0.1, 0.3, 0.1, 0.2, 0.1]), 1.0);
    }
}
