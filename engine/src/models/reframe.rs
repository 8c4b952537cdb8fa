//! Aspect ratios other than square: a crop of the model's square frames that follows
//! the subject (auto-reframe, as video editors do for phone formats).
//!
//! The model makes square frames. A 16:9 or 9:16 clip is a window of them with the whole
//! side along one axis and less along the other. Where the window sits on that axis is
//! chosen once per clip, from the plan the object layer drew: the offset that keeps the
//! most of the objects' extent in view over all frames (a still window, so the crop adds
//! no camera move the prompt did not ask for). Without a plan, or with nothing in view, the
//! window is centred.

use super::layout::{SLOTS, Trajectory};

/// How much room around an object the window keeps, in object radii (a little more
/// than the sprite's own box, so the subject does not touch the edge).
const FRAMING: f32 = 1.5;

/// A crop window in pixels of a square frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// Left edge.
    pub x: usize,
    /// Top edge.
    pub y: usize,
    /// Width.
    pub width: usize,
    /// Height.
    pub height: usize,
}

/// The window of `aspect` (width : height, each ≥ 1) in square frames of `side` pixels
/// that follows the objects of `plan` (see the module docs). Its short side is rounded to
/// an even number of pixels (the video encoder's chroma needs it), at least 2.
pub fn subject_window(plan: Option<&Trajectory>, side: usize, aspect: (u32, u32)) -> Window {
    let (aw, ah) = (aspect.0.max(1) as f32, aspect.1.max(1) as f32);
    let short = |ratio: f32| (((side as f32 * ratio) / 2.0).round() as usize * 2).clamp(2, side);
    let (width, height) = if aw >= ah {
        (side, short(ah / aw))
    } else {
        (short(aw / ah), side)
    };
    let landscape = height < side;
    let span = if landscape { height } else { width };
    let room = side - span;
    // Each object's extent along the free axis, in pixels, in every frame it is in view.
    let extents: Vec<(f32, f32)> = plan
        .map(|p| {
            p.slots
                .iter()
                .take(p.frames * SLOTS)
                .filter(|s| s.presence > 0.5)
                .map(|s| {
                    let centre = if landscape { s.y } else { s.x } * side as f32;
                    let half = FRAMING * s.radius * side as f32;
                    (centre - half, centre + half)
                })
                .collect()
        })
        .unwrap_or_default();
    let seen = |offset: usize| -> f32 {
        let (a, b) = (offset as f32, (offset + span) as f32);
        extents
            .iter()
            .map(|&(lo, hi)| (hi.min(b) - lo.max(a)).max(0.0))
            .sum()
    };
    let centred = room / 2;
    let best = (0..=room)
        .map(|o| (o, seen(o)))
        .fold((centred, seen(centred)), |best, (o, s)| {
            let nearer = o.abs_diff(centred) < best.0.abs_diff(centred);
            if s > best.1 + 1e-3 || ((s - best.1).abs() <= 1e-3 && nearer) {
                (o, s)
            } else {
                best
            }
        })
        .0;
    if landscape {
        Window {
            x: 0,
            y: best,
            width,
            height,
        }
    } else {
        Window {
            x: best,
            y: 0,
            width,
            height,
        }
    }
}

/// Crops RGB8 frames of `side × side` to `window`.
pub fn crop(frames: &[Vec<u8>], side: usize, window: Window) -> Vec<Vec<u8>> {
    frames
        .iter()
        .map(|f| {
            let mut out = Vec::with_capacity(window.width * window.height * 3);
            for y in window.y..window.y + window.height {
                let row = (y * side + window.x) * 3;
                out.extend_from_slice(&f[row..row + window.width * 3]);
            }
            out
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::layout::SlotFrame;

    fn plan_of(points: &[(f32, f32)]) -> Trajectory {
        let mut slots = Vec::new();
        for &(x, y) in points {
            slots.push(SlotFrame {
                x,
                y,
                radius: 0.05,
                presence: 1.0,
            });
            slots.extend([SlotFrame::EMPTY; SLOTS - 1]);
        }
        Trajectory {
            frames: points.len(),
            slots,
        }
    }

    #[test]
    fn a_landscape_window_keeps_a_high_flight_in_view() {
        // A bird high in the frame all clip long: a centred 16:9 band (28..100 of 128)
        // would cut it; the window moves up to it.
        let plan = plan_of(&[(0.2, 0.12), (0.5, 0.15), (0.8, 0.12)]);
        let w = subject_window(Some(&plan), 128, (16, 9));
        assert_eq!((w.width, w.height, w.x), (128, 72, 0));
        // Offsets 0..=5 keep all of it with its margin; 5 is the nearest to centred.
        assert_eq!(w.y, 5);
        // Nothing planned: centred.
        assert_eq!(subject_window(None, 128, (16, 9)).y, 28);
        // Square: the whole frame.
        let square = subject_window(Some(&plan), 128, (1, 1));
        assert_eq!(
            (square.x, square.y, square.width, square.height),
            (0, 0, 128, 128)
        );
    }

    #[test]
    fn a_portrait_window_follows_the_objects_across() {
        let plan = plan_of(&[(0.85, 0.5), (0.9, 0.6)]);
        let w = subject_window(Some(&plan), 128, (9, 16));
        assert_eq!((w.width, w.height, w.y), (72, 128, 0));
        // Offsets 53..=56 keep both with their margins; 53 is the nearest to centred.
        assert_eq!(w.x, 53);
        // An object already inside the centred window keeps it centred.
        let centred = subject_window(Some(&plan_of(&[(0.5, 0.5)])), 128, (9, 16));
        assert_eq!(centred.x, 28);
    }

    #[test]
    fn crop_takes_the_window_rows() {
        let side = 4;
        let frame: Vec<u8> = (0..(side * side * 3) as u8).collect();
        let w = Window {
            x: 1,
            y: 2,
            width: 2,
            height: 1,
        };
        let out = crop(&[frame], side, w);
        // Row 2, pixels 1 and 2: bytes (2·4 + 1)·3 = 27 .. 33.
        assert_eq!(out[0], (27u8..33).collect::<Vec<_>>());
    }
}
