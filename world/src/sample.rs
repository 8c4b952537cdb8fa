//! Random scenes from a seed, and the fixed held-out compositions used only for evaluation.
//!
//! The sampler only produces scenes the renderer and judge support (e.g. it keeps colours of
//! one scene distinct and avoids near-invisible pairs such as a white object on snow), so
//! every sampled scene is a fair training example and a fair judge test.

use crate::rng::{Rng, mix};
use crate::scene::*;

/// Which compositions a sampler may produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Split {
    /// Only compositions that are not held out (training data).
    Train,
    /// Only scenes whose first object's composition is held out (evaluation).
    HeldOut,
    /// Anything.
    Any,
}

/// Motions an object class can plausibly perform.
pub fn motions_for(kind: Kind) -> &'static [Motion] {
    use Motion::*;
    match kind {
        Kind::Ball => &[
            Left, Right, Up, Down, Fall, Bounce, RollLeft, RollRight, Orbit,
        ],
        Kind::Cube => &[Left, Right, Up, Down, Fall, Bounce, Orbit],
        Kind::Bird => &[Left, Right, Up, Down, Orbit],
        Kind::Car => &[Left, Right],
        Kind::Character => &[Left, Right, Bounce],
    }
}

/// Classes that can take part in a collision (they slide on the ground).
const COLLIDERS: &[Kind] = &[Kind::Ball, Kind::Cube, Kind::Car];

/// True when a colour would be too close to its surroundings for anyone (model or judge)
/// to see it reliably.
pub fn low_contrast(colour: Colour, sky: Sky, ground: Ground, style: Style) -> bool {
    matches!(
        (colour, ground),
        (Colour::White, Ground::Snow)
            | (Colour::Green, Ground::Grass)
            | (Colour::Cyan, Ground::Water)
    ) || (colour == Colour::Black && (sky == Sky::Night || style == Style::Dark))
        || (colour == Colour::Blue && (sky == Sky::Night || ground == Ground::Water))
        || (colour == Colour::Yellow && ground == Ground::Sand)
        || (colour == Colour::Purple && sky == Sky::Night)
}

/// The composition key of one object: colour × class × motion × camera × ground.
fn composition_hash(o: &Object, camera: CameraMotion, ground: Ground) -> u64 {
    let k = (o.colour as u64)
        | (o.kind as u64) << 8
        | (o.motion as u64) << 16
        | (camera as u64) << 24
        | (ground as u64) << 32;
    mix(k ^ 0x4B49_4E4F_5241)
}

/// Fixed held-out rule: about one composition in eight (colour × class × motion × camera ×
/// ground) never appears in training. A hash rule rather than a list so it covers the whole
/// combinatorial space and cannot drift.
pub fn is_held_out_object(o: &Object, camera: CameraMotion, ground: Ground) -> bool {
    composition_hash(o, camera, ground).is_multiple_of(8)
}

/// True when any object of the scene is in a held-out composition.
pub fn is_held_out(scene: &Scene) -> bool {
    scene
        .objects
        .iter()
        .any(|o| is_held_out_object(o, scene.camera.motion, scene.ground))
}

/// Sample a random scene from a seed.
pub fn sample_scene(seed: u64, split: Split) -> Scene {
    let mut rng = Rng::new(seed).fork(0x5CE7E);
    loop {
        let s = sample_once(&mut rng);
        let ok = match split {
            Split::Train => !is_held_out(&s),
            Split::HeldOut => is_held_out_object(&s.objects[0], s.camera.motion, s.ground),
            Split::Any => true,
        };
        if ok {
            return s;
        }
    }
}

fn sample_once(rng: &mut Rng) -> Scene {
    let sky = rng.pick(Sky::ALL);
    let ground = rng.pick(Ground::ALL);
    let scenery = rng.pick(Scenery::ALL);
    let style = rng.pick(Style::ALL);
    let camera_motion = if rng.chance(0.4) {
        CameraMotion::Static
    } else {
        rng.pick(&CameraMotion::ALL[1..])
    };
    let speed = if camera_motion == CameraMotion::Static {
        Speed::Slow
    } else {
        rng.pick(&[Speed::Slow, Speed::Fast])
    };
    let mut used: Vec<Colour> = Vec::new();
    let mut pick_colour = |rng: &mut Rng| loop {
        let c = rng.pick(Colour::ALL);
        if !used.contains(&c) && !low_contrast(c, sky, ground, style) {
            used.push(c);
            return c;
        }
    };
    let mut objects = Vec::new();
    let r = rng.f32();
    if r < 0.15 {
        // Two objects collide.
        for _ in 0..2 {
            let kind = rng.pick(COLLIDERS);
            objects.push(Object {
                kind,
                colour: pick_colour(rng),
                size: rng.pick(Size::ALL),
                motion: Motion::Collide,
            });
        }
    } else {
        let n = if r < 0.7 { 1 } else { 2 };
        for i in 0..n {
            let kind = rng.pick(Kind::ALL);
            // A second object must not share the first one's motion lane; simple rule: a
            // flier with a ground object, or two objects with different motions.
            let mut motion = rng.pick(motions_for(kind));
            if i == 1 {
                let first = objects[0].motion;
                let mut tries = 0;
                while (motion == first || lane(motion) == lane(first)) && tries < 20 {
                    motion = rng.pick(motions_for(kind));
                    tries += 1;
                }
                if motion == first || lane(motion) == lane(first) {
                    break;
                }
            }
            objects.push(Object {
                kind,
                colour: pick_colour(rng),
                size: rng.pick(Size::ALL),
                motion,
            });
        }
    }
    let ambient = match rng.index(6) {
        0 => Ambient::None,
        1 => Ambient::Guitar(rng.pick(Key::ALL)),
        2 => Ambient::Piano(rng.pick(Key::ALL)),
        3 => Ambient::Wind,
        4 => Ambient::Rain,
        _ => Ambient::Birds,
    };
    let speech = if objects.iter().any(|o| o.kind == Kind::Character) && rng.chance(0.6) {
        Some(rng.pick(LINES).to_string())
    } else {
        None
    };
    Scene {
        sky,
        ground,
        scenery,
        objects,
        camera: Camera {
            motion: camera_motion,
            speed,
        },
        style,
        ambient,
        speech,
    }
}

/// Screen region a motion occupies, so two objects of one scene do not sit on each other:
/// 0 = ground lane, 1 = air lane, 2 = centre (orbit / vertical moves).
fn lane(m: Motion) -> u8 {
    match m {
        Motion::Left | Motion::Right | Motion::RollLeft | Motion::RollRight | Motion::Collide => 0,
        Motion::Up | Motion::Down | Motion::Orbit => 2,
        Motion::Fall | Motion::Bounce => 1,
    }
}

/// Lines the character may say.
pub const LINES: &[&str] = &[
    "hello there",
    "what a lovely day",
    "look at me",
    "good morning",
    "i can see the sea",
    "let us go home",
    "follow me now",
    "banana bandana",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sampler_respects_rules() {
        for seed in 0..2000 {
            let s = sample_scene(seed, Split::Train);
            assert!(!is_held_out(&s));
            assert!((1..=3).contains(&s.objects.len()));
            let mut cs: Vec<Colour> = s.objects.iter().map(|o| o.colour).collect();
            cs.dedup();
            cs.sort_by_key(|c| *c as u8);
            cs.dedup();
            assert_eq!(cs.len(), s.objects.len(), "distinct colours");
            let collide = s
                .objects
                .iter()
                .filter(|o| o.motion == Motion::Collide)
                .count();
            assert!(collide == 0 || collide == 2);
            assert_eq!(s.clone().canonical(), s);
        }
    }

    #[test]
    fn held_out_split_is_disjoint_and_nonempty() {
        let mut n = 0;
        for seed in 0..300 {
            let s = sample_scene(seed, Split::HeldOut);
            assert!(is_held_out(&s));
            n += 1;
        }
        assert_eq!(n, 300);
        // Roughly one in eight compositions is held out.
        let mut held = 0;
        for seed in 0..4000 {
            let s = sample_scene(seed, Split::Any);
            if is_held_out_object(&s.objects[0], s.camera.motion, s.ground) {
                held += 1;
            }
        }
        assert!((300..700).contains(&held), "{held}");
    }

    #[test]
    fn same_seed_same_scene() {
        assert_eq!(
            sample_scene(42, Split::Train),
            sample_scene(42, Split::Train)
        );
        assert_ne!(
            sample_scene(42, Split::Train),
            sample_scene(43, Split::Train)
        );
    }
}
