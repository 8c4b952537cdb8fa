//! Prompt augmentation for the text encoder: synonyms a user might type instead of the
//! world's words, typos, dropped words. The free-text evaluation prompts are written by
//! someone who never saw this table.

use kinora_world::rng::Rng;
use kinora_world::scene::{Camera, CameraMotion, Kind, Motion, Scene, Speed};
use kinora_world::text::verb_phrases;

/// Words a person may use for the world's colours (the world's own text never says them).
const COLOUR_SYNONYMS: &[(&str, &[&str])] = &[
    ("red", &["crimson", "scarlet", "ruby", "cherry"]),
    ("orange", &["amber", "tangerine", "apricot"]),
    ("yellow", &["lemon", "canary", "mustard"]),
    ("green", &["emerald", "lime", "olive"]),
    ("cyan", &["turquoise", "teal", "aqua"]),
    ("blue", &["navy", "azure", "cobalt", "sapphire"]),
    ("purple", &["violet", "lavender", "indigo", "plum"]),
    ("pink", &["rose", "magenta", "fuchsia"]),
    ("white", &["ivory", "snowy"]),
    ("black", &["ebony", "jet", "coal"]),
];

/// Other words for the world's objects and moves.
const WORD_SYNONYMS: &[(&str, &[&str])] = &[
    ("ball", &["sphere", "orb"]),
    ("cube", &["box", "block"]),
    ("car", &["automobile", "vehicle"]),
    ("bird", &["sparrow", "pigeon"]),
    ("character", &["person", "figure", "man", "woman"]),
    ("bounces", &["hops", "rebounds"]),
    ("falls", &["drops", "plummets"]),
    ("rolls", &["tumbles"]),
    ("quickly", &["rapidly", "swiftly", "fast"]),
    ("slowly", &["gently", "gradually"]),
];

/// A lightly corrupted variant of `prompt`.
pub fn augment(prompt: &str, rng: &mut Rng) -> String {
    let mut words: Vec<String> = prompt.split_whitespace().map(str::to_string).collect();
    for w in words.iter_mut() {
        let (core, tail) = split_punct(w);
        let lower = core.to_lowercase();
        let table = COLOUR_SYNONYMS.iter().chain(WORD_SYNONYMS);
        if let Some((_, syn)) = table.clone().find(|(k, _)| *k == lower)
            && rng.chance(0.3)
        {
            *w = format!("{}{tail}", rng.pick(syn));
            continue;
        }
        if core.len() >= 4 && rng.chance(0.04) {
            *w = format!("{}{tail}", typo(core, rng));
        }
    }
    if words.len() > 6 && rng.chance(0.2) {
        let i = rng.index(words.len());
        words.remove(i);
    }
    words.join(" ")
}

fn split_punct(w: &str) -> (&str, &str) {
    let end = w.trim_end_matches(|c: char| !c.is_alphanumeric()).len();
    w.split_at(end)
}

fn typo(word: &str, rng: &mut Rng) -> String {
    let mut c: Vec<char> = word.chars().collect();
    let i = 1 + rng.index(c.len() - 2);
    match rng.index(3) {
        0 => {
            c.remove(i);
        }
        1 => c.swap(i, i + 1),
        _ => c.insert(i, c[i]),
    }
    c.into_iter().collect()
}

/// Other ways to say an object's move: what people type that the world's grammar never
/// says (participles, "-ward" forms, idioms). Keyed by the move; `flier`/`car` pick the
/// verbs that suit the object.
fn other_verbs(kind: Kind, motion: Motion) -> &'static [&'static str] {
    let flier = kind == Kind::Bird;
    let car = kind == Kind::Car;
    match motion {
        Motion::Left if car => &[
            "speeds left",
            "racing to the left",
            "driving leftward",
            "heading left",
            "cruises to the left",
        ],
        Motion::Right if car => &[
            "speeds right",
            "racing to the right",
            "driving rightward",
            "heading right",
            "cruises to the right",
        ],
        Motion::Left if flier => &[
            "flying left",
            "soaring to the left",
            "heading leftward",
            "flapping to the left",
        ],
        Motion::Right if flier => &[
            "flying right",
            "soaring to the right",
            "heading rightward",
            "flapping to the right",
        ],
        Motion::Left => &[
            "moving left",
            "heading left",
            "drifting to the left",
            "going leftward",
            "walking left",
            "crossing to the left",
        ],
        Motion::Right => &[
            "moving right",
            "heading right",
            "drifting to the right",
            "going rightward",
            "walking right",
            "crossing to the right",
        ],
        Motion::Up if flier => &[
            "flying upward",
            "soaring up",
            "climbing into the sky",
            "rising up",
            "ascending",
        ],
        Motion::Up => &[
            "rising",
            "ascending",
            "drifting upward",
            "floating up",
            "moving upward",
            "lifting upward",
        ],
        Motion::Down if flier => &[
            "flying downward",
            "diving down",
            "swooping down",
            "descending",
            "gliding down",
        ],
        Motion::Down => &[
            "sinking",
            "descending slowly",
            "drifting downward",
            "lowering",
            "moving downward",
            "going down",
        ],
        Motion::Fall => &[
            "falling",
            "dropping",
            "drops and lands",
            "falls to the ground",
            "tumbling down",
            "plunging down",
            "drops from the sky",
        ],
        Motion::Bounce => &[
            "bouncing",
            "bouncing up and down",
            "hopping up and down",
            "jumping up and down",
            "bobbing up and down",
            "springing up and down",
        ],
        Motion::RollLeft => &[
            "rolling left",
            "rolling leftward",
            "rolling to the left",
            "tumbling to the left",
        ],
        Motion::RollRight => &[
            "rolling right",
            "rolling rightward",
            "rolling to the right",
            "tumbling to the right",
        ],
        Motion::Orbit if flier => &[
            "circling",
            "circling overhead",
            "flying in circles",
            "looping around",
            "circling round and round",
        ],
        Motion::Orbit => &[
            "circling",
            "orbiting",
            "going round and round",
            "moving in circles",
            "looping around",
            "travelling in a circle",
        ],
        Motion::Collide => &["collides"],
    }
}

/// Camera phrases beyond the grammar's "the camera pans left slowly": nouns with an
/// adjective ("slow pan left", "quick zoom in"), film words ("pull back", "push in",
/// "tilt up", "locked-off shot"), and the move before the scene.
fn camera_phrase(camera: Camera, rng: &mut Rng) -> String {
    let adjective = match camera.speed {
        Speed::Slow => rng.pick(&["slow", "gentle", "gradual", "leisurely", "steady"]),
        Speed::Fast => rng.pick(&["quick", "fast", "rapid", "swift", "sudden", "whip"]),
    };
    let adverb = match camera.speed {
        Speed::Slow => rng.pick(&["slowly", "gently", "gradually", "steadily"]),
        Speed::Fast => rng.pick(&["quickly", "fast", "rapidly", "swiftly"]),
    };
    let (nouns, verbs, dirs): (&[&str], &[&str], &[&str]) = match camera.motion {
        CameraMotion::Static => {
            return rng
                .pick(&[
                    "locked-off shot",
                    "static shot",
                    "tripod shot",
                    "still camera",
                    "the camera does not move",
                    "no camera movement",
                    "camera holds still",
                    "fixed shot",
                ])
                .to_string();
        }
        CameraMotion::PanLeft => (
            &["pan", "track", "camera move"],
            &["pans", "drifts", "sweeps", "tracks", "slides"],
            &["left", "to the left", "leftward"],
        ),
        CameraMotion::PanRight => (
            &["pan", "track", "camera move"],
            &["pans", "drifts", "sweeps", "tracks", "slides"],
            &["right", "to the right", "rightward"],
        ),
        CameraMotion::PanUp => (
            &["tilt", "pan", "crane"],
            &["tilts", "pans", "cranes", "rises"],
            &["up", "upward", "upwards"],
        ),
        CameraMotion::PanDown => (
            &["tilt", "pan", "crane"],
            &["tilts", "pans", "cranes", "lowers"],
            &["down", "downward", "downwards"],
        ),
        CameraMotion::ZoomIn => (
            &["zoom", "push"],
            &["zooms", "pushes", "moves"],
            &["in", "in closer", "closer"],
        ),
        CameraMotion::ZoomOut => (
            &["zoom", "pull"],
            &["zooms", "pulls", "draws"],
            &["out", "back", "away"],
        ),
    };
    let (noun, verb, dir) = (rng.pick(nouns), rng.pick(verbs), rng.pick(dirs));
    match rng.index(6) {
        0 => format!("{adjective} {noun} {dir}"),
        1 => format!("with a {adjective} {noun} {dir}"),
        2 => format!("camera {verb} {dir} {adverb}"),
        3 => format!("as the camera {adverb} {verb} {dir}"),
        4 => format!("the camera {verb} {dir} {adverb}"),
        _ => format!("{adjective} camera {noun} {dir}"),
    }
}

/// Words the rephrasing adds to what the typo repair can mend towards.
pub fn rephrase_vocabulary() -> Vec<String> {
    let mut rng = Rng::new(1);
    let mut words = std::collections::BTreeSet::new();
    for kind in [
        Kind::Ball,
        Kind::Cube,
        Kind::Car,
        Kind::Bird,
        Kind::Character,
    ] {
        for &motion in Motion::ALL {
            for phrase in other_verbs(kind, motion) {
                words.extend(phrase.split_whitespace().map(str::to_string));
            }
        }
    }
    for _ in 0..4000 {
        let camera = Camera {
            motion: rng.pick(CameraMotion::ALL),
            speed: rng.pick(&[Speed::Slow, Speed::Fast]),
        };
        words.extend(
            camera_phrase(camera, &mut rng)
                .split(|c: char| !c.is_alphanumeric())
                .filter(|w| !w.is_empty())
                .map(str::to_string),
        );
    }
    words.into_iter().collect()
}

/// The prompt said another way: the first object's move in other words (when the
/// grammar's phrase is found), and the camera clause replaced by a film-language one,
/// placed after the scene or before it.
pub fn rephrase(scene: &Scene, prompt: &str, rng: &mut Rng) -> String {
    let mut out = prompt.to_string();
    if let Some(o) = scene.objects.first()
        && rng.chance(0.5)
    {
        let mut grammar: Vec<&str> = verb_phrases(o.kind, o.motion).to_vec();
        grammar.sort_by_key(|p| std::cmp::Reverse(p.len()));
        if let Some(found) = grammar.iter().find(|p| contains_phrase(&out, p)) {
            let other = rng.pick(other_verbs(o.kind, o.motion));
            out = replace_phrase(&out, found, other);
        }
    }
    if rng.chance(0.6) {
        let mut clauses: Vec<&str> = out.split(", ").collect();
        clauses.retain(|c| !is_camera_clause(c));
        let phrase = camera_phrase(scene.camera, rng);
        let rest = clauses.join(", ");
        out = match rng.index(3) {
            0 => format!("{}, {rest}", capitalised(&phrase)),
            _ => format!("{rest}, {phrase}"),
        };
    }
    out
}

fn is_camera_clause(clause: &str) -> bool {
    ["camera ", "the camera ", "static camera", "fixed camera"]
        .iter()
        .any(|p| clause.starts_with(p))
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

/// Whether `phrase` occurs in `text` as whole words.
fn contains_phrase(text: &str, phrase: &str) -> bool {
    find_phrase(text, phrase).is_some()
}

fn find_phrase(text: &str, phrase: &str) -> Option<usize> {
    text.match_indices(phrase).map(|(i, _)| i).find(|&i| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric)
    })
}

fn replace_phrase(text: &str, phrase: &str, with: &str) -> String {
    match find_phrase(text, phrase) {
        Some(i) => format!("{}{with}{}", &text[..i], &text[i + phrase.len()..]),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kinora_world::sample::{Split, sample_scene};
    use kinora_world::text::describe;

    #[test]
    fn rephrasing_replaces_the_grammars_camera_clause_and_keeps_the_rest() {
        let mut rng = Rng::new(5);
        let mut replaced = 0;
        for s in 0..300u64 {
            let scene = sample_scene(s, Split::Train);
            let prompt = describe(&scene, s);
            let other = rephrase(&scene, &prompt, &mut rng);
            let colour = scene.objects[0].colour.name();
            assert!(other.contains(colour), "{prompt} → {other}");
            let grammar_camera = prompt.split(", ").any(is_camera_clause);
            let still_there = other
                .split(", ")
                .any(|c| c.starts_with("the camera ") && prompt.contains(c));
            replaced += usize::from(grammar_camera && !still_there);
        }
        assert!(replaced > 50, "{replaced} camera clauses replaced");
    }

    #[test]
    fn phrases_match_whole_words_only() {
        assert!(contains_phrase("a ball rises, slowly", "rises"));
        assert!(!contains_phrase("a ball surprises", "rises"));
        assert_eq!(
            replace_phrase("a bird flies up high", "flies up", "soars"),
            "a bird soars high"
        );
    }
}
