//! Training curves as PNG: the loss column of a run's CSV log, raw (grey) and smoothed
//! (black), on a log-scaled y axis. Small on purpose: no plotting crate for one chart.

use anyhow::{Context, Result};
use std::path::Path;

/// Plots column `loss` of `csv` into `png` (`width × height` pixels).
pub fn plot_loss(csv: &Path, png: &Path) -> Result<()> {
    let text =
        std::fs::read_to_string(csv).with_context(|| format!("reading {}", csv.display()))?;
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let col = header
        .iter()
        .position(|h| *h == "loss")
        .context("no loss column")?;
    let losses: Vec<f32> = lines
        .filter_map(|l| l.split(',').nth(col)?.parse::<f32>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .collect();
    anyhow::ensure!(
        losses.len() >= 2,
        "{} has fewer than two steps",
        csv.display()
    );
    let (w, h) = (640usize, 320usize);
    let mut rgb = vec![255u8; w * h * 3];
    let logs: Vec<f32> = losses.iter().map(|v| v.ln()).collect();
    let (lo, hi) = logs
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), &v| (a.min(v), b.max(v)));
    let span = (hi - lo).max(1e-6);
    let mut plot = |series: &[f32], colour: u8| {
        for x in 0..w {
            let i = x * (series.len() - 1) / (w - 1);
            let y = ((hi - series[i]) / span * (h - 1) as f32) as usize;
            for dy in 0..2 {
                let yy = (y + dy).min(h - 1);
                let p = (yy * w + x) * 3;
                rgb[p..p + 3].copy_from_slice(&[colour, colour, colour]);
            }
        }
    };
    plot(&logs, 190);
    let mut smooth = Vec::with_capacity(logs.len());
    let mut s = logs[0];
    for &v in &logs {
        s = 0.98 * s + 0.02 * v;
        smooth.push(s);
    }
    plot(&smooth, 0);
    let file = std::fs::File::create(png).with_context(|| format!("creating {}", png.display()))?;
    let mut enc = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    enc.write_header()?.write_image_data(&rgb)?;
    println!(
        "{}: {} steps, loss {:.4} → {:.4} (smoothed), y log-scaled {:.4}..{:.4}",
        png.display(),
        losses.len(),
        smooth[0].exp(),
        smooth[smooth.len() - 1].exp(),
        lo.exp(),
        hi.exp()
    );
    Ok(())
}
