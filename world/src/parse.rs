//! Free text → [`Scene`], reporting the words it did not understand.
//!
//! A small lexicon maps (multi-word) phrases to semantic tokens; a left-to-right pass then
//! attaches verbs to the most recent subject (objects or the camera). Unmentioned attributes
//! take documented defaults so any prompt yields a renderable scene.

use crate::scene::*;
use thiserror::Error;

/// Why a prompt could not be turned into a scene.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum ParseError {
    /// The prompt names no object the world can draw.
    #[error("no object (ball, cube, bird, car, character) found in prompt")]
    NoObject,
}

/// Result of parsing a prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The scene (canonical form).
    pub scene: Scene,
    /// Words that matched nothing in the lexicon.
    pub unknown: Vec<String>,
    /// Notes about defaults that were applied or things that were dropped.
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Stop,
    Colour(Colour),
    Size(Size),
    Noun(Kind),
    Move,
    Roll,
    Up,
    Down,
    Fall,
    Bounce,
    Orbit,
    Collide,
    Pan,
    Zoom(bool),
    Dir(Dir),
    Camera,
    Static,
    Speed(Speed),
    Ground(Ground),
    Sky(Sky),
    Scenery(Scenery),
    Style(Style),
    Guitar,
    Piano,
    Ambient(Ambient),
    Key(Key),
    Says,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Dir {
    Left,
    Right,
    Up,
    Down,
}

fn lexicon() -> Vec<(&'static str, Tok)> {
    use Tok::*;
    let mut v: Vec<(&'static str, Tok)> = vec![];
    for w in [
        "a",
        "an",
        "the",
        "on",
        "in",
        "at",
        "of",
        "to",
        "is",
        "are",
        "and",
        "with",
        "while",
        "as",
        "by",
        "near",
        "behind",
        "front",
        "background",
        "sound",
        "sounds",
        "soft",
        "gentle",
        "acoustic",
        "chords",
        "strumming",
        "playing",
        "warm",
        "light",
        "lighting",
        "bathed",
        "mood",
        "tones",
        "look",
        "style",
        "colors",
        "colours",
        "into",
        "each",
        "other",
        "under",
        "over",
        "above",
        "around",
        "sky",
        "field",
        "then",
        "its",
        "it",
        "early",
        "among",
        "blowing",
        "howling",
        "chirping",
        "singing",
        "like",
        "sized",
        "scene",
        "shot",
        "during",
        "video",
        "clip",
        "stays",
        "still",
        "there",
        "here",
        "very",
    ] {
        v.push((w, Stop));
    }
    for c in crate::scene::Colour::ALL {
        v.push((c.name(), Colour(*c)));
    }
    v.extend([
        ("violet", Colour(crate::scene::Colour::Purple)),
        ("small", Size(crate::scene::Size::Small)),
        ("little", Size(crate::scene::Size::Small)),
        ("tiny", Size(crate::scene::Size::Small)),
        ("medium", Size(crate::scene::Size::Medium)),
        ("large", Size(crate::scene::Size::Large)),
        ("big", Size(crate::scene::Size::Large)),
        ("huge", Size(crate::scene::Size::Large)),
    ]);
    for (w, k) in [
        ("ball", Kind::Ball),
        ("sphere", Kind::Ball),
        ("cube", Kind::Cube),
        ("box", Kind::Cube),
        ("block", Kind::Cube),
        ("bird", Kind::Bird),
        ("car", Kind::Car),
        ("automobile", Kind::Car),
        ("character", Kind::Character),
        ("person", Kind::Character),
        ("figure", Kind::Character),
    ] {
        v.push((w, Noun(k)));
    }
    for w in [
        "moves", "move", "moving", "goes", "go", "slides", "travels", "drives", "flies", "floats",
        "glides",
    ] {
        v.push((w, Move));
    }
    for w in ["rolls", "roll", "rolling"] {
        v.push((w, Roll));
    }
    for w in ["rises", "rise", "rising", "ascends", "climbs"] {
        v.push((w, Up));
    }
    for w in ["sinks", "sink", "descends", "descending"] {
        v.push((w, Down));
    }
    for w in ["falls", "fall", "falling", "drops", "tumbles"] {
        v.push((w, Fall));
    }
    for w in ["bounces", "bounce", "bouncing", "hops"] {
        v.push((w, Bounce));
    }
    for w in ["orbits", "orbit", "orbiting", "circles", "circle"] {
        v.push((w, Orbit));
    }
    for w in ["collide", "collides", "crash", "crashes", "bump", "bumps"] {
        v.push((w, Collide));
    }
    for w in ["pans", "pan", "panning", "tilts", "tilt"] {
        v.push((w, Pan));
    }
    for w in ["zooms in", "zoom in", "zooming in"] {
        v.push((w, Zoom(true)));
    }
    for w in ["zooms out", "zoom out", "zooming out"] {
        v.push((w, Zoom(false)));
    }
    for (w, d) in [
        ("left", self::Dir::Left),
        ("leftward", self::Dir::Left),
        ("leftwards", self::Dir::Left),
        ("right", self::Dir::Right),
        ("rightward", self::Dir::Right),
        ("rightwards", self::Dir::Right),
        ("up", self::Dir::Up),
        ("upward", self::Dir::Up),
        ("upwards", self::Dir::Up),
        ("down", self::Dir::Down),
        ("downward", self::Dir::Down),
        ("downwards", self::Dir::Down),
    ] {
        v.push((w, Tok::Dir(d)));
    }
    v.extend([("camera", Camera), ("static", Static), ("fixed", Static)]);
    for w in ["slowly", "slow", "leisurely"] {
        v.push((w, Speed(crate::scene::Speed::Slow)));
    }
    for w in ["quickly", "fast", "rapidly", "swiftly", "quick"] {
        v.push((w, Speed(crate::scene::Speed::Fast)));
    }
    for (w, g) in [
        ("grass", crate::scene::Ground::Grass),
        ("grassy", crate::scene::Ground::Grass),
        ("lawn", crate::scene::Ground::Grass),
        ("meadow", crate::scene::Ground::Grass),
        ("sand", crate::scene::Ground::Sand),
        ("sandy", crate::scene::Ground::Sand),
        ("beach", crate::scene::Ground::Sand),
        ("snow", crate::scene::Ground::Snow),
        ("snowy", crate::scene::Ground::Snow),
        ("water", crate::scene::Ground::Water),
        ("lake", crate::scene::Ground::Water),
        ("sea", crate::scene::Ground::Water),
        ("ocean", crate::scene::Ground::Water),
    ] {
        v.push((w, Ground(g)));
    }
    for (w, s) in [
        ("day", crate::scene::Sky::Day),
        ("daylight", crate::scene::Sky::Day),
        ("daytime", crate::scene::Sky::Day),
        ("sunny", crate::scene::Sky::Day),
        ("noon", crate::scene::Sky::Day),
        ("sunset", crate::scene::Sky::Sunset),
        ("dusk", crate::scene::Sky::Sunset),
        ("sun sets", crate::scene::Sky::Sunset),
        ("night", crate::scene::Sky::Night),
        ("nighttime", crate::scene::Sky::Night),
        ("stars", crate::scene::Sky::Night),
        ("dawn", crate::scene::Sky::Dawn),
        ("sunrise", crate::scene::Sky::Dawn),
        ("morning", crate::scene::Sky::Dawn),
    ] {
        v.push((w, Sky(s)));
    }
    for (w, s) in [
        ("forest", crate::scene::Scenery::Forest),
        ("trees", crate::scene::Scenery::Forest),
        ("woods", crate::scene::Scenery::Forest),
        ("hills", crate::scene::Scenery::Hills),
        ("hill", crate::scene::Scenery::Hills),
        ("rolling hills", crate::scene::Scenery::Hills),
        ("city", crate::scene::Scenery::City),
        ("skyline", crate::scene::Scenery::City),
        ("buildings", crate::scene::Scenery::City),
    ] {
        v.push((w, Scenery(s)));
    }
    for (w, s) in [
        ("flat", crate::scene::Style::Flat),
        ("cartoon", crate::scene::Style::Flat),
        ("painted", crate::scene::Style::Painted),
        ("painterly", crate::scene::Style::Painted),
        ("painting", crate::scene::Style::Painted),
        ("golden", crate::scene::Style::Golden),
        ("dark", crate::scene::Style::Dark),
        ("moody", crate::scene::Style::Dark),
        ("dim", crate::scene::Style::Dark),
    ] {
        v.push((w, Style(s)));
    }
    v.extend([("guitar", Guitar), ("piano", Piano)]);
    for (w, a) in [
        ("wind", crate::scene::Ambient::Wind),
        ("windy", crate::scene::Ambient::Wind),
        ("breeze", crate::scene::Ambient::Wind),
        ("rain", crate::scene::Ambient::Rain),
        ("rainfall", crate::scene::Ambient::Rain),
        ("raining", crate::scene::Ambient::Rain),
        ("birdsong", crate::scene::Ambient::Birds),
        ("birds", crate::scene::Ambient::Birds),
    ] {
        v.push((w, Ambient(a)));
    }
    for w in ["says", "say", "saying", "said", "speaks"] {
        v.push((w, Says));
    }
    v
}

fn key_from_letter(w: &str) -> Option<Key> {
    Some(match w {
        "c" => Key::C,
        "d" => Key::D,
        "e" => Key::E,
        "f" => Key::F,
        "g" => Key::G,
        "a" => Key::A,
        _ => return None,
    })
}

/// Split into lower-case words, pulling out the first double-quoted span as speech.
fn tokenize(text: &str) -> (Vec<String>, Option<String>) {
    let mut speech = None;
    let mut rest = String::new();
    let mut parts = text.split('"');
    if let Some(first) = parts.next() {
        rest.push_str(first);
    }
    let mut inside = true;
    for p in parts {
        if inside && speech.is_none() {
            let line: String = p.split_whitespace().collect::<Vec<_>>().join(" ");
            speech = Some(line.to_lowercase());
        } else if !inside {
            rest.push(' ');
            rest.push_str(p);
        }
        inside = !inside;
    }
    let words = rest
        .to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    (words, speech)
}

/// Parse a prompt into a scene.
pub fn parse(text: &str) -> Result<Parsed, ParseError> {
    let (words, speech) = tokenize(text);
    let lex = lexicon();
    let mut toks: Vec<Tok> = Vec::new();
    let mut unknown = Vec::new();
    let mut i = 0;
    'outer: while i < words.len() {
        // Keys: "in X major", "X major", "key of X".
        if i + 1 < words.len()
            && words[i + 1] == "major"
            && let Some(k) = key_from_letter(&words[i])
        {
            toks.push(Tok::Key(k));
            i += 2;
            continue;
        }
        if words[i] == "key"
            && i + 2 < words.len()
            && words[i + 1] == "of"
            && let Some(k) = key_from_letter(&words[i + 2])
        {
            toks.push(Tok::Key(k));
            i += 3;
            continue;
        }
        // Longest lexicon match (phrases are at most two words).
        for len in [2usize, 1] {
            if i + len > words.len() {
                continue;
            }
            let phrase = words[i..i + len].join(" ");
            if let Some((_, t)) = lex.iter().find(|(w, _)| *w == phrase) {
                if *t != Tok::Stop {
                    toks.push(*t);
                }
                i += len;
                continue 'outer;
            }
        }
        unknown.push(words[i].clone());
        i += 1;
    }
    build(&toks, speech, unknown)
}

#[derive(Clone, Copy, PartialEq)]
enum Subject {
    None,
    Camera,
    Objects(usize, usize),
}

fn build(toks: &[Tok], speech: Option<String>, unknown: Vec<String>) -> Result<Parsed, ParseError> {
    let mut notes = Vec::new();
    let mut objects: Vec<Object> = Vec::new();
    let mut motions: Vec<Option<Motion>> = Vec::new();
    let mut sky = None;
    let mut ground = None;
    let mut scenery = None;
    let mut style = None;
    let mut ambient = None;
    let mut key = None;
    let mut cam_motion = None;
    let mut speed = None;
    let mut subject = Subject::None;
    let mut pending_colour = None;
    let mut pending_size = None;
    let mut collide_next = false;
    let mut i = 0;
    let dir_after = |i: usize| match toks.get(i + 1) {
        Some(Tok::Dir(d)) => Some(*d),
        _ => None,
    };
    while i < toks.len() {
        let t = toks[i];
        match t {
            Tok::Colour(c) => pending_colour = Some(c),
            Tok::Size(s) => pending_size = Some(s),
            Tok::Noun(k) => {
                // "the character says …" refers to an existing character.
                let refers = toks.get(i + 1) == Some(&Tok::Says)
                    && pending_colour.is_none()
                    && objects.iter().any(|o| o.kind == k);
                if !refers {
                    let colour = pending_colour.take().unwrap_or_else(|| {
                        notes.push(format!("{k:?} has no colour; using red"));
                        crate::scene::Colour::Red
                    });
                    objects.push(Object {
                        kind: k,
                        colour,
                        size: pending_size.take().unwrap_or(Size::Medium),
                        motion: Motion::Right,
                    });
                    motions.push(None);
                    let n = objects.len() - 1;
                    subject = match subject {
                        Subject::Objects(a, b) if b + 1 == n && motions[a].is_none() => {
                            Subject::Objects(a, n)
                        }
                        _ => Subject::Objects(n, n),
                    };
                    if collide_next {
                        motions[n] = Some(Motion::Collide);
                        collide_next = false;
                    }
                }
                pending_size = None;
            }
            Tok::Camera => subject = Subject::Camera,
            Tok::Static => cam_motion = Some(CameraMotion::Static),
            Tok::Speed(s) => speed = Some(s),
            Tok::Zoom(inward) => {
                cam_motion = Some(if inward {
                    CameraMotion::ZoomIn
                } else {
                    CameraMotion::ZoomOut
                });
            }
            Tok::Pan => {
                if let Some(d) = dir_after(i) {
                    cam_motion = Some(match d {
                        Dir::Left => CameraMotion::PanLeft,
                        Dir::Right => CameraMotion::PanRight,
                        Dir::Up => CameraMotion::PanUp,
                        Dir::Down => CameraMotion::PanDown,
                    });
                    i += 1;
                }
                subject = Subject::Camera;
            }
            Tok::Move | Tok::Roll | Tok::Up | Tok::Down | Tok::Fall | Tok::Bounce | Tok::Orbit => {
                let d = dir_after(i);
                if subject == Subject::Camera {
                    if let (Tok::Move, Some(d)) = (t, d) {
                        cam_motion = Some(match d {
                            Dir::Left => CameraMotion::PanLeft,
                            Dir::Right => CameraMotion::PanRight,
                            Dir::Up => CameraMotion::PanUp,
                            Dir::Down => CameraMotion::PanDown,
                        });
                        i += 1;
                    }
                } else if let Subject::Objects(a, b) = subject {
                    let m = match (t, d) {
                        (Tok::Move, Some(Dir::Left)) => Some(Motion::Left),
                        (Tok::Move, Some(Dir::Right)) => Some(Motion::Right),
                        (Tok::Move, Some(Dir::Up)) | (Tok::Up, _) => Some(Motion::Up),
                        (Tok::Move, Some(Dir::Down)) | (Tok::Down, _) => Some(Motion::Down),
                        (Tok::Roll, Some(Dir::Left)) => Some(Motion::RollLeft),
                        (Tok::Roll, Some(Dir::Right)) => Some(Motion::RollRight),
                        (Tok::Fall, _) => Some(Motion::Fall),
                        (Tok::Bounce, _) => Some(Motion::Bounce),
                        (Tok::Orbit, _) => Some(Motion::Orbit),
                        (Tok::Move, None) if toks.get(i + 1) == Some(&Tok::Orbit) => {
                            i += 1;
                            Some(Motion::Orbit)
                        }
                        _ => None,
                    };
                    if d.is_some() && m.is_some() && !matches!(t, Tok::Orbit) {
                        i += 1; // the direction word belonged to this verb
                    }
                    if let Some(m) = m {
                        for slot in &mut motions[a..=b] {
                            *slot = Some(m);
                        }
                    } else {
                        notes.push("a motion verb without a direction was ignored".into());
                    }
                }
            }
            Tok::Collide => {
                if let Subject::Objects(a, b) = subject {
                    for slot in &mut motions[a..=b] {
                        *slot = Some(Motion::Collide);
                    }
                    if a == b {
                        collide_next = true;
                    }
                }
            }
            Tok::Dir(_) => notes.push("a direction word without a verb was ignored".into()),
            Tok::Ground(g) => ground = Some(g),
            Tok::Sky(s) => sky = Some(s),
            Tok::Scenery(s) => scenery = Some(s),
            Tok::Style(s) => style = Some(s),
            Tok::Guitar => ambient = Some(Ambient::Guitar(Key::C)),
            Tok::Piano => ambient = Some(Ambient::Piano(Key::C)),
            Tok::Ambient(a) => ambient = Some(a),
            Tok::Key(k) => key = Some(k),
            Tok::Says => {}
            Tok::Stop => {}
        }
        i += 1;
    }
    if objects.is_empty() {
        return Err(ParseError::NoObject);
    }
    if objects.len() > 3 {
        notes.push(format!(
            "{} objects named; keeping the first 3",
            objects.len()
        ));
        objects.truncate(3);
        motions.truncate(3);
    }
    for (o, m) in objects.iter_mut().zip(&motions) {
        match m {
            Some(m) => o.motion = *m,
            None => notes.push(format!(
                "{} {:?} has no motion; it moves right",
                o.colour.name(),
                o.kind
            )),
        }
    }
    let ambient = match (ambient, key) {
        (Some(Ambient::Guitar(_)), Some(k)) => Ambient::Guitar(k),
        (Some(Ambient::Piano(_)), Some(k)) => Ambient::Piano(k),
        (a, _) => a.unwrap_or(Ambient::None),
    };
    let has_character = objects.iter().any(|o| o.kind == Kind::Character);
    let speech = match speech {
        Some(s) if has_character => Some(s),
        Some(_) => {
            notes.push("speech given but no character to say it".into());
            None
        }
        None => None,
    };
    let scene = Scene {
        sky: sky.unwrap_or(Sky::Day),
        ground: ground.unwrap_or(Ground::Grass),
        scenery: scenery.unwrap_or(Scenery::None),
        objects,
        camera: Camera {
            motion: cam_motion.unwrap_or(CameraMotion::Static),
            speed: speed.unwrap_or(Speed::Slow),
        },
        style: style.unwrap_or(Style::Flat),
        ambient,
        speech,
    }
    .canonical();
    Ok(Parsed {
        scene,
        unknown,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_issue_example() {
        let p = parse(
            "a red ball bounces on the grass at sunset, camera pans left slowly, soft guitar",
        )
        .expect("parse");
        let s = p.scene;
        assert_eq!(s.objects.len(), 1);
        assert_eq!(s.objects[0].kind, Kind::Ball);
        assert_eq!(s.objects[0].colour, crate::scene::Colour::Red);
        assert_eq!(s.objects[0].motion, Motion::Bounce);
        assert_eq!(s.sky, Sky::Sunset);
        assert_eq!(s.ground, Ground::Grass);
        assert_eq!(
            s.camera,
            crate::scene::Camera {
                motion: CameraMotion::PanLeft,
                speed: Speed::Slow
            }
        );
        assert_eq!(s.ambient, Ambient::Guitar(Key::C));
        assert!(p.unknown.is_empty());
    }

    #[test]
    fn reports_unknown_words() {
        let p = parse("a purple dragon ball levitates majestically").expect("parse");
        assert_eq!(p.unknown, vec!["dragon", "levitates", "majestically"]);
        assert_eq!(p.scene.objects[0].colour, crate::scene::Colour::Purple);
    }

    #[test]
    fn no_object_is_an_error() {
        assert_eq!(parse("sunset over the sea"), Err(ParseError::NoObject));
    }

    #[test]
    fn collisions_and_speech() {
        let p = parse("a blue car crashes into a yellow cube, fast zoom in, the bird says \"hi\"")
            .expect("parse");
        let m: Vec<Motion> = p.scene.objects.iter().map(|o| o.motion).collect();
        assert_eq!(m, vec![Motion::Collide, Motion::Collide, Motion::Right]);
        assert_eq!(p.scene.camera.motion, CameraMotion::ZoomIn);
        assert_eq!(p.scene.camera.speed, Speed::Fast);
        assert_eq!(
            p.scene.speech, None,
            "no character: speech dropped with a note"
        );
        assert!(p.notes.iter().any(|n| n.contains("no character")));
    }
}
