//! Supported sampling rates, their MPEG-4 frequency index and the long-window
//! scalefactor band offsets (ISO/IEC 14496-3 Tables 4.129-4.131 as transcribed in
//! FFmpeg `libavcodec/aactab.c`, `swb_offset_1024_*`).

/// 44.1 and 48 kHz share one table (49 bands).
const SWB_OFFSETS_48K: [u16; 50] = [
    0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80, 88, 96, 108, 120, 132, 144, 160,
    176, 196, 216, 240, 264, 292, 320, 352, 384, 416, 448, 480, 512, 544, 576, 608, 640, 672, 704,
    736, 768, 800, 832, 864, 896, 928, 1024,
];

/// 32 kHz (51 bands).
const SWB_OFFSETS_32K: [u16; 52] = [
    0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 48, 56, 64, 72, 80, 88, 96, 108, 120, 132, 144, 160,
    176, 196, 216, 240, 264, 292, 320, 352, 384, 416, 448, 480, 512, 544, 576, 608, 640, 672, 704,
    736, 768, 800, 832, 864, 896, 928, 960, 992, 1024,
];

/// 22.05 and 24 kHz share one table (47 bands).
const SWB_OFFSETS_24K: [u16; 48] = [
    0, 4, 8, 12, 16, 20, 24, 28, 32, 36, 40, 44, 52, 60, 68, 76, 84, 92, 100, 108, 116, 124, 136,
    148, 160, 172, 188, 204, 220, 240, 260, 284, 308, 336, 364, 396, 432, 468, 508, 552, 600, 652,
    704, 768, 832, 896, 960, 1024,
];

/// 16 kHz (43 bands; the spec uses it for 12 and 11.025 kHz too).
const SWB_OFFSETS_16K: [u16; 44] = [
    0, 8, 16, 24, 32, 40, 48, 56, 64, 72, 80, 88, 100, 112, 124, 136, 148, 160, 172, 184, 196, 212,
    228, 244, 260, 280, 300, 320, 344, 368, 396, 424, 456, 492, 532, 572, 616, 664, 716, 772, 832,
    896, 960, 1024,
];

/// What the encoder needs to know about one supported sampling rate.
#[derive(Clone, Copy, Debug)]
pub(super) struct RateInfo {
    /// sampling_frequency_index of ADTS / AudioSpecificConfig.
    pub frequency_index: u8,
    /// Band edges in MDCT bins; `len() - 1` bands, last edge 1024.
    pub band_offsets: &'static [u16],
}

pub(super) fn rate_info(sample_rate: u32) -> Option<RateInfo> {
    let (frequency_index, band_offsets): (u8, &'static [u16]) = match sample_rate {
        48_000 => (3, &SWB_OFFSETS_48K),
        44_100 => (4, &SWB_OFFSETS_48K),
        32_000 => (5, &SWB_OFFSETS_32K),
        24_000 => (6, &SWB_OFFSETS_24K),
        22_050 => (7, &SWB_OFFSETS_24K),
        16_000 => (8, &SWB_OFFSETS_16K),
        _ => return None,
    };
    Some(RateInfo {
        frequency_index,
        band_offsets,
    })
}

#[cfg(test)]
mod tests {
    use super::rate_info;

    #[test]
    fn band_tables_are_well_formed() {
        for (rate, bands) in [
            (48_000, 49),
            (44_100, 49),
            (32_000, 51),
            (24_000, 47),
            (22_050, 47),
            (16_000, 43),
        ] {
            let info = rate_info(rate).expect("supported");
            let offsets = info.band_offsets;
            assert_eq!(offsets.len() - 1, bands, "{rate}");
            assert_eq!(offsets[0], 0);
            assert_eq!(*offsets.last().expect("non-empty"), 1024);
            for pair in offsets.windows(2) {
                assert!(pair[1] > pair[0] && (pair[1] - pair[0]) % 4 == 0);
            }
        }
        assert!(rate_info(8_000).is_none());
    }
}
