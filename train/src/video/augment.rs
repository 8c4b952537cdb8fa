//! Prompt augmentation for the text encoder: synonyms a user might type instead of the
//! world's words, typos, dropped words. The free-text evaluation prompts are written by
//! someone who never saw this table.

use kinora_world::rng::Rng;

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
