//! Foreground segmentation: a camera-compensated temporal-median background per frame,
//! pixels that differ from it (minus cast shadows), connected components, and a colour label
//! per component from the world's named palette (the judge's label space).

use super::flow::{CameraEstimate, map_point};
use crate::render::Frame;
use crate::scene::Colour;

/// Per-frame background estimate and foreground mask.
pub struct Segmentation {
    /// Background RGB per frame (f32, row-major).
    pub background: Vec<Vec<[f32; 3]>>,
    /// Foreground mask per frame.
    pub mask: Vec<Vec<bool>>,
    /// Whether a background estimate exists for the pixel (enough aligned samples).
    pub known: Vec<Vec<bool>>,
}

/// One connected foreground blob of one colour.
#[derive(Debug, Clone, PartialEq)]
pub struct Blob {
    /// Colour label.
    pub colour: Colour,
    /// Pixel count.
    pub area: usize,
    /// Centroid x (px).
    pub cx: f32,
    /// Centroid y (px).
    pub cy: f32,
    /// Bounding box (x0, y0, x1, y1), inclusive.
    pub bbox: (usize, usize, usize, usize),
    /// Touches the frame border.
    pub border: bool,
    /// Fill of the bottom-centre patch of the box (low for cars: the gap between wheels).
    pub bottom_centre: f32,
    /// Fill of the four corner patches of the box (top-left, top-right, bottom-left,
    /// bottom-right), each a fifth of the box a side: near zero for a disc, near one where
    /// a box-shaped silhouette (a cube's front face) reaches the corner.
    pub corners: [f32; 4],
}

fn sample_rgb(f: &Frame, x: f32, y: f32) -> Option<[f32; 3]> {
    let (w, h) = (f.width as usize, f.height as usize);
    if x < 0.0 || y < 0.0 || x > (w - 1) as f32 || y > (h - 1) as f32 {
        return None;
    }
    let (x0, y0) = (x.floor() as usize, y.floor() as usize);
    let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
    let (fx, fy) = (x - x0 as f32, y - y0 as f32);
    let p = |xx: usize, yy: usize, c: usize| f.rgb[(yy * w + xx) * 3 + c] as f32;
    let mut out = [0.0; 3];
    for (c, o) in out.iter_mut().enumerate() {
        let a = p(x0, y0, c) * (1.0 - fx) + p(x1, y0, c) * fx;
        let b = p(x0, y1, c) * (1.0 - fx) + p(x1, y1, c) * fx;
        *o = a * (1.0 - fy) + b * fy;
    }
    Some(out)
}

/// Foreground threshold (max channel difference from the background, 0..255).
const FG_THRESHOLD: f32 = 40.0;

/// True when `p` looks like the background `b` darkened uniformly (a cast shadow).
fn is_shadow(p: [f32; 3], b: [f32; 3]) -> bool {
    let r: Vec<f32> = (0..3).map(|c| (p[c] + 4.0) / (b[c] + 4.0)).collect();
    let (lo, hi) = (
        r.iter().copied().fold(f32::MAX, f32::min),
        r.iter().copied().fold(0.0, f32::max),
    );
    hi < 0.97 && lo > 0.3 && hi - lo < 0.15
}

/// Segment every frame.
pub fn segment(frames: &[Frame], cam: &CameraEstimate, fps: u32) -> Segmentation {
    let n = frames.len();
    let (w, h) = (frames[0].width as usize, frames[0].height as usize);
    // Up to 12 reference frames spread over the clip.
    let step = n.div_ceil(12).max(1);
    let mut background = Vec::with_capacity(n);
    let mut mask = Vec::with_capacity(n);
    let mut known = Vec::with_capacity(n);
    let mut samples: Vec<(f32, [f32; 3])> = Vec::with_capacity(16);
    for t in 0..n {
        let refs: Vec<usize> = (0..n).step_by(step).filter(|&u| u != t).collect();
        let mut bg = vec![[0.0f32; 3]; w * h];
        let mut m = vec![false; w * h];
        let mut kn = vec![false; w * h];
        for y in 0..h {
            for x in 0..w {
                samples.clear();
                for &u in &refs {
                    let (ux, uy) = map_point(cam, fps, w, h, x as f32, y as f32, t, u);
                    if let Some(c) = sample_rgb(&frames[u], ux, uy) {
                        samples.push((0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2], c));
                    }
                }
                let i = y * w + x;
                let here = {
                    let q = &frames[t].rgb[i * 3..i * 3 + 3];
                    [q[0] as f32, q[1] as f32, q[2] as f32]
                };
                if samples.len() < 3 {
                    bg[i] = here;
                    continue;
                }
                let mid = samples.len() / 2;
                samples.select_nth_unstable_by(mid, |a, b| a.0.total_cmp(&b.0));
                let b = samples[mid].1;
                bg[i] = b;
                kn[i] = true;
                let d = (0..3).map(|c| (here[c] - b[c]).abs()).fold(0.0, f32::max);
                m[i] = d > FG_THRESHOLD && !is_shadow(here, b);
            }
        }
        background.push(bg);
        mask.push(m);
        known.push(kn);
    }
    Segmentation {
        background,
        mask,
        known,
    }
}

/// Nearest palette colour to an observed RGB, allowing for brightness changes (shading,
/// dim styles) by fitting a gain per candidate.
pub fn classify_colour(o: [f32; 3]) -> Colour {
    let mut best = (f32::MAX, Colour::Red);
    for &c in Colour::ALL {
        let p = c.rgb();
        let pp = p[0] * p[0] + p[1] * p[1] + p[2] * p[2];
        let k = ((o[0] * p[0] + o[1] * p[1] + o[2] * p[2]) / pp).clamp(0.35, 1.3);
        let d = (0..3)
            .map(|i| (o[i] - k * p[i]).powi(2))
            .sum::<f32>()
            .sqrt();
        if d < best.0 {
            best = (d, c);
        }
    }
    best.1
}

/// Connected components (4-neighbour) of a mask; components smaller than `min_area` are
/// dropped. Each component gets the colour of its typical lit pixels; a component whose
/// pixels clearly split into two chromatic colours (two touching objects) is split.
pub fn blobs(frame: &Frame, mask: &[bool], min_area: usize) -> Vec<Blob> {
    let (w, h) = (frame.width as usize, frame.height as usize);
    let mut seen = vec![false; w * h];
    let mut out = Vec::new();
    let mut stack = Vec::new();
    for start in 0..w * h {
        if !mask[start] || seen[start] {
            continue;
        }
        let mut pix = Vec::new();
        seen[start] = true;
        stack.push(start);
        while let Some(i) = stack.pop() {
            pix.push(i);
            let (x, y) = (i % w, i / w);
            let mut push = |j: usize| {
                if mask[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if x > 0 {
                push(i - 1);
            }
            if x + 1 < w {
                push(i + 1);
            }
            if y > 0 {
                push(i - w);
            }
            if y + 1 < h {
                push(i + w);
            }
        }
        if pix.len() < min_area {
            continue;
        }
        let rgb = |i: usize| {
            [
                frame.rgb[i * 3] as f32,
                frame.rgb[i * 3 + 1] as f32,
                frame.rgb[i * 3 + 2] as f32,
            ]
        };
        // Per-pixel labels, used only to detect two touching objects of different colours.
        let labels: Vec<Colour> = pix.iter().map(|&i| classify_colour(rgb(i))).collect();
        let mut counts: Vec<(Colour, usize)> = Vec::new();
        for l in &labels {
            match counts.iter_mut().find(|c| c.0 == *l) {
                Some(c) => c.1 += 1,
                None => counts.push((*l, 1)),
            }
        }
        counts.sort_by_key(|c| std::cmp::Reverse(c.1));
        let chromatic = |c: Colour| !matches!(c, Colour::White | Colour::Black);
        let split = counts.len() >= 2
            && chromatic(counts[0].0)
            && chromatic(counts[1].0)
            && !neighbours(counts[0].0, counts[1].0)
            && counts[1].1 * 4 >= pix.len()
            && counts[1].1 >= min_area;
        if split {
            for (c, _) in counts.iter().take(2) {
                let sub: Vec<usize> = pix
                    .iter()
                    .zip(&labels)
                    .filter(|(_, l)| *l == c)
                    .map(|(p, _)| *p)
                    .collect();
                out.push(make_blob(&sub, *c, w, h));
            }
        } else {
            let colour = robust_colour(&pix.iter().map(|&i| rgb(i)).collect::<Vec<_>>());
            out.push(make_blob(&pix, colour, w, h));
        }
    }
    out
}

/// Palette colours that shading or tinting can blur into each other; a blob showing both is
/// one object, not two touching ones.
fn neighbours(a: Colour, b: Colour) -> bool {
    use Colour::*;
    const PAIRS: [(Colour, Colour); 10] = [
        (Red, Pink),
        (Red, Orange),
        (Orange, Yellow),
        (Orange, Pink),
        (Pink, Purple),
        (Blue, Purple),
        (Cyan, Blue),
        (Cyan, Green),
        (Green, Yellow),
        (Red, Purple),
    ];
    PAIRS
        .iter()
        .any(|&(x, y)| (x, y) == (a, b) || (y, x) == (a, b))
}

/// Colour of the typical lit surface: the mean of pixels between the 50th and 90th luma
/// percentile (skips dark details such as wheels, eyes and shaded sides).
fn robust_colour(px: &[[f32; 3]]) -> Colour {
    let mut v: Vec<(f32, [f32; 3])> = px
        .iter()
        .map(|c| (0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2], *c))
        .collect();
    v.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (lo, hi) = (
        v.len() / 2,
        (v.len() * 9 / 10).max(v.len() / 2 + 1).min(v.len()),
    );
    let mut m = [0.0f32; 3];
    for (_, c) in &v[lo..hi] {
        for k in 0..3 {
            m[k] += c[k];
        }
    }
    let n = (hi - lo) as f32;
    classify_colour([m[0] / n, m[1] / n, m[2] / n])
}

fn make_blob(pix: &[usize], colour: Colour, w: usize, h: usize) -> Blob {
    let (mut sx, mut sy) = (0.0f64, 0.0f64);
    let (mut x0, mut y0, mut x1, mut y1) = (usize::MAX, usize::MAX, 0, 0);
    for &i in pix {
        let (x, y) = (i % w, i / w);
        sx += x as f64;
        sy += y as f64;
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let n = pix.len().max(1) as f64;
    let (bw, bh) = (x1 - x0 + 1, y1 - y0 + 1);
    let (px0, px1) = (x0 + bw * 7 / 20, x0 + bw * 13 / 20);
    let py0 = y1 + 1 - (bh * 3 / 20).max(1);
    let patch = ((px1 - px0 + 1) * (y1 + 1 - py0)).max(1);
    let inside = pix
        .iter()
        .filter(|&&i| {
            let (x, y) = (i % w, i / w);
            x >= px0 && x <= px1 && y >= py0
        })
        .count();
    let (cw, ch) = ((bw / 5).max(1), (bh / 5).max(1));
    let mut corners = [0.0f32; 4];
    for &i in pix {
        let (x, y) = (i % w, i / w);
        let left = x < x0 + cw;
        let right = x + cw > x1;
        let top = y < y0 + ch;
        let bottom = y + ch > y1;
        for (k, hit) in [top && left, top && right, bottom && left, bottom && right]
            .into_iter()
            .enumerate()
        {
            if hit {
                corners[k] += 1.0;
            }
        }
    }
    for c in &mut corners {
        *c /= (cw * ch) as f32;
    }
    Blob {
        corners,
        bottom_centre: inside as f32 / patch as f32,
        colour,
        area: pix.len(),
        cx: (sx / n) as f32,
        cy: (sy / n) as f32,
        bbox: (x0, y0, x1, y1),
        border: x0 == 0 || y0 == 0 || x1 + 1 >= w || y1 + 1 >= h,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn palette_colours_classify_to_themselves_when_shaded() {
        for &c in Colour::ALL {
            for k in [0.55f32, 0.8, 1.0] {
                let p = c.rgb();
                let o = [
                    (p[0] * k).min(255.0),
                    (p[1] * k).min(255.0),
                    (p[2] * k).min(255.0),
                ];
                if c == Colour::Black && k < 0.9 {
                    continue;
                }
                assert_eq!(classify_colour(o), c, "{c:?} at {k}");
            }
        }
    }
}
