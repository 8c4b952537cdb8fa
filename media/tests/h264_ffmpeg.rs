//! End-to-end checks against ffmpeg's H.264 decoder (must be installed).

mod h264_common;
use h264_common as common;

use common::{Noise, Yuv, round_trip, subpixel_pan_frame, synthetic_frame};
use kinora_media::h264::EncoderConfig;

fn moving_clip(w: usize, h: usize, frames: usize) -> Vec<Yuv> {
    let mut noise = Noise::new(1234);
    (0..frames)
        .map(|t| synthetic_frame(w, h, t, &mut noise, 3))
        .collect()
}

fn check_size(w: u32, h: u32, qp: u8, min_psnr: f64) {
    let frames = 12;
    let mut cfg = EncoderConfig::new(w, h, 30, qp);
    cfg.keyframe_interval = 5;
    let r = round_trip(
        cfg,
        &moving_clip(w as usize, h as usize, frames),
        &format!("{w}x{h}_q{qp}"),
    );
    println!(
        "{w}x{h} qp{qp}: {} B total, {:.0} B/frame (IDR {:.0} B avg), luma PSNR mean {:.2} min {:.2} dB, recon==ffmpeg {}",
        r.bytes,
        r.bytes as f64 / frames as f64,
        r.idr_bytes as f64 / 3.0,
        r.mean_luma_psnr,
        r.min_luma_psnr,
        r.recon_matches_decoder
    );
    assert_eq!(r.decoded_frames, r.frames);
    assert!(
        r.recon_matches_decoder,
        "encoder reconstruction drifted from ffmpeg's output"
    );
    assert!(
        r.min_luma_psnr >= min_psnr,
        "PSNR {:.2} < {min_psnr}",
        r.min_luma_psnr
    );
}

#[test]
fn sizes_at_qp26_decode_cleanly_and_match_reconstruction() {
    for (w, h) in [(64, 64), (176, 144), (256, 256), (320, 184), (34, 18)] {
        check_size(w, h, 26, 32.0);
    }
}

#[test]
fn qp_sweep_256x256_reports_quality_and_size() {
    // I_PCM reference: 256 macroblocks x 384 sample bytes + headers ~ 98 KB/frame.
    const IPCM_BYTES_PER_FRAME: f64 = 98_304.0;
    let clip = moving_clip(256, 256, 30);
    let mut last_bytes = usize::MAX;
    for (qp, min_psnr) in [(20u8, 40.0), (26, 36.0), (32, 32.0)] {
        let mut cfg = EncoderConfig::new(256, 256, 30, qp);
        cfg.keyframe_interval = 30;
        let r = round_trip(cfg, &clip, &format!("sweep_q{qp}"));
        let per_frame = r.bytes as f64 / r.frames as f64;
        println!(
            "256x256 qp{qp}: {per_frame:.0} B/frame avg (IDR {} B), ratio vs I_PCM {:.0}x, luma PSNR mean {:.2} min {:.2} dB, {:?}",
            r.idr_bytes,
            IPCM_BYTES_PER_FRAME / per_frame,
            r.mean_luma_psnr,
            r.min_luma_psnr,
            r.stats
        );
        assert_eq!(r.decoded_frames, r.frames);
        assert!(r.recon_matches_decoder);
        assert!(r.min_luma_psnr >= min_psnr);
        assert!(r.bytes < last_bytes, "higher QP must give a smaller stream");
        last_bytes = r.bytes;
    }
}

#[test]
fn flat_and_noise_frames_at_extreme_qps() {
    let (w, h) = (64usize, 48usize);
    let flat = |luma: u8, chroma: u8| Yuv {
        y: vec![luma; w * h],
        u: vec![chroma; w * h / 4],
        v: vec![chroma; w * h / 4],
    };
    let mut noise = Noise::new(99);
    let mut random = || Yuv {
        y: (0..w * h).map(|_| noise.next() as u8).collect(),
        u: (0..w * h / 4).map(|_| noise.next() as u8).collect(),
        v: (0..w * h / 4).map(|_| noise.next() as u8).collect(),
    };
    let frames = vec![
        flat(0, 128),
        flat(255, 128),
        random(),
        random(),
        flat(0, 0),
        flat(255, 255),
        flat(255, 255),
    ];
    for qp in [12u8, 20, 26, 40, 51] {
        let mut cfg = EncoderConfig::new(w as u32, h as u32, 25, qp);
        cfg.keyframe_interval = 0;
        let r = round_trip(cfg, &frames, &format!("flat_noise_q{qp}"));
        println!(
            "black/white/noise qp{qp}: {} B, luma PSNR mean {:.2} min {:.2} dB, {:?}",
            r.bytes, r.mean_luma_psnr, r.min_luma_psnr, r.stats
        );
        assert_eq!(r.decoded_frames, r.frames);
        assert!(r.recon_matches_decoder, "qp {qp}");
        if qp == 12 {
            assert!(r.min_luma_psnr > 40.0, "qp {qp}: {}", r.min_luma_psnr);
            // Full-range noise is cheaper raw than predicted at this QP.
            assert!(r.stats.pcm > 0, "{:?}", r.stats);
        }
    }
}

#[test]
fn long_gop_does_not_drift() {
    // One IDR then 89 P frames: any mismatch between encoder and decoder
    // reconstruction would accumulate and show up here.
    let mut cfg = EncoderConfig::new(176, 144, 30, 30);
    cfg.keyframe_interval = 0;
    let r = round_trip(cfg, &moving_clip(176, 144, 90), "long_gop");
    println!(
        "176x144 90 frames 1 IDR qp30: {} B, PSNR min {:.2}",
        r.bytes, r.min_luma_psnr
    );
    assert_eq!(r.decoded_frames, 90);
    assert!(r.recon_matches_decoder);
    assert!(r.min_luma_psnr > 30.0);
}

#[test]
fn rate_control_lands_near_target() {
    let (w, h, fps) = (256u32, 256u32, 30u32);
    let clip = moving_clip(w as usize, h as usize, 90);
    for target in [150_000u32, 600_000] {
        let mut cfg = EncoderConfig::new(w, h, fps, 26);
        cfg.target_bitrate = target;
        let r = round_trip(cfg, &clip, &format!("rc_{target}"));
        let achieved = r.bytes as f64 * 8.0 * f64::from(fps) / r.frames as f64;
        println!(
            "target {target} bps -> {achieved:.0} bps ({:+.1}%), PSNR mean {:.2}",
            100.0 * (achieved / f64::from(target) - 1.0),
            r.mean_luma_psnr
        );
        assert!(r.recon_matches_decoder);
        assert!((achieved / f64::from(target) - 1.0).abs() < 0.25);
    }
}

#[test]
fn ffprobe_sees_constrained_baseline_with_cropping() {
    use kinora_media::h264::{H264Encoder, I420};
    let clip = moving_clip(320, 184, 2);
    let mut enc = H264Encoder::new(EncoderConfig::new(320, 184, 30, 26)).unwrap();
    let mut stream = Vec::new();
    for f in &clip {
        let out = enc
            .encode(&I420 {
                y: &f.y,
                u: &f.u,
                v: &f.v,
                width: 320,
                height: 184,
            })
            .unwrap();
        stream.extend_from_slice(&out.annexb);
    }
    let path = std::env::temp_dir().join(format!("kinora_h264_probe_{}.h264", std::process::id()));
    std::fs::write(&path, &stream).unwrap();
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=profile,width,height,color_primaries,r_frame_rate",
            "-of",
            "csv=p=0",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&path);
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    println!("ffprobe: {text}; codec string {}", enc.codec_string());
    assert_eq!(text, "Constrained Baseline,320,184,smpte170m,30/1");
    assert_eq!(enc.codec_string(), "avc1.42C01E");
}

#[test]
fn tiny_frames_all_idr_and_frame_num_wrap() {
    // Sub-macroblock sizes (heavy cropping) with every frame an IDR.
    for (w, h) in [(2u32, 2u32), (16, 16), (8, 64)] {
        let mut cfg = EncoderConfig::new(w, h, 30, 26);
        cfg.keyframe_interval = 1;
        let r = round_trip(
            cfg,
            &moving_clip(w as usize, h as usize, 4),
            &format!("tiny_{w}x{h}"),
        );
        assert_eq!(r.decoded_frames, 4);
        assert!(r.recon_matches_decoder, "{w}x{h}");
    }
    // 300 P frames after one IDR: frame_num (8 bits) wraps past 255.
    let mut cfg = EncoderConfig::new(32, 32, 30, 30);
    cfg.keyframe_interval = 0;
    let r = round_trip(cfg, &moving_clip(32, 32, 300), "frame_num_wrap");
    assert_eq!(r.decoded_frames, 300);
    assert!(r.recon_matches_decoder);
}

#[test]
fn subpixel_motion_uses_fractional_vectors_and_stays_exact() {
    let clip: Vec<Yuv> = (0..20).map(|t| subpixel_pan_frame(176, 144, t)).collect();
    let mut cfg = EncoderConfig::new(176, 144, 30, 26);
    cfg.keyframe_interval = 0;
    let r = round_trip(cfg, &clip, "subpel_pan");
    println!(
        "subpel pan 176x144 qp26: {} B/frame, PSNR mean {:.2}, stats {:?}",
        r.bytes / r.frames,
        r.mean_luma_psnr,
        r.stats
    );
    assert_eq!(r.decoded_frames, 20);
    assert!(r.recon_matches_decoder);
    // Most inter macroblocks of a 0.75/0.5 px pan need fractional vectors.
    assert!(r.stats.fractional_mv * 2 > r.stats.inter, "{:?}", r.stats);
}
