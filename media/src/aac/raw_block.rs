//! Serialises a FramePlan as a mono raw_data_block (ISO/IEC 14496-3 4.4.2.1):
//! single_channel_element + END, byte aligned.

use super::bit_writer::BitWriter;
use super::frame_planner::FramePlan;
use super::sectioning::write_sections;
use super::spectral_huffman::{write_band, write_scalefactor_delta};

const ID_SCE: u32 = 0;
const ID_END: u32 = 7;
const ONLY_LONG_SEQUENCE: u32 = 0;
const SINE_WINDOW: u32 = 0;

pub(super) fn write_raw_data_block(writer: &mut BitWriter, plan: &FramePlan, band_offsets: &[u16]) {
    writer.write(ID_SCE, 3);
    writer.write(0, 4); // element_instance_tag
    writer.write(plan.global_gain as u32, 8);
    // ics_info
    writer.write(0, 1); // ics_reserved_bit
    writer.write(ONLY_LONG_SEQUENCE, 2);
    writer.write(SINE_WINDOW, 1);
    writer.write(plan.max_sfb as u32, 6);
    writer.write(0, 1); // predictor_data_present
    write_sections(writer, &plan.sections);
    let mut previous = plan.global_gain;
    for section in plan.sections.iter().filter(|s| s.codebook != 0) {
        for band in section.start_band..section.end_band {
            write_scalefactor_delta(writer, plan.scalefactors[band] - previous);
            previous = plan.scalefactors[band];
        }
    }
    writer.write(0, 1); // pulse_data_present
    writer.write(0, 1); // tns_data_present
    writer.write(0, 1); // gain_control_data_present
    for section in plan.sections.iter().filter(|s| s.codebook != 0) {
        for band in section.start_band..section.end_band {
            let range = usize::from(band_offsets[band])..usize::from(band_offsets[band + 1]);
            write_band(writer, section.codebook, &plan.quantized[range]);
        }
    }
    writer.write(ID_END, 3);
    writer.byte_align();
}
