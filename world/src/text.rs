//! Scene → natural-language prompt, with many paraphrases, synonyms and clause orders.
//!
//! Every phrase emitted here is understood by [`crate::parse`], so grammar-generated text
//! round-trips exactly (a test checks thousands of scenes). Variety comes from the seed.

use crate::rng::Rng;
use crate::scene::*;

/// Describe a scene in one of many paraphrases chosen by `seed`.
pub fn describe(scene: &Scene, seed: u64) -> String {
    let mut rng = Rng::new(seed).fork(0x7E47);
    let r = &mut rng;
    let subject = subject_clause(scene, r);
    let ground = pick(r, ground_phrases(scene.ground));
    let sky = pick(r, sky_phrases(scene.sky));
    let scenery = pick(r, scenery_phrases(scene.scenery));
    let mut setting = format!("{ground}{}", spaced(scenery));
    let main = match r.index(3) {
        0 => format!("{subject} {setting} {sky}"),
        1 => {
            let s = capital_free(sky);
            format!("{s}, {subject} {setting}")
        }
        _ => {
            setting = format!("{setting} {sky}");
            format!("{subject} {setting}")
        }
    };
    let mut extras: Vec<String> = Vec::new();
    let cam = camera_phrase(scene.camera, r);
    if !cam.is_empty() {
        extras.push(cam);
    }
    let style = pick(r, style_phrases(scene.style)).to_string();
    if !style.is_empty() {
        extras.push(style);
    }
    let sound = ambient_phrase(scene.ambient, r);
    if !sound.is_empty() {
        extras.push(sound);
    }
    if let Some(line) = &scene.speech {
        let noun = pick(r, &["character", "person", "figure"]);
        extras.push(match r.index(3) {
            0 => format!("the {noun} says \"{line}\""),
            1 => format!("and the {noun} says \"{line}\""),
            _ => format!("while the {noun} is saying \"{line}\""),
        });
    }
    // Shuffle the extras: word order varies, meaning does not.
    for i in (1..extras.len()).rev() {
        let j = r.index(i + 1);
        extras.swap(i, j);
    }
    let mut out = main;
    for e in extras {
        out.push_str(", ");
        out.push_str(&e);
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn spaced(s: &str) -> String {
    if s.is_empty() {
        String::new()
    } else {
        format!(" {s}")
    }
}

fn capital_free(s: &str) -> &str {
    s
}

fn pick<'a>(r: &mut Rng, xs: &[&'a str]) -> &'a str {
    xs[r.index(xs.len())]
}

fn object_phrase(o: &Object, r: &mut Rng) -> String {
    let size = match o.size {
        Size::Small => pick(r, &["small ", "little ", "tiny "]),
        Size::Medium => pick(r, &["", "", "medium-sized "]),
        Size::Large => pick(r, &["large ", "big ", "huge "]),
    };
    let noun = match o.kind {
        Kind::Ball => pick(r, &["ball", "sphere"]),
        Kind::Cube => pick(r, &["cube", "box", "block"]),
        Kind::Bird => "bird",
        Kind::Car => pick(r, &["car", "automobile"]),
        Kind::Character => pick(r, &["character", "person", "figure"]),
    };
    let body = format!("{size}{} {noun}", o.colour.name());
    let article = if body.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    format!("{article} {body}")
}

fn verb_phrase(o: &Object, r: &mut Rng) -> &'static str {
    match verb_phrases(o.kind, o.motion) {
        [only] => only,
        phrases => pick(r, phrases),
    }
}

/// Every verb phrase this grammar uses for `kind` doing `motion` (training-side
/// augmentation finds them in a prompt to say the same thing in other words).
pub fn verb_phrases(kind: Kind, motion: Motion) -> &'static [&'static str] {
    let flier = kind == Kind::Bird;
    let car = kind == Kind::Car;
    match motion {
        Motion::Left if car => &["drives left", "drives to the left", "moves left"],
        Motion::Right if car => &["drives right", "drives to the right", "moves right"],
        Motion::Left if flier => &["flies left", "flies to the left", "glides left"],
        Motion::Right if flier => &["flies right", "flies to the right", "glides right"],
        Motion::Left => &[
            "moves left",
            "moves to the left",
            "slides left",
            "goes left",
            "travels to the left",
        ],
        Motion::Right => &[
            "moves right",
            "moves to the right",
            "slides right",
            "goes right",
            "travels to the right",
        ],
        Motion::Up if flier => &["flies up", "flies upward", "rises"],
        Motion::Up => &["rises", "moves up", "floats upward", "goes up"],
        Motion::Down if flier => &["flies down", "descends", "glides downward"],
        Motion::Down => &["moves down", "sinks", "descends", "goes down"],
        Motion::Fall => &["falls", "drops", "falls down", "tumbles down"],
        Motion::Bounce => &["bounces", "is bouncing", "hops"],
        Motion::RollLeft => &["rolls left", "rolls to the left", "is rolling left"],
        Motion::RollRight => &["rolls right", "rolls to the right", "is rolling right"],
        Motion::Orbit if flier => &["circles around", "flies in a circle", "orbits"],
        Motion::Orbit => &[
            "orbits",
            "circles around",
            "goes in circles",
            "moves in a circle",
        ],
        Motion::Collide => &["collides"],
    }
}

fn subject_clause(scene: &Scene, r: &mut Rng) -> String {
    let objs = &scene.objects;
    let colliders: Vec<&Object> = objs
        .iter()
        .filter(|o| o.motion == Motion::Collide)
        .collect();
    let others: Vec<&Object> = objs
        .iter()
        .filter(|o| o.motion != Motion::Collide)
        .collect();
    let mut clauses = Vec::new();
    // Objects are described in scene order; colliders appear as one clause at the position
    // of the first collider so that parsing restores the same order.
    let mut done_collide = false;
    for o in objs {
        if o.motion == Motion::Collide {
            if done_collide || colliders.len() != 2 {
                continue;
            }
            done_collide = true;
            let a = object_phrase(colliders[0], r);
            let b = object_phrase(colliders[1], r);
            clauses.push(match r.index(4) {
                0 => format!("{a} and {b} collide"),
                1 => format!("{a} and {b} crash into each other"),
                2 => format!("{a} crashes into {b}"),
                _ => format!("{a} collides with {b}"),
            });
        } else {
            clauses.push(format!("{} {}", object_phrase(o, r), verb_phrase(o, r)));
        }
    }
    let _ = others;
    let joiner = pick(r, &[" and ", " while "]);
    clauses.join(joiner)
}

fn ground_phrases(g: Ground) -> &'static [&'static str] {
    match g {
        Ground::Grass => &[
            "on the grass",
            "on a grassy field",
            "on the lawn",
            "over a meadow",
        ],
        Ground::Sand => &["on the sand", "on a sandy beach", "on the beach"],
        Ground::Snow => &["in the snow", "on a snowy field", "on the snow"],
        Ground::Water => &["over the water", "on a lake", "above the sea"],
    }
}

fn sky_phrases(s: Sky) -> &'static [&'static str] {
    match s {
        Sky::Day => &["during the day", "in daylight", "on a sunny day", "at noon"],
        Sky::Sunset => &["at sunset", "as the sun sets", "at dusk"],
        Sky::Night => &["at night", "under the stars", "at nighttime"],
        Sky::Dawn => &["at dawn", "at sunrise", "early in the morning"],
    }
}

fn scenery_phrases(s: Scenery) -> &'static [&'static str] {
    match s {
        Scenery::None => &[""],
        Scenery::Forest => &[
            "near a forest",
            "with trees in the background",
            "by the woods",
        ],
        Scenery::Hills => &[
            "with hills behind",
            "among rolling hills",
            "with hills in the background",
        ],
        Scenery::City => &[
            "in front of a city skyline",
            "with a city in the background",
            "near the city",
        ],
    }
}

fn style_phrases(s: Style) -> &'static [&'static str] {
    match s {
        Style::Flat => &["", "", "flat style", "in a flat cartoon style"],
        Style::Painted => &["painted style", "painterly look", "like a painting"],
        Style::Golden => &[
            "golden light",
            "warm golden lighting",
            "bathed in golden light",
        ],
        Style::Dark => &["dark mood", "dark and moody", "dim lighting"],
    }
}

fn camera_phrase(c: Camera, r: &mut Rng) -> String {
    let slow = |r: &mut Rng| pick(r, &["slowly", "slowly", "leisurely"]);
    let fast = |r: &mut Rng| pick(r, &["quickly", "fast", "rapidly", "swiftly"]);
    let adv = match c.speed {
        Speed::Slow => slow(r),
        Speed::Fast => fast(r),
    };
    let (verb, dir) = match c.motion {
        CameraMotion::Static => {
            return pick(
                r,
                &[
                    "",
                    "",
                    "static camera",
                    "the camera stays still",
                    "fixed camera",
                ],
            )
            .to_string();
        }
        CameraMotion::PanLeft => (
            pick(r, &["pans", "moves"]),
            pick(r, &["left", "to the left"]),
        ),
        CameraMotion::PanRight => (
            pick(r, &["pans", "moves"]),
            pick(r, &["right", "to the right"]),
        ),
        CameraMotion::PanUp => (pick(r, &["pans", "tilts"]), pick(r, &["up", "upward"])),
        CameraMotion::PanDown => (pick(r, &["pans", "tilts"]), pick(r, &["down", "downward"])),
        CameraMotion::ZoomIn => ("zooms", "in"),
        CameraMotion::ZoomOut => ("zooms", "out"),
    };
    match r.index(3) {
        0 => format!("camera {verb} {dir} {adv}"),
        // "fast" reads badly before the verb ("the camera fast pans"); use an adverb.
        1 => format!(
            "the camera {} {verb} {dir}",
            if adv == "fast" { "quickly" } else { adv }
        ),
        _ => format!("the camera {verb} {dir} {adv}"),
    }
}

fn key_name(k: Key) -> &'static str {
    match k {
        Key::C => "C",
        Key::D => "D",
        Key::E => "E",
        Key::F => "F",
        Key::G => "G",
        Key::A => "A",
    }
}

fn ambient_phrase(a: Ambient, r: &mut Rng) -> String {
    match a {
        Ambient::None => String::new(),
        Ambient::Guitar(k) => {
            let k = key_name(k);
            match r.index(4) {
                0 => format!("soft guitar in {k} major"),
                1 => format!("gentle guitar chords in the key of {k}"),
                2 => format!("acoustic guitar in {k} major"),
                _ => format!("with guitar strumming in {k} major"),
            }
        }
        Ambient::Piano(k) => {
            let k = key_name(k);
            match r.index(3) {
                0 => format!("soft piano in {k} major"),
                1 => format!("piano chords in the key of {k}"),
                _ => format!("with a gentle piano in {k} major"),
            }
        }
        Ambient::Wind => pick(r, &["wind blowing", "the sound of wind", "howling wind"]).into(),
        Ambient::Rain => pick(r, &["rain sounds", "gentle rain", "the sound of rainfall"]).into(),
        Ambient::Birds => pick(r, &["birdsong", "birds chirping", "birds singing"]).into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::{Split, sample_scene};

    #[test]
    fn paraphrases_vary() {
        let s = sample_scene(3, Split::Train);
        let texts: std::collections::HashSet<String> = (0..40).map(|i| describe(&s, i)).collect();
        assert!(texts.len() > 10, "{texts:?}");
    }

    #[test]
    fn mentions_the_essentials() {
        for seed in 0..200 {
            let s = sample_scene(seed, Split::Any);
            let t = describe(&s, seed);
            for o in &s.objects {
                assert!(t.contains(o.colour.name()), "{t}");
            }
        }
    }
}
