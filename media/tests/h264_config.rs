//! Invalid configurations and frames are reported, not panicked on.

use kinora_media::h264::{EncoderConfig, H264Encoder, H264Error, I420};

#[test]
fn rejects_bad_configuration() {
    let err = |cfg| H264Encoder::new(cfg).err();
    assert!(matches!(
        err(EncoderConfig::new(63, 64, 30, 26)),
        Some(H264Error::InvalidDimensions { .. })
    ));
    assert!(matches!(
        err(EncoderConfig::new(0, 64, 30, 26)),
        Some(H264Error::InvalidDimensions { .. })
    ));
    assert_eq!(
        err(EncoderConfig::new(64, 64, 0, 26)),
        Some(H264Error::InvalidFps(0))
    );
    assert_eq!(
        err(EncoderConfig::new(64, 64, 30, 11)),
        Some(H264Error::InvalidQp(11))
    );
    assert_eq!(
        err(EncoderConfig::new(64, 64, 30, 52)),
        Some(H264Error::InvalidQp(52))
    );
}

#[test]
fn rejects_mismatched_frames() {
    let mut enc = H264Encoder::new(EncoderConfig::new(32, 32, 30, 26)).unwrap();
    let y = vec![0u8; 32 * 32];
    let c = vec![0u8; 16 * 16];
    let short = vec![0u8; 10];
    let wrong_size = I420 {
        y: &y,
        u: &c,
        v: &c,
        width: 16,
        height: 32,
    };
    assert!(matches!(
        enc.encode(&wrong_size),
        Err(H264Error::FrameSizeMismatch { .. })
    ));
    let short_u = I420 {
        y: &y,
        u: &short,
        v: &c,
        width: 32,
        height: 32,
    };
    assert!(matches!(
        enc.encode(&short_u),
        Err(H264Error::PlaneTooSmall { plane: "u", .. })
    ));
    let ok = I420 {
        y: &y,
        u: &c,
        v: &c,
        width: 32,
        height: 32,
    };
    let frame = enc.encode(&ok).unwrap();
    assert!(frame.keyframe);
    assert_eq!(&frame.annexb[..5], &[0, 0, 0, 1, 0x67]); // SPS first
}
