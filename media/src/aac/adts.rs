//! ADTS header (ISO/IEC 14496-3 1.A.2.2), 7 bytes, no CRC, and the matching
//! AudioSpecificConfig for MP4 (1.6.2.1).

use super::bit_writer::BitWriter;

pub(super) const HEADER_LEN: usize = 7;
const AUDIO_OBJECT_TYPE_LC: u32 = 2;
const CHANNEL_CONFIG_MONO: u32 = 1;
/// buffer_fullness 0x7FF signals a variable-rate stream; decoders ignore it.
const BUFFER_FULLNESS_VBR: u32 = 0x7FF;
/// frame_length is a 13-bit field.
pub(super) const MAX_FRAME_LEN: usize = (1 << 13) - 1;

pub(super) fn write_header(writer: &mut BitWriter, frequency_index: u8, frame_len: usize) {
    debug_assert!(frame_len <= MAX_FRAME_LEN);
    writer.write(0xFFF, 12); // syncword
    writer.write(0, 1); // ID: MPEG-4
    writer.write(0, 2); // layer
    writer.write(1, 1); // protection_absent: no CRC
    writer.write(AUDIO_OBJECT_TYPE_LC - 1, 2); // profile_ObjectType
    writer.write(u32::from(frequency_index), 4);
    writer.write(0, 1); // private_bit
    writer.write(CHANNEL_CONFIG_MONO, 3);
    writer.write(0, 1); // original_copy
    writer.write(0, 1); // home
    writer.write(0, 1); // copyright_identification_bit
    writer.write(0, 1); // copyright_identification_start
    writer.write(frame_len as u32, 13);
    writer.write(BUFFER_FULLNESS_VBR, 11);
    writer.write(0, 2); // number_of_raw_data_blocks_in_frame - 1
}

/// AudioSpecificConfig: object type 2, frequency index, mono, GASpecificConfig
/// with 1024-sample frames, no core coder, no extension.
pub(super) fn audio_specific_config(frequency_index: u8) -> [u8; 2] {
    let bits = (AUDIO_OBJECT_TYPE_LC << 11)
        | (u32::from(frequency_index) << 7)
        | (CHANNEL_CONFIG_MONO << 3);
    [(bits >> 8) as u8, bits as u8]
}

#[cfg(test)]
mod tests {
    use super::{BitWriter, HEADER_LEN, audio_specific_config, write_header};

    #[test]
    fn header_layout() {
        let mut w = BitWriter::with_capacity(HEADER_LEN);
        write_header(&mut w, 3, 300);
        let bytes = w.into_bytes();
        assert_eq!(bytes.len(), HEADER_LEN);
        assert_eq!(&bytes[..3], &[0xFF, 0xF1, 0x4C]);
        let frame_len = (u32::from(bytes[3] & 0x3) << 11)
            | (u32::from(bytes[4]) << 3)
            | u32::from(bytes[5] >> 5);
        assert_eq!(frame_len, 300);
    }

    #[test]
    fn asc_for_48k_mono_lc() {
        // 00010 0011 0001 000 -> 0x11 0x88
        assert_eq!(audio_specific_config(3), [0x11, 0x88]);
    }
}
