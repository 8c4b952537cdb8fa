//! Section data (ISO/IEC 14496-3 4.6.2.3): optimal grouping of consecutive
//! scalefactor bands that share one Huffman codebook, by dynamic programming.

use super::bit_writer::BitWriter;

/// Codebooks 0 (all-zero band) to 11 (escape).
pub(super) const CODEBOOK_COUNT: usize = 12;
/// Cost marker for a codebook that cannot code a band.
pub(super) const INFEASIBLE: u32 = u32::MAX;

/// Long windows: 5-bit section length with escape value 31.
const SECTION_LEN_BITS: u32 = 5;
const SECTION_LEN_ESCAPE: usize = 31;
const CODEBOOK_BITS: u32 = 4;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Section {
    pub codebook: u8,
    pub start_band: usize,
    pub end_band: usize,
}

fn header_bits(band_count: usize) -> u32 {
    CODEBOOK_BITS + SECTION_LEN_BITS * (band_count / SECTION_LEN_ESCAPE + 1) as u32
}

/// Chooses sections covering bands `0..costs.len()` that minimise header plus
/// per-band cost; `costs[b][cb]` is INFEASIBLE where book `cb` can't code band `b`.
/// Returns the sections and their total bits (headers + band costs).
// Index loops read most clearly for this DP over (end band, codebook, start band).
#[allow(clippy::needless_range_loop)]
pub(super) fn plan_sections(costs: &[[u32; CODEBOOK_COUNT]]) -> (Vec<Section>, u32) {
    let bands = costs.len();
    // best[i]: cheapest coding of bands 0..i; choice[i]: (start, codebook) of its last section.
    let mut best = vec![u32::MAX; bands + 1];
    let mut choice = vec![(0usize, 0u8); bands + 1];
    best[0] = 0;
    for end in 1..=bands {
        for codebook in 0..CODEBOOK_COUNT {
            let mut run_cost = 0u32;
            for start in (0..end).rev() {
                let band_cost = costs[start][codebook];
                if band_cost == INFEASIBLE {
                    break;
                }
                run_cost += band_cost;
                if best[start] == u32::MAX {
                    continue;
                }
                let total = best[start] + run_cost + header_bits(end - start);
                if total < best[end] {
                    best[end] = total;
                    choice[end] = (start, codebook as u8);
                }
            }
        }
    }
    let mut sections = Vec::new();
    let mut end = bands;
    while end > 0 {
        let (start, codebook) = choice[end];
        sections.push(Section {
            codebook,
            start_band: start,
            end_band: end,
        });
        end = start;
    }
    sections.reverse();
    (sections, best[bands])
}

pub(super) fn write_sections(writer: &mut BitWriter, sections: &[Section]) {
    for section in sections {
        writer.write(u32::from(section.codebook), CODEBOOK_BITS);
        let mut remaining = section.end_band - section.start_band;
        while remaining >= SECTION_LEN_ESCAPE {
            writer.write(SECTION_LEN_ESCAPE as u32, SECTION_LEN_BITS);
            remaining -= SECTION_LEN_ESCAPE;
        }
        writer.write(remaining as u32, SECTION_LEN_BITS);
    }
}

#[cfg(test)]
mod tests {
    use super::super::bit_writer::BitWriter;
    use super::{CODEBOOK_COUNT, INFEASIBLE, plan_sections, write_sections};

    fn costs(rows: &[(u32, u32)]) -> Vec<[u32; CODEBOOK_COUNT]> {
        rows.iter()
            .map(|&(zero, one)| {
                let mut c = [INFEASIBLE; CODEBOOK_COUNT];
                c[0] = zero;
                c[1] = one;
                c
            })
            .collect()
    }

    #[test]
    fn merges_when_headers_cost_more_than_coding() {
        // A lone zero band between coded bands is cheaper inside the book-1 section.
        let (sections, bits) = plan_sections(&costs(&[(INFEASIBLE, 5), (0, 2), (INFEASIBLE, 5)]));
        assert_eq!(sections.len(), 1);
        assert_eq!(bits, 12 + 9);
    }

    #[test]
    fn long_sections_use_length_escape_and_bits_match_writer() {
        let rows = vec![(0, 9); 40];
        let (sections, bits) = plan_sections(&costs(&rows));
        assert_eq!(sections.len(), 1);
        assert_eq!(bits, 4 + 10);
        let mut w = BitWriter::with_capacity(4);
        write_sections(&mut w, &sections);
        assert_eq!(w.bit_len(), 14);
    }
}
