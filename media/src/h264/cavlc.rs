//! CAVLC residual_block() writer (§7.3.5.3.2, §9.2).

use super::bitwriter::BitWriter;
use super::tables::{
    CHROMA_DC_COEFF_TOKEN_BITS, CHROMA_DC_COEFF_TOKEN_LEN, CHROMA_DC_TOTAL_ZEROS_BITS,
    CHROMA_DC_TOTAL_ZEROS_LEN, COEFF_TOKEN_BITS, COEFF_TOKEN_LEN, RUN_BITS, RUN_LEN,
    TOTAL_ZEROS_BITS, TOTAL_ZEROS_LEN,
};

/// nC value that selects the 4:2:0 chroma DC coeff_token table.
pub(crate) const NC_CHROMA_DC: i32 = -1;

/// Number of non-zero coefficients (TotalCoeff), the value neighbours use for nC.
pub(crate) fn total_coeff(coeffs: &[i32]) -> u8 {
    coeffs.iter().filter(|&&c| c != 0).count() as u8
}

/// nC from the neighbouring blocks' TotalCoeff (§9.2.1); `None` = unavailable.
pub(crate) fn predict_nc(left: Option<u8>, top: Option<u8>) -> i32 {
    match (left, top) {
        (Some(a), Some(b)) => (i32::from(a) + i32::from(b) + 1) >> 1,
        (Some(a), None) => i32::from(a),
        (None, Some(b)) => i32::from(b),
        (None, None) => 0,
    }
}

/// Writes one residual block. `coeffs` are the levels in scan order and its
/// length is maxNumCoeff (4 for chroma DC, 15 for AC, 16 otherwise).
pub(crate) fn write_residual_block(bw: &mut BitWriter, coeffs: &[i32], nc: i32) {
    let max_coeff = coeffs.len();
    // Non-zero levels from the highest frequency down, with their scan positions.
    let mut levels = [0i32; 16];
    let mut positions = [0usize; 16];
    let mut total = 0usize;
    for (pos, &c) in coeffs.iter().enumerate().rev() {
        if c != 0 {
            levels[total] = c;
            positions[total] = pos;
            total += 1;
        }
    }
    let trailing_ones = levels[..total]
        .iter()
        .take(3)
        .take_while(|l| l.abs() == 1)
        .count();

    write_coeff_token(bw, total, trailing_ones, nc);
    if total == 0 {
        return;
    }
    for &level in &levels[..trailing_ones] {
        bw.flag(level < 0);
    }
    write_levels(bw, &levels[trailing_ones..total], total, trailing_ones);

    let total_zeros = positions[0] + 1 - total;
    if total < max_coeff {
        let (len, bits) = if max_coeff == 4 {
            (
                CHROMA_DC_TOTAL_ZEROS_LEN[total - 1][total_zeros],
                CHROMA_DC_TOTAL_ZEROS_BITS[total - 1][total_zeros],
            )
        } else {
            (
                TOTAL_ZEROS_LEN[total - 1][total_zeros],
                TOTAL_ZEROS_BITS[total - 1][total_zeros],
            )
        };
        bw.put(u32::from(len), u32::from(bits));
    }

    // run_before for every level but the last (lowest-frequency) one, while
    // zeros remain to be placed.
    let mut zeros_left = total_zeros;
    for k in 0..total - 1 {
        if zeros_left == 0 {
            break;
        }
        let run = positions[k] - positions[k + 1] - 1;
        let row = zeros_left.min(7) - 1;
        bw.put(u32::from(RUN_LEN[row][run]), u32::from(RUN_BITS[row][run]));
        zeros_left -= run;
    }
}

fn write_coeff_token(bw: &mut BitWriter, total: usize, trailing_ones: usize, nc: i32) {
    let idx = total * 4 + trailing_ones;
    let (len, bits) = if nc == NC_CHROMA_DC {
        (
            CHROMA_DC_COEFF_TOKEN_LEN[idx],
            CHROMA_DC_COEFF_TOKEN_BITS[idx],
        )
    } else {
        let table = match nc {
            0..=1 => 0,
            2..=3 => 1,
            4..=7 => 2,
            _ => 3,
        };
        (COEFF_TOKEN_LEN[table][idx], COEFF_TOKEN_BITS[table][idx])
    };
    bw.put(u32::from(len), u32::from(bits));
}

/// Writes the non-trailing-one levels (§9.2.2.1, inverted).
fn write_levels(bw: &mut BitWriter, levels: &[i32], total: usize, trailing_ones: usize) {
    let mut suffix_length: u32 = if total > 10 && trailing_ones < 3 {
        1
    } else {
        0
    };
    for (i, &level) in levels.iter().enumerate() {
        let mut level_code = if level > 0 {
            2 * level - 2
        } else {
            -2 * level - 1
        } as u32;
        // With fewer than 3 trailing ones the first level cannot be +-1, so
        // the decoder adds 2 back (§9.2.2.1).
        if i == 0 && trailing_ones < 3 {
            level_code -= 2;
        }
        write_level_code(bw, level_code, suffix_length);

        if suffix_length == 0 {
            suffix_length = 1;
        }
        if level.unsigned_abs() > (3 << (suffix_length - 1)) && suffix_length < 6 {
            suffix_length += 1;
        }
    }
}

/// level_prefix (unary: `prefix` zeros then a one) plus level_suffix.
fn write_level_code(bw: &mut BitWriter, level_code: u32, suffix_length: u32) {
    let (prefix, suffix_len, suffix) = if suffix_length == 0 {
        if level_code < 14 {
            (level_code, 0, 0)
        } else if level_code < 30 {
            (14, 4, level_code - 14)
        } else {
            (15, 12, level_code - 30)
        }
    } else if level_code < (15 << suffix_length) {
        (
            level_code >> suffix_length,
            suffix_length,
            level_code & ((1 << suffix_length) - 1),
        )
    } else {
        (15, 12, level_code - (15 << suffix_length))
    };
    debug_assert!(suffix < (1 << 12), "level out of Baseline range");
    bw.put(prefix + 1, 1);
    if suffix_len > 0 {
        bw.put(suffix_len, suffix);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bits_of(coeffs: &[i32], nc: i32) -> String {
        let mut bw = BitWriter::new();
        write_residual_block(&mut bw, coeffs, nc);
        let n = bw.bit_len();
        bw.put(((8 - n % 8) % 8) as u32, 0);
        let bytes = bw.into_bytes();
        bytes.iter().map(|b| format!("{b:08b}")).collect::<String>()[..n].to_string()
    }

    /// The worked example from Richardson, "H.264 and MPEG-4 Video
    /// Compression", §6.4.13.2: block 0,3,-1,0 / 0,-1,1,0 / 1,0,0,0 / 0,0,0,0
    /// in zig-zag order is 0,3,0,1,-1,-1,0,1,0... and nC = 0 encodes to
    /// 000010001110010111101101.
    #[test]
    fn matches_textbook_example() {
        let coeffs = [0, 3, 0, 1, -1, -1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0];
        assert_eq!(bits_of(&coeffs, 0), "000010001110010111101101");
    }

    #[test]
    fn empty_block_is_single_bit_at_low_nc() {
        assert_eq!(bits_of(&[0; 16], 0), "1");
        assert_eq!(bits_of(&[0; 4], NC_CHROMA_DC), "01");
    }
}
