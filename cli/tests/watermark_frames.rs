//! Codec-free checks: sizes, errors, the empirical null over many wrong keys.

mod support;
use kinora_provenance::watermark::{
    DETECTION_THRESHOLD, Detector, Embedder, WatermarkError, embed_luma,
};
use support::*;

#[test]
fn odd_and_tiny_sizes_work_without_panicking() {
    let k = key(1);
    for (w, h) in [
        (32, 32),
        (33, 47),
        (47, 33),
        (1000, 32),
        (32, 600),
        (255, 143),
    ] {
        let mut y: Vec<u8> = (0..w * h).map(|i| ((i * 7919) % 251) as u8).collect();
        embed_luma(&mut y, w as u32, h as u32, &k).unwrap();
        let mut d = Detector::new(&k);
        d.add_luma(&y, w as u32, h as u32).unwrap();
        assert!(d.finish().score.is_finite());
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let k = key(1);
    let mut y = vec![0u8; 31 * 40];
    assert!(matches!(
        embed_luma(&mut y, 31, 40, &k),
        Err(WatermarkError::TooSmall { .. })
    ));
    let mut y = vec![0u8; 100];
    assert!(matches!(
        embed_luma(&mut y, 64, 64, &k),
        Err(WatermarkError::BadLength { .. })
    ));
    assert!(Detector::new(&k).add_luma(&y, 64, 64).is_err());
    let empty = Detector::new(&k).finish();
    assert_eq!((empty.score, empty.present, empty.frames), (0.0, false, 0));
}

#[test]
fn uniform_and_saturated_frames_are_handled() {
    let k = key(1);
    for v in [0u8, 128, 255] {
        let unmarked = vec![v; 64 * 48];
        let mut d = Detector::new(&k);
        d.add_luma(&unmarked, 64, 48).unwrap();
        let det = d.finish();
        assert!(
            det.score.is_finite() && !det.present,
            "unmarked {v}: {det:?}"
        );

        let mut y = unmarked.clone();
        Embedder::new(&k).embed(&mut y, 64, 48).unwrap();
        assert_ne!(y, unmarked, "the mark changes a flat {v} frame");
        let mut d = Detector::new(&k);
        d.add_luma(&y, 64, 48).unwrap();
        let det = d.finish();
        assert!(det.score.is_finite() && det.present, "marked {v}: {det:?}");
    }
}

#[test]
fn raw_marked_clip_detected_and_wrong_keys_follow_the_null() {
    // No codec: the mark is found at full strength, and on the same frames 500
    // wrong keys give scores that stay within the Hoeffding null.
    let mut clip = render(42, 192, 128, 12, 1.0);
    let (psnr, _) = mark(&mut clip, &key(1));
    assert!(psnr >= 40.0, "PSNR {psnr}");
    let (det, detector) = detect(&clip.frames, clip.width, clip.height, &key(1));
    assert!(det.present && det.frames == 12, "{det:?}");
    let wrong: Vec<f32> = (100..600).map(|n| detector.score_for(&key(n))).collect();
    let max = wrong.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
    let mean = wrong.iter().sum::<f32>() / wrong.len() as f32;
    let var = wrong.iter().map(|s| (s - mean).powi(2)).sum::<f32>() / wrong.len() as f32;
    println!(
        "score {:.2}; 500 wrong keys: max {max:.2} mean {mean:.2} sd {:.2}",
        det.score,
        var.sqrt()
    );
    assert!(max < DETECTION_THRESHOLD);
    assert!(mean.abs() < 0.3 && (0.7..1.3).contains(&var.sqrt()));
}
