//! Robust statistics: the analyzers judge a clip against its own median and spread, which
//! a few outliers (the defects we look for) cannot drag along the way a mean would.

/// Median of a slice (NaN-free input; 0 for an empty slice).
pub fn median(v: &[f32]) -> f32 {
    quantile(v, 0.5)
}

/// The `q` quantile (0..=1, nearest rank) of a slice; 0 for an empty slice.
pub fn quantile(v: &[f32], q: f32) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    let mut s = v.to_vec();
    let k = ((s.len() - 1) as f32 * q.clamp(0.0, 1.0)).round() as usize;
    s.select_nth_unstable_by(k, f32::total_cmp);
    s[k]
}

/// Median absolute deviation from the median, scaled to a standard deviation for normal
/// data (× 1.4826).
pub fn mad(v: &[f32]) -> f32 {
    let m = median(v);
    let d: Vec<f32> = v.iter().map(|x| (x - m).abs()).collect();
    1.4826 * median(&d)
}

/// Root mean square.
pub fn rms(v: &[f32]) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    (v.iter().map(|x| x * x).sum::<f32>() / v.len() as f32).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn robust_to_one_outlier() {
        let v = [1.0, 2.0, 3.0, 4.0, 1000.0];
        assert_eq!(median(&v), 3.0);
        assert!((mad(&v) - 1.4826).abs() < 1e-4);
        assert_eq!(quantile(&v, 1.0), 1000.0);
        assert_eq!(median(&[]), 0.0);
    }
}
