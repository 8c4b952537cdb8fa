//! Spectral Huffman coding (ISO/IEC 14496-3 4.6.3): codebook geometry, bit
//! counting and writing of one scalefactor band, plus the scalefactor codebook.

use super::bit_writer::BitWriter;
use super::huffman_tables as t;

/// Largest magnitude codebook 11 can carry with escapes (13-bit escape word).
pub(super) const MAX_QUANT: i32 = 8191;
/// The scalefactor codebook codes deltas in -60..=60.
pub(super) const MAX_SF_DELTA: i32 = 60;
pub(super) const ESCAPE_CODEBOOK: u8 = 11;

struct Codebook {
    codes: &'static [u16],
    bits: &'static [u8],
    /// Values per codeword: 4 for books 1-4, 2 for 5-11.
    dimension: usize,
    /// Signed books code the sign in the index; unsigned ones append sign bits.
    signed: bool,
    /// Largest absolute value (for book 11: 16, the escape marker).
    largest: i32,
}

const fn book(
    codes: &'static [u16],
    bits: &'static [u8],
    dimension: usize,
    signed: bool,
    largest: i32,
) -> Codebook {
    Codebook {
        codes,
        bits,
        dimension,
        signed,
        largest,
    }
}

/// Index i holds codebook i + 1.
static CODEBOOKS: [Codebook; 11] = [
    book(&t::CODES1, &t::BITS1, 4, true, 1),
    book(&t::CODES2, &t::BITS2, 4, true, 1),
    book(&t::CODES3, &t::BITS3, 4, false, 2),
    book(&t::CODES4, &t::BITS4, 4, false, 2),
    book(&t::CODES5, &t::BITS5, 2, true, 4),
    book(&t::CODES6, &t::BITS6, 2, true, 4),
    book(&t::CODES7, &t::BITS7, 2, false, 7),
    book(&t::CODES8, &t::BITS8, 2, false, 7),
    book(&t::CODES9, &t::BITS9, 2, false, 12),
    book(&t::CODES10, &t::BITS10, 2, false, 12),
    book(&t::CODES11, &t::BITS11, 2, false, 16),
];

fn codebook(number: u8) -> &'static Codebook {
    debug_assert!((1..=11).contains(&number));
    &CODEBOOKS[usize::from(number) - 1]
}

/// Largest absolute value codebook `number` (1..=11) represents.
pub(super) fn max_value(number: u8) -> i32 {
    if number == ESCAPE_CODEBOOK {
        MAX_QUANT
    } else {
        codebook(number).largest
    }
}

fn tuple_index(book: &Codebook, values: &[i32]) -> usize {
    let mut index = 0usize;
    if book.signed {
        let radix = (2 * book.largest + 1) as usize;
        for &v in values {
            index = index * radix + (v + book.largest) as usize;
        }
    } else {
        let radix = (book.largest + 1) as usize;
        for &v in values {
            index = index * radix + v.unsigned_abs().min(book.largest as u32) as usize;
        }
    }
    index
}

/// Escape sequence length for |v| >= 16: (N-4) prefix ones, a zero, N bits.
fn escape_bits(magnitude: u32) -> u32 {
    if magnitude < 16 {
        return 0;
    }
    let n = 31 - magnitude.leading_zeros();
    2 * n - 3
}

/// Bits to code `values` (a band, length a multiple of 4) with codebook `number`,
/// or None when a value exceeds what that book can represent.
pub(super) fn band_bits(number: u8, values: &[i32]) -> Option<u32> {
    let book = codebook(number);
    let limit = max_value(number);
    let mut total = 0u32;
    for tuple in values.chunks_exact(book.dimension) {
        if tuple.iter().any(|v| v.abs() > limit) {
            return None;
        }
        total += u32::from(book.bits[tuple_index(book, tuple)]);
        if !book.signed {
            for &v in tuple {
                let magnitude = v.unsigned_abs();
                total += u32::from(magnitude != 0);
                if number == ESCAPE_CODEBOOK {
                    total += escape_bits(magnitude);
                }
            }
        }
    }
    Some(total)
}

/// Writes `values` with codebook `number`; the caller checked `band_bits` is Some.
pub(super) fn write_band(writer: &mut BitWriter, number: u8, values: &[i32]) {
    let book = codebook(number);
    for tuple in values.chunks_exact(book.dimension) {
        let index = tuple_index(book, tuple);
        writer.write(u32::from(book.codes[index]), u32::from(book.bits[index]));
        if book.signed {
            continue;
        }
        for &v in tuple {
            if v != 0 {
                writer.write_bool(v < 0);
            }
        }
        if number == ESCAPE_CODEBOOK {
            for &v in tuple {
                let magnitude = v.unsigned_abs();
                if magnitude >= 16 {
                    let n = 31 - magnitude.leading_zeros();
                    // (n - 4) ones then a zero separator.
                    writer.write(((1u32 << (n - 4)) - 1) << 1, n - 3);
                    writer.write(magnitude - (1 << n), n);
                }
            }
        }
    }
}

pub(super) fn scalefactor_delta_bits(delta: i32) -> u32 {
    debug_assert!(delta.abs() <= MAX_SF_DELTA);
    u32::from(t::SCALEFACTOR_BITS[(delta + MAX_SF_DELTA) as usize])
}

pub(super) fn write_scalefactor_delta(writer: &mut BitWriter, delta: i32) {
    let index = (delta + MAX_SF_DELTA) as usize;
    writer.write(
        t::SCALEFACTOR_CODES[index],
        u32::from(t::SCALEFACTOR_BITS[index]),
    );
}

#[cfg(test)]
mod tests {
    use super::super::bit_writer::BitWriter;
    use super::super::huffman_tables as t;
    use super::{CODEBOOKS, band_bits, write_band};

    /// A complete prefix code satisfies Kraft's equality and no codeword is a
    /// prefix of another; this catches transcription errors in the tables.
    fn assert_complete_prefix_code(codes: &[u32], bits: &[u8], name: &str) {
        let kraft: f64 = bits.iter().map(|&b| 0.5f64.powi(i32::from(b))).sum();
        assert!((kraft - 1.0).abs() < 1e-12, "{name}: kraft sum {kraft}");
        for (i, (&ci, &bi)) in codes.iter().zip(bits).enumerate() {
            for (j, (&cj, &bj)) in codes.iter().zip(bits).enumerate() {
                if i != j && bi <= bj {
                    assert_ne!(cj >> (bj - bi), ci, "{name}: {i} prefixes {j}");
                }
            }
        }
    }

    #[test]
    fn tables_are_complete_prefix_codes() {
        assert_complete_prefix_code(&t::SCALEFACTOR_CODES, &t::SCALEFACTOR_BITS, "sf");
        for (i, book) in CODEBOOKS.iter().enumerate() {
            let codes: Vec<u32> = book.codes.iter().map(|&c| u32::from(c)).collect();
            let radix = if book.signed {
                2 * book.largest + 1
            } else {
                book.largest + 1
            };
            assert_eq!(codes.len(), (radix as usize).pow(book.dimension as u32));
            assert_complete_prefix_code(&codes, book.bits, &format!("book {}", i + 1));
        }
    }

    #[test]
    fn counted_bits_equal_written_bits() {
        let values: Vec<i32> = (0..64).map(|i| ((i * 37) % 41) - 20).collect();
        let small: Vec<i32> = values.iter().map(|v| v.clamp(&-1, &1)).copied().collect();
        let big: Vec<i32> = values.iter().map(|v| v * 300).collect();
        for (book, data) in [(1u8, &small), (2, &small), (11, &values), (11, &big)] {
            let counted = band_bits(book, data).expect("representable");
            let mut writer = BitWriter::with_capacity(256);
            write_band(&mut writer, book, data);
            assert_eq!(counted as usize, writer.bit_len(), "book {book}");
        }
        assert!(band_bits(1, &values).is_none());
    }
}
