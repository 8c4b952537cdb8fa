//! Object tracks from blobs: one track per colour label, camera-compensated positions,
//! object class from silhouette shape, motion label, visual contact times (sub-frame, from
//! piecewise fits around each contact) and persistence events.

use super::flow::CameraEstimate;
use super::segment::Blob;
use crate::scene::{CameraMotion, Colour, Kind};

/// Motion labels the judge can tell apart (rolling reads as left/right motion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MotionLabel {
    /// Net leftward motion.
    Left,
    /// Net rightward motion.
    Right,
    /// Net upward motion at steady speed.
    Up,
    /// Net downward motion at steady speed.
    Down,
    /// Accelerating descent that ends on the floor.
    Fall,
    /// One or more floor contacts with rebound.
    Bounce,
    /// Circular path.
    Orbit,
    /// Horizontal approach and rebound against another object.
    Collide,
    /// No clear motion.
    Still,
}

impl MotionLabel {
    /// The label a scene motion should produce.
    pub fn expected(m: crate::scene::Motion) -> MotionLabel {
        use crate::scene::Motion as M;
        match m {
            M::Left | M::RollLeft => MotionLabel::Left,
            M::Right | M::RollRight => MotionLabel::Right,
            M::Up => MotionLabel::Up,
            M::Down => MotionLabel::Down,
            M::Fall => MotionLabel::Fall,
            M::Bounce => MotionLabel::Bounce,
            M::Orbit => MotionLabel::Orbit,
            M::Collide => MotionLabel::Collide,
        }
    }
}

/// Bounding box (x0, y0, x1, y1) inclusive, plus whether it touches the frame border.
pub type BBox = (usize, usize, usize, usize, bool);

/// Everything the judge learned about one object.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Track {
    /// Colour label.
    pub colour: Colour,
    /// Class estimate.
    pub kind: Kind,
    /// Screen-space centroid per frame (pixels), None where not seen.
    pub positions: Vec<Option<(f32, f32)>>,
    /// Motion label.
    pub motion: MotionLabel,
    /// Visual contact times in seconds (sub-frame).
    pub contacts: Vec<f32>,
    /// Gravity consistency: downward acceleration of falling segments, frame heights/s².
    pub gravity: Option<f32>,
    /// Whether apex heights decrease from bounce to bounce (energy loss), if ≥ 2 bounces.
    pub energy_loss: Option<bool>,
    /// Frames where the object vanished while in view (not at the border, not occluded).
    pub vanished: Vec<usize>,
    /// Frames where the object appeared from nowhere.
    pub popped_in: Vec<usize>,
    /// Shape features: median aspect, fill ratio, aspect variability, bottom-centre fill,
    /// fullest corner patch.
    pub shape: (f32, f32, f32, f32, f32),
    /// Bounding boxes per frame.
    #[serde(skip)]
    pub bboxes: Vec<Option<BBox>>,
}

fn median(mut v: Vec<f32>) -> f32 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f32::total_cmp);
    v[v.len() / 2]
}

/// Corner-patch fill above which a compact silhouette is box-shaped.
const CUBE_CORNER: f32 = 0.7;

/// Class from silhouette shape: characters are tall, cars and birds wide (birds change shape
/// as they flap), cubes fill their box, balls fill π/4 of it.
pub fn classify_kind(aspect: f32, fill: f32, _var: f32, bottom_centre: f32, corner: f32) -> Kind {
    if aspect < 0.7 {
        Kind::Character
    } else if aspect > 1.45 {
        // Cars are longer than birds and stand on two wheels: the bottom centre of their
        // box is empty (unless a shadow fills it, hence the aspect test first).
        if aspect > 2.6 || bottom_centre < 0.35 {
            Kind::Car
        } else {
            Kind::Bird
        }
    } else if fill > 0.83 || (corner > CUBE_CORNER && fill > 0.6) {
        // A disc leaves every corner of its box nearly empty; a cube's front face fills at
        // least one even when a face close to the background colour is lost.
        Kind::Cube
    } else {
        Kind::Ball
    }
}

/// Build tracks from per-frame blobs.
pub fn build_tracks(
    per_frame: &[Vec<Blob>],
    cam: &CameraEstimate,
    w: usize,
    h: usize,
    fps: u32,
    min_area: usize,
) -> Vec<Track> {
    let n = per_frame.len();
    let mut colours: Vec<Colour> = Vec::new();
    for b in per_frame.iter().flatten() {
        if !colours.contains(&b.colour) {
            colours.push(b.colour);
        }
    }
    let mut tracks = Vec::new();
    for c in colours {
        // Several blobs of one colour in a frame: keep the largest (fragments are small).
        let chosen: Vec<Option<&Blob>> = per_frame
            .iter()
            .map(|bs| bs.iter().filter(|b| b.colour == c).max_by_key(|b| b.area))
            .collect();
        let present = chosen.iter().filter(|b| b.is_some()).count();
        let areas: Vec<f32> = chosen.iter().flatten().map(|b| b.area as f32).collect();
        if present < (n * 15 / 100).max(3) || median(areas) < (min_area as f32 * 1.5) {
            continue;
        }
        let positions: Vec<Option<(f32, f32)>> =
            chosen.iter().map(|b| b.map(|b| (b.cx, b.cy))).collect();
        let bboxes = chosen
            .iter()
            .map(|b| b.map(|b| (b.bbox.0, b.bbox.1, b.bbox.2, b.bbox.3, b.border)))
            .collect();
        let (mut asp, mut fill, mut bc, mut cor) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for b in chosen.iter().flatten().filter(|b| !b.border) {
            let (bw, bh) = (
                (b.bbox.2 - b.bbox.0 + 1) as f32,
                (b.bbox.3 - b.bbox.1 + 1) as f32,
            );
            asp.push(bw / bh);
            fill.push(b.area as f32 / (bw * bh));
            bc.push(b.bottom_centre);
            cor.push(b.corners.iter().copied().fold(0.0, f32::max));
        }
        let var = if asp.len() >= 3 {
            let m = asp.iter().sum::<f32>() / asp.len() as f32;
            (asp.iter().map(|a| (a - m).powi(2)).sum::<f32>() / asp.len() as f32).sqrt()
                / m.max(1e-3)
        } else {
            0.0
        };
        let shape = (median(asp), median(fill), var, median(bc), median(cor));
        let kind = classify_kind(shape.0, shape.1, shape.2, shape.3, shape.4);
        // Camera-compensated positions in frame heights, interior frames only.
        let pts: Vec<(f32, f32, f32)> = chosen
            .iter()
            .enumerate()
            .filter_map(|(t, b)| b.filter(|b| !b.border).map(|b| (t, b)))
            .map(|(t, b)| {
                let (x, y) = compensate(cam, fps, w, h, b.cx, b.cy, t);
                (t as f32 / fps as f32, x / h as f32, y / h as f32)
            })
            .collect();
        let (motion, contacts, gravity, energy_loss) = analyse_motion(&pts, fps);
        tracks.push(Track {
            colour: c,
            kind,
            positions,
            motion,
            contacts,
            gravity,
            energy_loss,
            vanished: Vec::new(),
            popped_in: Vec::new(),
            shape,
            bboxes,
        });
    }
    // A temporal-median background absorbs whatever stays put, so a track that never moves
    // is residue of the background model (e.g. a slightly misaligned edge), not an object.
    tracks.retain(|t| t.motion != MotionLabel::Still || travelled(&t.positions) > 0.1 * h as f32);
    persistence(&mut tracks, n);
    tracks
}

/// Undo the camera: express a screen point of frame t in the coordinates of frame 0 of the
/// object (ground) layer.
fn compensate(
    cam: &CameraEstimate,
    fps: u32,
    w: usize,
    h: usize,
    x: f32,
    y: f32,
    t: usize,
) -> (f32, f32) {
    let t = t as f32;
    match cam.motion {
        CameraMotion::PanLeft | CameraMotion::PanRight => {
            (x - cam.pan_rate * w as f32 / fps as f32 * t, y)
        }
        CameraMotion::PanUp | CameraMotion::PanDown => {
            (x, y - cam.tilt_rate * h as f32 / fps as f32 * t)
        }
        CameraMotion::ZoomIn | CameraMotion::ZoomOut => {
            let s = (-cam.zoom_rate * t / fps as f32).exp();
            let (cx, cy) = ((w as f32 - 1.0) / 2.0, (h as f32 - 1.0) / 2.0);
            (cx + (x - cx) * s, cy + (y - cy) * s)
        }
        CameraMotion::Static => (x, y),
    }
}

fn slope(p: &[(f32, f32)]) -> f32 {
    let n = p.len() as f32;
    let (mt, mv) = (
        p.iter().map(|q| q.0).sum::<f32>() / n,
        p.iter().map(|q| q.1).sum::<f32>() / n,
    );
    let num: f32 = p.iter().map(|q| (q.0 - mt) * (q.1 - mv)).sum();
    let den: f32 = p.iter().map(|q| (q.0 - mt).powi(2)).sum();
    if den < 1e-9 { 0.0 } else { num / den }
}

/// Theil–Sen slope: the median of pairwise slopes, so one mis-segmented frame cannot flip
/// a direction.
fn robust_slope(p: &[(f32, f32)]) -> f32 {
    let mut v = Vec::new();
    for i in 0..p.len() {
        for j in i + 1..p.len() {
            if p[j].0 - p[i].0 > 1e-6 {
                v.push((p[j].1 - p[i].1) / (p[j].0 - p[i].0));
            }
        }
    }
    median(v)
}

/// Least squares for small dense systems (normal equations, Gaussian elimination).
fn lstsq(rows: &[Vec<f64>], rhs: &[f64]) -> Option<(Vec<f64>, f64)> {
    let m = rows.first()?.len();
    let mut a = vec![vec![0.0f64; m + 1]; m];
    for (r, &b) in rows.iter().zip(rhs) {
        for i in 0..m {
            for j in 0..m {
                a[i][j] += r[i] * r[j];
            }
            a[i][m] += r[i] * b;
        }
    }
    for c in 0..m {
        let p = (c..m).max_by(|&x, &y| a[x][c].abs().total_cmp(&a[y][c].abs()))?;
        if a[p][c].abs() < 1e-12 {
            return None;
        }
        a.swap(c, p);
        for r in 0..m {
            if r != c {
                let f = a[r][c] / a[c][c];
                let pivot = a[c].clone();
                for (x, p) in a[r].iter_mut().zip(&pivot).skip(c) {
                    *x -= f * p;
                }
            }
        }
    }
    let x: Vec<f64> = (0..m).map(|i| a[i][m] / a[i][i]).collect();
    let res = rows
        .iter()
        .zip(rhs)
        .map(|(r, b)| (r.iter().zip(&x).map(|(p, q)| p * q).sum::<f64>() - b).powi(2))
        .sum();
    Some((x, res))
}

/// Sub-frame time of a floor contact between a falling and a rising (or resting) segment.
/// Both assignments of the frame nearest the contact are tried; the better fit wins.
fn floor_contact(pts: &[(f32, f32, f32)], i: usize, rising: bool) -> Option<(f32, f32)> {
    let mut best: Option<(f64, f32, f32)> = None;
    for split in [i, i + 1] {
        let pre: Vec<(f64, f64)> = pts[split.saturating_sub(4)..split]
            .iter()
            .map(|p| (p.0 as f64, p.2 as f64))
            .collect();
        let post: Vec<(f64, f64)> = pts[split..(split + 4).min(pts.len())]
            .iter()
            .map(|p| (p.0 as f64, p.2 as f64))
            .collect();
        if pre.len() < 3 || post.len() < 2 {
            continue;
        }
        let t0 = pre[pre.len() - 1].0;
        let t1 = post[0].0;
        let r = if rising && post.len() >= 3 {
            // Shared gravity: y = a t² + b t + c on both sides with their own b, c.
            let mut rows = Vec::new();
            let mut rhs = Vec::new();
            for &(t, y) in &pre {
                rows.push(vec![t * t, t, 1.0, 0.0, 0.0]);
                rhs.push(y);
            }
            for &(t, y) in &post {
                rows.push(vec![t * t, 0.0, 0.0, t, 1.0]);
                rhs.push(y);
            }
            let (x, res) = lstsq(&rows, &rhs)?;
            if (x[1] - x[3]).abs() < 1e-9 {
                continue;
            }
            let tc = (x[4] - x[2]) / (x[1] - x[3]);
            (res, tc, (2.0 * x[0]) as f32)
        } else {
            let rows: Vec<Vec<f64>> = pre.iter().map(|&(t, _)| vec![t * t, t, 1.0]).collect();
            let rhs: Vec<f64> = pre.iter().map(|p| p.1).collect();
            let (x, res) = lstsq(&rows, &rhs)?;
            let floor = post.iter().map(|p| p.1).sum::<f64>() / post.len() as f64;
            let res = res + post.iter().map(|p| (p.1 - floor).powi(2)).sum::<f64>();
            let (a, b, c) = (x[0], x[1], x[2] - floor);
            let disc = b * b - 4.0 * a * c;
            if a.abs() < 1e-9 || disc < 0.0 {
                continue;
            }
            let r1 = (-b + disc.sqrt()) / (2.0 * a);
            let r2 = (-b - disc.sqrt()) / (2.0 * a);
            let tc = if (r1 - (t0 + t1) / 2.0).abs() < (r2 - (t0 + t1) / 2.0).abs() {
                r1
            } else {
                r2
            };
            (res, tc, (2.0 * x[0]) as f32)
        };
        let (res, tc, g) = r;
        if tc < t0 - 0.01 || tc > t1 + 0.01 {
            continue;
        }
        if best.is_none_or(|b| res < b.0) {
            best = Some((res, tc as f32, g));
        }
    }
    best.map(|b| (b.1, b.2))
}

/// Sub-frame time of a horizontal reversal (collision) from line fits on both sides.
fn reversal_contact(pts: &[(f32, f32, f32)], i: usize) -> Option<f32> {
    let mut best: Option<(f64, f32)> = None;
    for split in [i, i + 1] {
        let pre: Vec<(f32, f32)> = pts[split.saturating_sub(3)..split]
            .iter()
            .map(|p| (p.0, p.1))
            .collect();
        let post: Vec<(f32, f32)> = pts[split..(split + 3).min(pts.len())]
            .iter()
            .map(|p| (p.0, p.1))
            .collect();
        if pre.len() < 2 || post.len() < 2 {
            continue;
        }
        let fit = |p: &[(f32, f32)]| {
            let b = slope(p);
            let n = p.len() as f32;
            let c = p.iter().map(|q| q.1 - b * q.0).sum::<f32>() / n;
            let res: f32 = p.iter().map(|q| (q.1 - b * q.0 - c).powi(2)).sum();
            (b, c, res)
        };
        let (b1, c1, r1) = fit(&pre);
        let (b2, c2, r2) = fit(&post);
        if (b1 - b2).abs() < 1e-6 {
            continue;
        }
        let tc = (c2 - c1) / (b1 - b2);
        if tc < pre[pre.len() - 1].0 - 0.01 || tc > post[0].0 + 0.01 {
            continue;
        }
        let res = (r1 + r2) as f64;
        if best.is_none_or(|b| res < b.0) {
            best = Some((res, tc));
        }
    }
    best.map(|b| b.1)
}

type MotionResult = (MotionLabel, Vec<f32>, Option<f32>, Option<bool>);

/// Classify the motion of a compensated track `(t, x, y)` (frame heights) and find contacts.
pub fn analyse_motion(pts: &[(f32, f32, f32)], fps: u32) -> MotionResult {
    if pts.len() < 4 {
        return (MotionLabel::Still, vec![], None, None);
    }
    let n = pts.len();
    let (mx, my) = (
        pts.iter().map(|p| p.1).sum::<f32>() / n as f32,
        pts.iter().map(|p| p.2).sum::<f32>() / n as f32,
    );
    // Orbit: the direction from the mean point sweeps most of a turn.
    let mut sweep = 0.0f32;
    let mut spread = 0.0f32;
    for w in pts.windows(2) {
        let a0 = (w[0].2 - my).atan2(w[0].1 - mx);
        let a1 = (w[1].2 - my).atan2(w[1].1 - mx);
        let mut d = a1 - a0;
        while d > std::f32::consts::PI {
            d -= std::f32::consts::TAU;
        }
        while d < -std::f32::consts::PI {
            d += std::f32::consts::TAU;
        }
        sweep += d;
    }
    for p in pts {
        spread = spread.max(((p.1 - mx).powi(2) + (p.2 - my).powi(2)).sqrt());
    }
    let sx = (pts.iter().map(|p| (p.1 - mx).powi(2)).sum::<f32>() / n as f32).sqrt();
    let sy = (pts.iter().map(|p| (p.2 - my).powi(2)).sum::<f32>() / n as f32).sqrt();
    if sweep.abs() > 4.2 && spread > 0.08 && sx.min(sy) > 0.04 && sx.min(sy) > 0.3 * sx.max(sy) {
        return (MotionLabel::Orbit, vec![], None, None);
    }
    let dtf = 1.0 / fps as f32;
    let end = |k: usize| -> (f32, f32) {
        let s = &pts[k.min(n - 3)..(k + 3).min(n)];
        (
            s.iter().map(|p| p.1).sum::<f32>() / s.len() as f32,
            s.iter().map(|p| p.2).sum::<f32>() / s.len() as f32,
        )
    };
    let (x0, y0) = end(0);
    let (x1, y1) = end(n - 3);
    let (dx, dy) = (x1 - x0, y1 - y0);
    // Horizontal reversal → collision candidate.
    let third = (n / 3).max(2);
    let vx_pre = robust_slope(&pts[..third].iter().map(|p| (p.0, p.1)).collect::<Vec<_>>());
    let vx_post = robust_slope(
        &pts[n - third..]
            .iter()
            .map(|p| (p.0, p.1))
            .collect::<Vec<_>>(),
    );
    let mut contacts = Vec::new();
    if vx_pre * vx_post < 0.0 && vx_pre.abs() > 0.08 && vx_post.abs() > 0.08 && dy.abs() < 0.1 {
        // The reversal frame: where x is extremal.
        let i = if vx_pre > 0.0 {
            (0..n)
                .max_by(|&a, &b| pts[a].1.total_cmp(&pts[b].1))
                .unwrap_or(0)
        } else {
            (0..n)
                .min_by(|&a, &b| pts[a].1.total_cmp(&pts[b].1))
                .unwrap_or(0)
        };
        if let Some(t) = reversal_contact(pts, i) {
            contacts.push(t);
        }
        return (MotionLabel::Collide, contacts, None, None);
    }
    // Floor contacts: a descent that stops (landing) or turns into a rise (bounce).
    let mut gs = Vec::new();
    let mut rebounds = 0;
    let mut apexes = Vec::new();
    for i in 1..n - 1 {
        let (t0, t1, t2) = (pts[i - 1].0, pts[i].0, pts[i + 1].0);
        // An object often goes unseen for a frame or two right at a floor contact (it
        // touches its shadow or a neighbour), so rebounds are found across short gaps;
        // landings need dense samples.
        if t1 - t0 > 3.5 * dtf || t2 - t1 > 3.5 * dtf {
            continue;
        }
        let dense = t1 - t0 <= 1.5 * dtf && t2 - t1 <= 1.5 * dtf;
        let vb = (pts[i].2 - pts[i - 1].2) / (t1 - t0);
        let va = (pts[i + 1].2 - pts[i].2) / (t2 - t1);
        let lo = i.saturating_sub(2);
        let hi = (i + 2).min(n - 1);
        let is_max =
            (lo..=hi).all(|j| pts[j].2 <= pts[i].2) && (i == n - 1 || pts[i].2 > pts[i + 1].2);
        let fell = pts[i].2 - pts[lo].2;
        let rose = pts[i].2 - pts[hi].2;
        // Across a gap, a landing followed by segmentation jitter must not pass for a
        // rebound: the object must still be rising two samples later, at a good fraction
        // of its impact speed (restitution keeps most of it).
        let rebound = if dense {
            rose > 0.02
        } else {
            hi == i + 2
                && rose > 0.03
                && (pts[i + 1].2 - pts[i + 2].2) / (pts[i + 2].0 - pts[i + 1].0) > 0.25 * vb
        };
        if is_max && fell > 0.04 && rebound && hi > i {
            rebounds += 1;
            if let Some((t, g)) = floor_contact(pts, i, true) {
                contacts.push(t);
                gs.push(g);
            }
        } else if dense && vb > 0.4 && va.abs() < 0.1 * vb && i + 2 < n {
            let next = (pts[i + 2].2 - pts[i + 1].2) / (pts[i + 2].0 - pts[i + 1].0);
            if next.abs() < 0.1 * vb
                && let Some((t, g)) = floor_contact(pts, i, false)
            {
                contacts.push(t);
                gs.push(g);
            }
        }
        if pts[i].2 <= pts[i - 1].2 && pts[i].2 <= pts[i + 1].2 && i > 1 {
            apexes.push(pts[i].2);
        }
    }
    contacts.dedup_by(|a, b| (*a - *b).abs() < 0.06);
    let gravity = if gs.is_empty() {
        None
    } else {
        Some(median(gs))
    };
    let energy_loss = if apexes.len() >= 2 {
        Some(apexes.windows(2).all(|w| w[1] > w[0] - 0.01))
    } else {
        None
    };
    // A bounce drops from a height; a few pixels of vertical jitter on a sideways mover
    // (a merge with a neighbour, a flapping wing) is not one.
    let (ylo, yhi) = pts.iter().fold((f32::MAX, f32::MIN), |(lo, hi), p| {
        (lo.min(p.2), hi.max(p.2))
    });
    if rebounds >= 1 && (yhi - ylo > 0.12 || dx.abs() < 0.1) {
        return (MotionLabel::Bounce, contacts, gravity, energy_loss);
    }
    if dy.abs() > 0.15 {
        if dy < 0.0 {
            return (MotionLabel::Up, contacts, gravity, energy_loss);
        }
        // A fall does (almost) all of its descending early; a steady descent does not.
        let tm = (pts[0].0 + pts[n - 1].0) / 2.0;
        let mid = pts
            .iter()
            .min_by(|a, b| (a.0 - tm).abs().total_cmp(&(b.0 - tm).abs()))
            .map(|p| p.2)
            .unwrap_or(y0);
        let share = (mid - y0) / dy;
        let label = if share > 0.8 {
            MotionLabel::Fall
        } else {
            MotionLabel::Down
        };
        return (label, contacts, gravity, energy_loss);
    }
    // A track seen only for part of the clip moves less in total: its steady speed counts.
    let vx_all = robust_slope(&pts.iter().map(|p| (p.0, p.1)).collect::<Vec<_>>());
    if dx.abs() > 0.1 || (dx.abs() > 0.05 && vx_all.abs() > 0.15 && vx_all * dx > 0.0) {
        let label = if dx < 0.0 {
            MotionLabel::Left
        } else {
            MotionLabel::Right
        };
        return (label, contacts, gravity, energy_loss);
    }
    (MotionLabel::Still, contacts, gravity, energy_loss)
}

/// Largest distance between any two seen positions (pixels).
fn travelled(p: &[Option<(f32, f32)>]) -> f32 {
    let seen: Vec<(f32, f32)> = p.iter().flatten().copied().collect();
    let mut best = 0.0f32;
    for a in &seen {
        for b in &seen {
            best = best.max((a.0 - b.0).hypot(a.1 - b.1));
        }
    }
    best
}

fn overlaps(a: BBox, b: BBox) -> bool {
    a.0 <= b.2 + 2 && b.0 <= a.2 + 2 && a.1 <= b.3 + 2 && b.1 <= a.3 + 2
}

/// Vanish / pop-in events: an object that stops being seen while fully in view and not
/// behind another object, for at least two frames (one-frame dropouts are segmentation
/// noise), or that appears in the middle of the frame.
fn persistence(tracks: &mut [Track], n: usize) {
    let all: Vec<Vec<Option<BBox>>> = tracks.iter().map(|t| t.bboxes.clone()).collect();
    for (k, tr) in tracks.iter_mut().enumerate() {
        let occluded = |t: usize, bb: (usize, usize, usize, usize, bool)| {
            all.iter().enumerate().any(|(j, o)| {
                j != k
                    && (t.saturating_sub(1)..=(t + 1).min(n - 1))
                        .any(|u| o[u].is_some_and(|ob| overlaps(bb, ob)))
            })
        };
        let mut t = 0;
        while t < n {
            if tr.bboxes[t].is_some() {
                t += 1;
                continue;
            }
            let start = t;
            while t < n && tr.bboxes[t].is_none() {
                t += 1;
            }
            let before = start.checked_sub(1).and_then(|s| tr.bboxes[s]);
            let after = if t < n { tr.bboxes[t] } else { None };
            let gap = t - start;
            if let Some(b) = before
                && !b.4
                && gap >= 2
                && !occluded(start - 1, b)
                && (t < n || gap >= 2)
            {
                tr.vanished.push(start);
            }
            if let Some(a) = after
                && !a.4
                && gap >= 2
                && !occluded(t, a)
            {
                tr.popped_in.push(t);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_classify() {
        assert_eq!(classify_kind(1.0, 0.78, 0.01, 1.0, 0.14), Kind::Ball);
        assert_eq!(classify_kind(1.0, 0.95, 0.01, 1.0, 1.0), Kind::Cube);
        // A cube whose top and side faces melted into the background.
        assert_eq!(classify_kind(1.0, 0.75, 0.01, 1.0, 0.95), Kind::Cube);
        assert_eq!(classify_kind(2.2, 0.66, 0.01, 0.1, 0.3), Kind::Car);
        assert_eq!(classify_kind(2.0, 0.55, 0.2, 0.8, 0.3), Kind::Bird);
        assert_eq!(classify_kind(0.45, 0.85, 0.02, 1.0, 0.9), Kind::Character);
    }

    #[test]
    fn bounce_contact_time_is_sub_frame_exact() {
        // Ideal bounce sampled at 12 fps; contact at t = 0.53 s.
        let g = 3.0f32;
        let tc = 0.53f32;
        let y = |t: f32| {
            if t < tc {
                0.78 - 0.5 * g * (tc * tc - t * t)
            } else {
                0.78 - (g * tc * 0.7) * (t - tc) + 0.5 * g * (t - tc).powi(2)
            }
        };
        let pts: Vec<(f32, f32, f32)> = (0..16)
            .map(|i| i as f32 / 12.0)
            .map(|t| (t, 0.5 + 0.1 * t, y(t)))
            .collect();
        let (label, contacts, gravity, _) = analyse_motion(&pts, 12);
        assert_eq!(label, MotionLabel::Bounce);
        assert!((contacts[0] - tc).abs() < 0.002, "{contacts:?}");
        assert!((gravity.unwrap_or(0.0) - g).abs() < 0.05);
    }
}
