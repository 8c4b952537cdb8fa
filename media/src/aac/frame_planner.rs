//! Rate/quality loop: picks per-band scalefactors, quantizes, and chooses
//! Huffman sections so that one frame fits its bit allowance.
//!
//! Each band's allowed noise is max(mask[b] * 2^(3g/8), floor): the single
//! offset `g` (about 0.89 scalefactor steps per dB of noise-to-mask ratio) is
//! binary-searched to the smallest value whose frame fits the allowance, and
//! the scalefactor is the one whose expected quantization noise equals that
//! allowance.

use super::psychoacoustics::{PsyModel, noise_floor, tonality};
use super::quantizer::{MAX_SCALEFACTOR, SF_OFFSET, min_scalefactor_for_peak, quantize_band};
use super::sectioning::{CODEBOOK_COUNT, INFEASIBLE, Section, plan_sections};
use super::spectral_huffman::{MAX_SF_DELTA, band_bits, scalefactor_delta_bits};

/// Bits of a mono raw_data_block outside section/scalefactor/spectral data:
/// SCE id (3) + tag (4) + global_gain (8) + ics_info (11) + pulse/tns/gain
/// flags (3) + END id (3).
pub(super) const FIXED_BITS: u32 = 32;
/// Best quality the loop aims for: noise 50 dB under the mask is pointless, so
/// simple signals don't burn the whole budget (0.886 steps per dB).
const MIN_OFFSET: i32 = -44;
/// Large enough that every band quantizes to zero.
const MAX_OFFSET: i32 = 200;
/// Expected noise of the |q|^(4/3) quantizer per unit (step^(3/2) * sqrt|x|):
/// (4/3)^2 / 12 = 1/6.75.
const NOISE_FACTOR: f32 = 6.75;

/// Everything the bitstream writer needs for one frame.
#[derive(Clone, Debug)]
pub(super) struct FramePlan {
    pub max_sfb: usize,
    pub global_gain: i32,
    pub sections: Vec<Section>,
    /// Transmitted scalefactor of each band below max_sfb (unused in book-0 sections).
    pub scalefactors: Vec<i32>,
    pub quantized: Vec<i32>,
    /// Bits of the raw_data_block before byte alignment.
    pub payload_bits: u32,
}

impl FramePlan {
    /// A frame with no coded bands: decodes to silence.
    fn silent(spectrum_len: usize) -> Self {
        Self {
            max_sfb: 0,
            global_gain: SF_OFFSET,
            sections: Vec::new(),
            scalefactors: Vec::new(),
            quantized: vec![0; spectrum_len],
            payload_bits: FIXED_BITS,
        }
    }
}

pub(super) struct FramePlanner {
    band_offsets: &'static [u16],
    /// Bands at or above this index are never coded (bandwidth limit).
    coded_bands: usize,
    psy: PsyModel,
    magnitude_34: Vec<f32>,
    band_energy: Vec<f32>,
    masks: Vec<f32>,
    tonality: Vec<f32>,
    /// Per band: (scalefactor putting noise at the mask, scalefactor putting noise
    /// at the frame's floor); None for silent or uncoded bands.
    base_sf: Vec<Option<(f32, f32)>>,
    min_sf: Vec<i32>,
}

impl FramePlanner {
    pub(super) fn new(sample_rate: u32, band_offsets: &'static [u16], cutoff_hz: f32) -> Self {
        let bands = band_offsets.len() - 1;
        let hz_per_bin = sample_rate as f32 / 2048.0;
        let coded_bands = band_offsets[..bands]
            .iter()
            .take_while(|&&start| f32::from(start) * hz_per_bin < cutoff_hz)
            .count();
        Self {
            band_offsets,
            coded_bands,
            psy: PsyModel::new(sample_rate, band_offsets),
            magnitude_34: vec![0.0; 1024],
            band_energy: vec![0.0; bands],
            masks: vec![0.0; bands],
            tonality: vec![0.0; bands],
            base_sf: vec![None; bands],
            min_sf: vec![0; bands],
        }
    }

    fn band_range(&self, band: usize) -> std::ops::Range<usize> {
        usize::from(self.band_offsets[band])..usize::from(self.band_offsets[band + 1])
    }

    fn analyse(&mut self, spectrum: &[f32]) {
        for (m, &x) in self.magnitude_34.iter_mut().zip(spectrum) {
            *m = x.abs().powf(0.75);
        }
        for band in 0..self.band_energy.len() {
            let range = self.band_range(band);
            let coefficients = &spectrum[range.clone()];
            self.band_energy[band] = if band < self.coded_bands {
                coefficients.iter().map(|x| x * x).sum::<f32>() / coefficients.len() as f32
            } else {
                0.0
            };
        }
        for band in 0..self.band_energy.len() {
            self.tonality[band] = tonality(&spectrum[self.band_range(band)]);
        }
        self.psy
            .masks(&self.band_energy, &self.tonality, &mut self.masks);
        let floor = noise_floor(&self.band_energy);
        for band in 0..self.band_energy.len() {
            let range = self.band_range(band);
            let peak_34 = self.magnitude_34[range.clone()]
                .iter()
                .fold(0.0f32, |a, &b| a.max(b));
            self.min_sf[band] = min_scalefactor_for_peak(peak_34);
            let mean_sqrt = spectrum[range.clone()]
                .iter()
                .map(|x| x.abs().sqrt())
                .sum::<f32>()
                / range.len() as f32;
            // Expected noise per coefficient is step^(3/2) * mean(sqrt|x|) / 6.75 and
            // step = 2^((sf - 100)/4): solve for sf at a given noise level.
            let sf_for_noise = |noise: f32| {
                SF_OFFSET as f32 + 8.0 / 3.0 * (NOISE_FACTOR * noise / mean_sqrt).log2()
            };
            self.base_sf[band] = (band < self.coded_bands && mean_sqrt > 0.0)
                .then(|| (sf_for_noise(self.masks[band]), sf_for_noise(floor)));
        }
    }

    /// Plans a frame using at most `allowance_bits` (byte alignment included).
    pub(super) fn plan(&mut self, spectrum: &[f32], allowance_bits: u32) -> FramePlan {
        self.analyse(spectrum);
        let fits = |plan: &FramePlan| plan.payload_bits + 7 <= allowance_bits;
        let best = self.trial(spectrum, MIN_OFFSET);
        if fits(&best) {
            return best;
        }
        let mut best = self.trial(spectrum, MAX_OFFSET);
        if !fits(&best) {
            // Cannot happen with sane allowances (MAX_OFFSET zeroes every band), but a
            // silent frame is always valid and tiny.
            return FramePlan::silent(spectrum.len());
        }
        let (mut too_small, mut fitting) = (MIN_OFFSET, MAX_OFFSET);
        while fitting - too_small > 1 {
            let middle = (too_small + fitting) / 2;
            let plan = self.trial(spectrum, middle);
            if fits(&plan) {
                fitting = middle;
                best = plan;
            } else {
                too_small = middle;
            }
        }
        best
    }

    /// Quantizes and sections the frame for offset `offset`, counting its bits.
    fn trial(&self, spectrum: &[f32], offset: i32) -> FramePlan {
        let bands = self.band_energy.len();
        let mut quantized = vec![0i32; spectrum.len()];
        let mut scalefactors = vec![0i32; bands];
        let mut chain = Vec::with_capacity(bands);
        for (band, slot) in scalefactors.iter_mut().enumerate() {
            let Some((at_mask, at_floor)) = self.base_sf[band] else {
                continue;
            };
            let range = self.band_range(band);
            let sf = ((at_mask + offset as f32).max(at_floor).round() as i32)
                .clamp(self.min_sf[band], MAX_SCALEFACTOR);
            let largest = quantize_band(
                &spectrum[range.clone()],
                &self.magnitude_34[range.clone()],
                sf,
                &mut quantized[range],
            );
            *slot = sf;
            if largest > 0 {
                chain.push(band);
            }
        }
        // Transmitted scalefactors may differ by at most ±60 from their predecessor.
        let mut previous: Option<i32> = None;
        for &band in &chain {
            if let Some(prev) = previous {
                let limited = scalefactors[band].clamp(prev - MAX_SF_DELTA, prev + MAX_SF_DELTA);
                if limited != scalefactors[band] {
                    let range = self.band_range(band);
                    quantize_band(
                        &spectrum[range.clone()],
                        &self.magnitude_34[range.clone()],
                        limited,
                        &mut quantized[range],
                    );
                    scalefactors[band] = limited;
                }
            }
            previous = Some(scalefactors[band]);
        }
        let Some(&last) = chain.last() else {
            return FramePlan::silent(spectrum.len());
        };
        let max_sfb = last + 1;
        let mut in_chain = vec![false; max_sfb];
        for &band in &chain {
            in_chain[band] = true;
        }
        let costs: Vec<[u32; CODEBOOK_COUNT]> = (0..max_sfb)
            .map(|band| {
                let values = &quantized[self.band_range(band)];
                let mut row = [INFEASIBLE; CODEBOOK_COUNT];
                // A band without nonzero values may go in a book-0 section (free), or
                // ride in a coded section with a repeated scalefactor (delta 0: 1 bit).
                let sf_cost = if in_chain[band] { 0 } else { 1 };
                if !in_chain[band] {
                    row[0] = 0;
                }
                for (book, cost) in row.iter_mut().enumerate().skip(1) {
                    if let Some(bits) = band_bits(book as u8, values) {
                        *cost = bits + sf_cost;
                    }
                }
                row
            })
            .collect();
        let (sections, section_bits) = plan_sections(&costs);
        let global_gain = scalefactors[chain[0]];
        let mut scalefactor_bits = 0;
        let mut previous = global_gain;
        for &band in &chain {
            scalefactor_bits += scalefactor_delta_bits(scalefactors[band] - previous);
            previous = scalefactors[band];
        }
        // Zero bands inside coded sections repeat the previous transmitted value.
        scalefactors.truncate(max_sfb);
        let mut previous = global_gain;
        for section in &sections {
            for band in section.start_band..section.end_band {
                if in_chain[band] {
                    previous = scalefactors[band];
                } else {
                    scalefactors[band] = previous;
                }
            }
        }
        FramePlan {
            max_sfb,
            global_gain,
            sections,
            scalefactors,
            quantized,
            payload_bits: FIXED_BITS + section_bits + scalefactor_bits,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::sample_rate::rate_info;
    use super::{FIXED_BITS, FramePlanner};

    fn planner() -> FramePlanner {
        let info = rate_info(48_000).expect("supported");
        FramePlanner::new(48_000, info.band_offsets, 16_000.0)
    }

    #[test]
    fn tighter_allowance_never_increases_bits() {
        let spectrum: Vec<f32> = (0..1024)
            .map(|k| ((k * 7919 % 1000) as f32 - 500.0) * 2000.0 / (1.0 + k as f32 * 0.05))
            .collect();
        let mut planner = planner();
        let mut previous = u32::MAX;
        for allowance in [6000, 3000, 1500, 700, 300, 100] {
            let plan = planner.plan(&spectrum, allowance);
            assert!(
                plan.payload_bits + 7 <= allowance,
                "{allowance}: {}",
                plan.payload_bits
            );
            assert!(plan.payload_bits <= previous);
            previous = plan.payload_bits;
        }
    }

    #[test]
    fn silent_spectrum_codes_no_bands() {
        let plan = planner().plan(&[0.0; 1024], 1000);
        assert_eq!(plan.max_sfb, 0);
        assert_eq!(plan.payload_bits, FIXED_BITS);
    }
}
