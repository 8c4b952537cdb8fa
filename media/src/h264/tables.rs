//! Constant tables of H.264 (ITU-T H.264 §8.5, §9.2, Table 9-4/9-5/9-7/9-8/9-9).
//!
//! The CAVLC code tables are copied verbatim from FFmpeg's
//! `libavcodec/h264_cavlc.c` (LGPL-2.1+, Michael Niedermayer), which stores
//! each VLC as a (length, code) pair; `golomb_to_inter_cbp` comes from FFmpeg's
//! `libavcodec/h264data.c`. Layout: `COEFF_TOKEN_*[table][total_coeff * 4 +
//! trailing_ones]`, `TOTAL_ZEROS_*[total_coeff - 1][total_zeros]`,
//! `RUN_*[min(zeros_left, 7) - 1][run_before]`.

/// coeff_token lengths for 0<=nC<2, 2<=nC<4, 4<=nC<8, 8<=nC (Table 9-5).
pub(crate) const COEFF_TOKEN_LEN: [[u8; 4 * 17]; 4] = [
    [
        1, 0, 0, 0, 6, 2, 0, 0, 8, 6, 3, 0, 9, 8, 7, 5, 10, 9, 8, 6, 11, 10, 9, 7, 13, 11, 10, 8,
        13, 13, 11, 9, 13, 13, 13, 10, 14, 14, 13, 11, 14, 14, 14, 13, 15, 15, 14, 14, 15, 15, 15,
        14, 16, 15, 15, 15, 16, 16, 16, 15, 16, 16, 16, 16, 16, 16, 16, 16,
    ],
    [
        2, 0, 0, 0, 6, 2, 0, 0, 6, 5, 3, 0, 7, 6, 6, 4, 8, 6, 6, 4, 8, 7, 7, 5, 9, 8, 8, 6, 11, 9,
        9, 6, 11, 11, 11, 7, 12, 11, 11, 9, 12, 12, 12, 11, 12, 12, 12, 11, 13, 13, 13, 12, 13, 13,
        13, 13, 13, 14, 13, 13, 14, 14, 14, 13, 14, 14, 14, 14,
    ],
    [
        4, 0, 0, 0, 6, 4, 0, 0, 6, 5, 4, 0, 6, 5, 5, 4, 7, 5, 5, 4, 7, 5, 5, 4, 7, 6, 6, 4, 7, 6,
        6, 4, 8, 7, 7, 5, 8, 8, 7, 6, 9, 8, 8, 7, 9, 9, 8, 8, 9, 9, 9, 8, 10, 9, 9, 9, 10, 10, 10,
        10, 10, 10, 10, 10, 10, 10, 10, 10,
    ],
    [
        6, 0, 0, 0, 6, 6, 0, 0, 6, 6, 6, 0, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
        6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6, 6,
        6, 6, 6, 6, 6, 6, 6, 6,
    ],
];

/// coeff_token code values matching `COEFF_TOKEN_LEN`.
pub(crate) const COEFF_TOKEN_BITS: [[u8; 4 * 17]; 4] = [
    [
        1, 0, 0, 0, 5, 1, 0, 0, 7, 4, 1, 0, 7, 6, 5, 3, 7, 6, 5, 3, 7, 6, 5, 4, 15, 6, 5, 4, 11,
        14, 5, 4, 8, 10, 13, 4, 15, 14, 9, 4, 11, 10, 13, 12, 15, 14, 9, 12, 11, 10, 13, 8, 15, 1,
        9, 12, 11, 14, 13, 8, 7, 10, 9, 12, 4, 6, 5, 8,
    ],
    [
        3, 0, 0, 0, 11, 2, 0, 0, 7, 7, 3, 0, 7, 10, 9, 5, 7, 6, 5, 4, 4, 6, 5, 6, 7, 6, 5, 8, 15,
        6, 5, 4, 11, 14, 13, 4, 15, 10, 9, 4, 11, 14, 13, 12, 8, 10, 9, 8, 15, 14, 13, 12, 11, 10,
        9, 12, 7, 11, 6, 8, 9, 8, 10, 1, 7, 6, 5, 4,
    ],
    [
        15, 0, 0, 0, 15, 14, 0, 0, 11, 15, 13, 0, 8, 12, 14, 12, 15, 10, 11, 11, 11, 8, 9, 10, 9,
        14, 13, 9, 8, 10, 9, 8, 15, 14, 13, 13, 11, 14, 10, 12, 15, 10, 13, 12, 11, 14, 9, 12, 8,
        10, 13, 8, 13, 7, 9, 12, 9, 12, 11, 10, 5, 8, 7, 6, 1, 4, 3, 2,
    ],
    [
        3, 0, 0, 0, 0, 1, 0, 0, 4, 5, 6, 0, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
        22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43, 44,
        45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63,
    ],
];

/// coeff_token for chroma DC in 4:2:0 (nC == -1).
pub(crate) const CHROMA_DC_COEFF_TOKEN_LEN: [u8; 4 * 5] =
    [2, 0, 0, 0, 6, 1, 0, 0, 6, 6, 3, 0, 6, 7, 7, 6, 6, 8, 8, 7];
pub(crate) const CHROMA_DC_COEFF_TOKEN_BITS: [u8; 4 * 5] =
    [1, 0, 0, 0, 7, 1, 0, 0, 4, 6, 1, 0, 3, 3, 2, 5, 2, 3, 2, 0];

/// total_zeros for 4x4 blocks (Tables 9-7, 9-8); rows are total_coeff 1..=15.
pub(crate) const TOTAL_ZEROS_LEN: [[u8; 16]; 15] = [
    [1, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 9],
    [3, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 6, 6, 6, 6, 0],
    [4, 3, 3, 3, 4, 4, 3, 3, 4, 5, 5, 6, 5, 6, 0, 0],
    [5, 3, 4, 4, 3, 3, 3, 4, 3, 4, 5, 5, 5, 0, 0, 0],
    [4, 4, 4, 3, 3, 3, 3, 3, 4, 5, 4, 5, 0, 0, 0, 0],
    [6, 5, 3, 3, 3, 3, 3, 3, 4, 3, 6, 0, 0, 0, 0, 0],
    [6, 5, 3, 3, 3, 2, 3, 4, 3, 6, 0, 0, 0, 0, 0, 0],
    [6, 4, 5, 3, 2, 2, 3, 3, 6, 0, 0, 0, 0, 0, 0, 0],
    [6, 6, 4, 2, 2, 3, 2, 5, 0, 0, 0, 0, 0, 0, 0, 0],
    [5, 5, 3, 2, 2, 2, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [4, 4, 3, 3, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [4, 4, 2, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [3, 3, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
];
pub(crate) const TOTAL_ZEROS_BITS: [[u8; 16]; 15] = [
    [1, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 3, 2, 1],
    [7, 6, 5, 4, 3, 5, 4, 3, 2, 3, 2, 3, 2, 1, 0, 0],
    [5, 7, 6, 5, 4, 3, 4, 3, 2, 3, 2, 1, 1, 0, 0, 0],
    [3, 7, 5, 4, 6, 5, 4, 3, 3, 2, 2, 1, 0, 0, 0, 0],
    [5, 4, 3, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0, 0, 0, 0],
    [1, 1, 7, 6, 5, 4, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0],
    [1, 1, 5, 4, 3, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 1, 3, 3, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 3, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 0, 1, 3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 2, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
];

/// total_zeros for 4:2:0 chroma DC (Table 9-9a); rows are total_coeff 1..=3.
pub(crate) const CHROMA_DC_TOTAL_ZEROS_LEN: [[u8; 4]; 3] =
    [[1, 2, 3, 3], [1, 2, 2, 0], [1, 1, 0, 0]];
pub(crate) const CHROMA_DC_TOTAL_ZEROS_BITS: [[u8; 4]; 3] =
    [[1, 1, 1, 0], [1, 1, 0, 0], [1, 0, 0, 0]];

/// run_before (Table 9-10); rows are zerosLeft 1..=6 and ">6".
pub(crate) const RUN_LEN: [[u8; 16]; 7] = [
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [2, 2, 2, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [2, 2, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [2, 3, 3, 3, 3, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [3, 3, 3, 3, 3, 3, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0],
];
pub(crate) const RUN_BITS: [[u8; 16]; 7] = [
    [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [3, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [3, 2, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [3, 0, 1, 3, 2, 5, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0],
    [7, 6, 5, 4, 3, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0],
];

/// Table 9-4 (chroma_format_idc 1), Inter column: codeNum -> coded_block_pattern.
/// The encoder needs the inverse, built by `inter_cbp_code_num`.
const GOLOMB_TO_INTER_CBP: [u8; 48] = [
    0, 16, 1, 2, 4, 8, 32, 3, 5, 10, 12, 15, 47, 7, 11, 13, 14, 6, 9, 31, 35, 37, 42, 44, 33, 34,
    36, 40, 39, 43, 45, 46, 17, 18, 20, 24, 19, 21, 26, 28, 23, 27, 29, 30, 22, 25, 38, 41,
];

/// Table 9-4, Intra_4x4 column (FFmpeg `ff_h264_golomb_to_intra4x4_cbp`).
const GOLOMB_TO_INTRA4X4_CBP: [u8; 48] = [
    47, 31, 15, 0, 23, 27, 29, 30, 7, 11, 13, 14, 39, 43, 45, 46, 16, 3, 5, 10, 12, 19, 21, 26, 28,
    35, 37, 42, 44, 1, 2, 4, 8, 17, 18, 20, 24, 6, 9, 22, 25, 32, 33, 34, 36, 40, 38, 41,
];

/// codeNum of me(v) for an Intra_4x4 macroblock's coded_block_pattern.
pub(crate) fn intra4x4_cbp_code_num(cbp: u8) -> u32 {
    GOLOMB_TO_INTRA4X4_CBP
        .iter()
        .position(|&c| c == cbp)
        .map_or(0, |p| p as u32)
}

/// codeNum of me(v) for an inter macroblock's coded_block_pattern (0..=47).
pub(crate) fn inter_cbp_code_num(cbp: u8) -> u32 {
    GOLOMB_TO_INTER_CBP
        .iter()
        .position(|&c| c == cbp)
        .map_or(0, |p| p as u32)
}

/// Frame zig-zag scan (Table 8-13): scan index -> raster index (x + 4*y).
pub(crate) const ZIGZAG: [usize; 16] = [0, 1, 4, 8, 5, 2, 3, 6, 9, 12, 13, 10, 7, 11, 14, 15];

/// Raster 4x4 position (x + 4*y) -> luma4x4BlkIdx (inverse of BLK_X/BLK_Y).
pub(crate) const RASTER_TO_BLK: [usize; 16] =
    [0, 1, 4, 5, 2, 3, 6, 7, 8, 9, 12, 13, 10, 11, 14, 15];

/// luma4x4BlkIdx -> (x, y) of the 4x4 block inside the macroblock, in 4-sample
/// units (§6.4.3: blocks go in 8x8 quadrants, each quadrant in raster order).
pub(crate) const BLK_X: [usize; 16] = [0, 1, 0, 1, 2, 3, 2, 3, 0, 1, 0, 1, 2, 3, 2, 3];
pub(crate) const BLK_Y: [usize; 16] = [0, 0, 1, 1, 0, 0, 1, 1, 2, 2, 3, 3, 2, 2, 3, 3];

/// Quantisation multipliers MF for QP%6 and the three position classes
/// (both coordinates even / both odd / mixed); the forward counterpart of
/// `DEQUANT_V`, as used by the JM reference encoder and x264.
pub(crate) const QUANT_MF: [[i32; 3]; 6] = [
    [13107, 5243, 8066],
    [11916, 4660, 7490],
    [10082, 4194, 6554],
    [9362, 3647, 5825],
    [8192, 3355, 5243],
    [7282, 2893, 4559],
];

/// normAdjust4x4 v (§8.5.9, Eq. 8-315) for QP%6 and the same position classes.
pub(crate) const DEQUANT_V: [[i32; 3]; 6] = [
    [10, 16, 13],
    [11, 18, 14],
    [13, 20, 16],
    [14, 23, 18],
    [16, 25, 20],
    [18, 29, 23],
];

/// Position class of raster index `i` in a 4x4 block (see `QUANT_MF`).
pub(crate) const POS_CLASS: [usize; 16] = [0, 2, 0, 2, 2, 1, 2, 1, 0, 2, 0, 2, 2, 1, 2, 1];

/// QPc as a function of qPI (Table 8-15).
pub(crate) fn chroma_qp(qp: u8) -> u8 {
    const HIGH: [u8; 22] = [
        29, 30, 31, 32, 32, 33, 34, 34, 35, 35, 36, 36, 37, 37, 37, 38, 38, 38, 39, 39, 39, 39,
    ];
    let qpi = qp.min(51);
    if qpi < 30 {
        qpi
    } else {
        HIGH[usize::from(qpi - 30)]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every VLC table must be prefix-free, or a decoder could not parse it.
    fn assert_prefix_free(codes: &[(u8, u8)]) {
        for (i, &(la, ca)) in codes.iter().enumerate() {
            for &(lb, cb) in &codes[i + 1..] {
                let l = la.min(lb);
                let pa = u32::from(ca) >> (la - l);
                let pb = u32::from(cb) >> (lb - l);
                assert!(pa != pb, "codes {ca:b}/{la} and {cb:b}/{lb} collide");
            }
        }
    }

    #[test]
    fn coeff_token_tables_are_prefix_free() {
        for t in 0..4 {
            let codes: Vec<_> = (0..68)
                .filter(|&i| COEFF_TOKEN_LEN[t][i] > 0)
                .map(|i| (COEFF_TOKEN_LEN[t][i], COEFF_TOKEN_BITS[t][i]))
                .collect();
            assert_eq!(codes.len(), 62);
            assert_prefix_free(&codes);
        }
    }

    #[test]
    fn total_zeros_and_run_tables_are_prefix_free() {
        for tc in 0..15 {
            let codes: Vec<_> = (0..16 - tc)
                .map(|z| (TOTAL_ZEROS_LEN[tc][z], TOTAL_ZEROS_BITS[tc][z]))
                .collect();
            assert_prefix_free(&codes);
        }
        for zl in 0..7 {
            let n = if zl < 6 { zl + 2 } else { 15 };
            let codes: Vec<_> = (0..n).map(|r| (RUN_LEN[zl][r], RUN_BITS[zl][r])).collect();
            assert_prefix_free(&codes);
        }
    }

    #[test]
    fn raster_to_blk_inverts_blk_xy() {
        for blk in 0..16 {
            assert_eq!(RASTER_TO_BLK[BLK_X[blk] + 4 * BLK_Y[blk]], blk);
        }
        let mut seen = [false; 48];
        for cbp in 0..48u8 {
            let code = intra4x4_cbp_code_num(cbp) as usize;
            assert_eq!(GOLOMB_TO_INTRA4X4_CBP[code], cbp);
            assert!(!seen[code]);
            seen[code] = true;
        }
    }

    #[test]
    fn inter_cbp_mapping_is_a_bijection() {
        let mut seen = [false; 48];
        for cbp in 0..48u8 {
            let code = inter_cbp_code_num(cbp) as usize;
            assert_eq!(GOLOMB_TO_INTER_CBP[code], cbp);
            assert!(!seen[code]);
            seen[code] = true;
        }
    }
}
