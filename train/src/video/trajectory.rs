//! Ground-truth object trajectories of world clips, from the world's own motion plan and
//! camera (the same formulas the renderer projects with): what the planner learns to
//! generate and what the DiT's layout maps show during training.

use kinora_engine::models::layout::{SLOTS, SlotFrame, Trajectory};
use kinora_world::physics::{Plan, half_extent};
use kinora_world::scene::Scene;

/// The trajectory of a square clip of `frames` frames at `fps`.
pub fn world_trajectory(scene: &Scene, seed: u64, frames: usize, fps: u32) -> Trajectory {
    let aspect = 1.0;
    let plan = Plan::new(scene, seed, frames as f32 / fps as f32, aspect);
    let mut slots = Vec::with_capacity(frames * SLOTS);
    for f in 0..frames {
        let t = f as f32 / fps as f32;
        let cam = plan.camera(t, aspect);
        for s in 0..SLOTS {
            let Some(o) = scene.objects.get(s) else {
                slots.push(SlotFrame::EMPTY);
                continue;
            };
            let pose = plan.pose(s, t);
            // Inverse of the renderer's screen → world mapping (frame-height units).
            let sx = (pose.x - cam.x - 0.5 * aspect) * cam.zoom + 0.5 * aspect;
            let sy = (pose.y - cam.y - 0.5) * cam.zoom + 0.5;
            let (hw, hh) = half_extent(o.kind);
            let radius = o.size.radius() * hw.max(hh) * cam.zoom;
            let inside =
                sx + radius > 0.0 && sx - radius < aspect && sy + radius > 0.0 && sy - radius < 1.0;
            slots.push(SlotFrame {
                x: sx / aspect,
                y: sy,
                radius,
                presence: f32::from(u8::from(inside)),
            });
        }
    }
    Trajectory { frames, slots }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::video::data::{BASE, FRAMES, render_clip};
    use kinora_world::sample::Split;

    /// The projected centre matches the centroid of the rendered object mask.
    #[test]
    fn trajectory_matches_the_rendered_masks() {
        let mut checked = 0;
        let mut error = 0.0f32;
        let mut dy = Vec::new();
        for seed in 0..40u64 {
            let (meta, _, mask, _) = render_clip(seed, Split::Train, false);
            if meta.scene.objects.len() != 1 {
                continue;
            }
            let traj = world_trajectory(&meta.scene, seed, FRAMES, 12);
            for f in 0..FRAMES {
                let m = &mask[f * BASE * BASE..(f + 1) * BASE * BASE];
                let (mut n, mut sx, mut sy) = (0.0f32, 0.0f32, 0.0f32);
                for (i, v) in m.iter().enumerate() {
                    if *v > 0 {
                        n += 1.0;
                        sx += (i % BASE) as f32 + 0.5;
                        sy += (i / BASE) as f32 + 0.5;
                    }
                }
                let p = traj.at(f, 0);
                // Well inside the frame and big enough to have a stable centroid.
                if n < 12.0 || !(0.15..0.85).contains(&p.x) || !(0.15..0.85).contains(&p.y) {
                    continue;
                }
                let (cx, cy) = (sx / n / BASE as f32, sy / n / BASE as f32);
                error += (cx - p.x).abs();
                dy.push((cy - p.y).abs());
                checked += 1;
            }
        }
        assert!(checked > 50, "too few frames checked: {checked}");
        let mean = error / checked as f32;
        assert!(mean < 0.01, "mean horizontal error {mean} of the frame");
        // The mask also holds the contact shadow, which pulls its centroid down near the
        // ground: vertically, most frames agree.
        dy.sort_by(f32::total_cmp);
        let median = dy[dy.len() / 2];
        assert!(median < 0.02, "median vertical error {median} of the frame");
    }

    /// The engine's camera layer moves the plate as the world's camera moved the clips the
    /// planner learned from: same rates, same directions, same centre (2 s clips).
    #[test]
    fn the_camera_layer_moves_as_the_worlds_camera() {
        use kinora_engine::models::camera::CameraMove;
        use kinora_world::scene::{Camera, CameraMotion, Speed};
        for motion in CameraMotion::ALL.iter().copied() {
            for speed in [Speed::Slow, Speed::Fast] {
                let mut scene = kinora_world::sample::sample_scene(3, Split::Any);
                scene.camera = Camera { motion, speed };
                let plan = Plan::new(&scene, 3, 2.0, 1.0);
                let labels = crate::video::schema::scene_labels(&scene);
                let (m, s) = crate::video::schema::camera_groups();
                let groups = crate::video::schema::schema();
                let layer = CameraMove::from_labels(
                    &groups[m].labels[labels[m]],
                    &groups[s].labels[labels[s]],
                );
                for t in [0.0, 0.5, 1.0, 1.5, 2.0] {
                    let world = plan.camera(t, 1.0);
                    let (x, y, zoom) = layer.map_or((0.0, 0.0, 1.0), |c| c.at(t));
                    assert!(
                        (world.x - x).abs() < 1e-5
                            && (world.y - y).abs() < 1e-5
                            && (world.zoom - zoom).abs() < 1e-5,
                        "{motion:?} {speed:?} at {t} s: world {:?}, layer {:?}",
                        (world.x, world.y, world.zoom),
                        (x, y, zoom)
                    );
                }
            }
        }
    }
}
