//! Sequence/picture parameter sets (§7.3.2.1, §7.3.2.2, Annex E VUI) and the
//! slice header (§7.3.3) for a Constrained Baseline stream.

use super::bitwriter::BitWriter;

/// frame_num is coded in this many bits (log2_max_frame_num_minus4 + 4).
pub(crate) const LOG2_MAX_FRAME_NUM: u32 = 8;

/// Geometry and timing the parameter sets describe.
pub(crate) struct StreamLayout {
    pub(crate) width: u32,
    pub(crate) height: u32,
    pub(crate) mb_width: u32,
    pub(crate) mb_height: u32,
    pub(crate) fps: u32,
    pub(crate) level_idc: u8,
}

/// profile_idc 66 with constraint_set0 and constraint_set1 = Constrained Baseline.
pub(crate) const PROFILE_IDC: u8 = 66;
pub(crate) const CONSTRAINT_FLAGS: u8 = 0b1100_0000;

/// Smallest level (Table A-1) whose frame size and macroblock rate fit, but
/// at least 3.0: at low QP our bitrate can exceed the small levels' MaxBR,
/// and every H.264 decoder in practice supports 3.0.
pub(crate) fn choose_level(mb_width: u32, mb_height: u32, fps: u32) -> u8 {
    const LEVELS: [(u8, u32, u32); 16] = [
        (10, 99, 1485),
        (11, 396, 3000),
        (12, 396, 6000),
        (13, 396, 11880),
        (20, 396, 11880),
        (21, 792, 19800),
        (22, 1620, 20250),
        (30, 1620, 40500),
        (31, 3600, 108000),
        (32, 5120, 216000),
        (40, 8192, 245760),
        (41, 8192, 245760),
        (42, 8704, 522240),
        (50, 22080, 589824),
        (51, 36864, 983040),
        (52, 36864, 2073600),
    ];
    let frame_mbs = mb_width * mb_height;
    let mb_rate = u64::from(frame_mbs) * u64::from(fps);
    // Level limits also cap each dimension at sqrt(8 * MaxFS) macroblocks.
    let fits = |max_fs: u32| {
        let max_dim = f64::from(max_fs * 8).sqrt() as u32;
        frame_mbs <= max_fs && mb_width <= max_dim && mb_height <= max_dim
    };
    LEVELS
        .iter()
        .find(|&&(_, max_fs, max_mbps)| fits(max_fs) && mb_rate <= u64::from(max_mbps))
        .map_or(52, |&(level, _, _)| level)
        .max(30)
}

pub(crate) fn write_sps(layout: &StreamLayout) -> Vec<u8> {
    let mut bw = BitWriter::new();
    bw.put(8, u32::from(PROFILE_IDC));
    bw.put(8, u32::from(CONSTRAINT_FLAGS));
    bw.put(8, u32::from(layout.level_idc));
    bw.ue(0); // seq_parameter_set_id
    bw.ue(LOG2_MAX_FRAME_NUM - 4);
    // POC type 2: output order = decoding order, nothing coded per slice.
    bw.ue(2);
    bw.ue(1); // max_num_ref_frames
    bw.flag(false); // gaps_in_frame_num_value_allowed_flag
    bw.ue(layout.mb_width - 1);
    bw.ue(layout.mb_height - 1);
    bw.flag(true); // frame_mbs_only_flag
    bw.flag(true); // direct_8x8_inference_flag
    let crop_right = (layout.mb_width * 16 - layout.width) / 2;
    let crop_bottom = (layout.mb_height * 16 - layout.height) / 2;
    let cropping = crop_right > 0 || crop_bottom > 0;
    bw.flag(cropping);
    if cropping {
        // Offsets are in units of 2 samples for 4:2:0 frames (CropUnitX/Y).
        bw.ue(0);
        bw.ue(crop_right);
        bw.ue(0);
        bw.ue(crop_bottom);
    }
    bw.flag(true); // vui_parameters_present_flag
    write_vui(&mut bw, layout.fps);
    bw.trailing_bits();
    bw.into_bytes()
}

/// VUI: BT.601 (SMPTE 170M) limited range — what `assembly::colour` converts to — constant frame rate, no frame reordering.
fn write_vui(bw: &mut BitWriter, fps: u32) {
    bw.flag(false); // aspect_ratio_info_present_flag (square pixels assumed)
    bw.flag(false); // overscan_info_present_flag
    bw.flag(true); // video_signal_type_present_flag
    bw.put(3, 5); // video_format: unspecified
    bw.flag(false); // video_full_range_flag: limited (16..235)
    bw.flag(true); // colour_description_present_flag
    bw.put(8, 6); // colour_primaries: SMPTE 170M (BT.601 525)
    bw.put(8, 6); // transfer_characteristics: SMPTE 170M
    bw.put(8, 6); // matrix_coefficients: SMPTE 170M
    bw.flag(false); // chroma_loc_info_present_flag
    bw.flag(true); // timing_info_present_flag
    bw.put(32, 1); // num_units_in_tick
    bw.put(32, fps * 2); // time_scale: two ticks per frame (field-based clock)
    bw.flag(true); // fixed_frame_rate_flag
    bw.flag(false); // nal_hrd_parameters_present_flag
    bw.flag(false); // vcl_hrd_parameters_present_flag
    bw.flag(false); // pic_struct_present_flag
    bw.flag(true); // bitstream_restriction_flag
    bw.flag(true); // motion_vectors_over_pic_boundaries_flag
    bw.ue(0); // max_bytes_per_pic_denom
    bw.ue(0); // max_bits_per_mb_denom
    bw.ue(16); // log2_max_mv_length_horizontal
    bw.ue(16); // log2_max_mv_length_vertical
    bw.ue(0); // max_num_reorder_frames: lets decoders output immediately
    bw.ue(1); // max_dec_frame_buffering
}

pub(crate) fn write_pps() -> Vec<u8> {
    let mut bw = BitWriter::new();
    bw.ue(0); // pic_parameter_set_id
    bw.ue(0); // seq_parameter_set_id
    bw.flag(false); // entropy_coding_mode_flag: CAVLC
    bw.flag(false); // bottom_field_pic_order_in_frame_present_flag
    bw.ue(0); // num_slice_groups_minus1
    bw.ue(0); // num_ref_idx_l0_default_active_minus1
    bw.ue(0); // num_ref_idx_l1_default_active_minus1
    bw.flag(false); // weighted_pred_flag
    bw.put(2, 0); // weighted_bipred_idc
    bw.se(0); // pic_init_qp_minus26 (the slice header carries the QP)
    bw.se(0); // pic_init_qs_minus26
    bw.se(0); // chroma_qp_index_offset
    bw.flag(true); // deblocking_filter_control_present_flag
    bw.flag(false); // constrained_intra_pred_flag
    bw.flag(false); // redundant_pic_cnt_present_flag
    bw.trailing_bits();
    bw.into_bytes()
}

/// Per-picture values of the slice header.
pub(crate) struct SliceHeader {
    pub(crate) idr: bool,
    pub(crate) frame_num: u32,
    pub(crate) idr_pic_id: u32,
    pub(crate) qp: u8,
}

/// Writes slice_header() for the picture's single slice (nal_ref_idc != 0).
pub(crate) fn write_slice_header(bw: &mut BitWriter, h: &SliceHeader) {
    bw.ue(0); // first_mb_in_slice
    bw.ue(if h.idr { 7 } else { 5 }); // slice_type: I or P, same for all slices
    bw.ue(0); // pic_parameter_set_id
    bw.put(LOG2_MAX_FRAME_NUM, h.frame_num);
    if h.idr {
        bw.ue(h.idr_pic_id);
    }
    if !h.idr {
        bw.flag(false); // num_ref_idx_active_override_flag
        bw.flag(false); // ref_pic_list_modification_flag_l0
    }
    // dec_ref_pic_marking()
    if h.idr {
        bw.flag(false); // no_output_of_prior_pics_flag
        bw.flag(false); // long_term_reference_flag
    } else {
        bw.flag(false); // adaptive_ref_pic_marking_mode_flag: sliding window
    }
    bw.se(i32::from(h.qp) - 26); // slice_qp_delta
    bw.ue(1); // disable_deblocking_filter_idc: filter off
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn level_choice_follows_table_a1() {
        assert_eq!(choose_level(11, 9, 15), 30); // QCIF@15 (floored)
        assert_eq!(choose_level(16, 16, 30), 30); // 256x256@30
        assert_eq!(choose_level(45, 36, 30), 31); // 720x576@30
        assert_eq!(choose_level(80, 45, 30), 31); // 720p@30
        assert_eq!(choose_level(120, 68, 30), 40); // 1080p@30
    }
}
