//! Real private people named in a prompt ("my neighbour John Smith falls off a ladder").
//!
//! Public figures are a list; private people cannot be, so this looks for the shapes a
//! person's name takes in a prompt, using lists of given names, surnames and relation
//! words (`safety/policy/person-names.json`):
//!
//! 1. a given name followed by a surname ("dana whitfield" when both are listed);
//! 2. a relation introduced by a possessive, then a given name ("my coworker Dana",
//!    "our old roommate Mr. Daniel …");
//! 3. as typed: a capitalised given name followed by a capitalised word that is not a
//!    common English word ("Brandon Tuckwell"), unless the prompt is in Title Case.
//!
//! A lone first name ("a girl named Lily") is a character, not a person, and passes.
//! Names used as a style ("in the style of Edward Hopper") are left to the public-figure
//! policy. The lists leave out names that are ordinary words (rose, will, mark) or
//! places, because they would refuse ordinary prompts.

use crate::assets;
use crate::normalize::fold;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::OnceLock;

/// Possessives that make a relation word point at a real person the writer knows ("my
/// neighbour Sam"); "her daughter Emma" in a story is a character, so third-person ones
/// do not count.
const POSSESSIVES: &[&str] = &["my", "our", "your"];

/// Words that may stand between a relation and the name ("my ex best friend named …").
const BETWEEN: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "prof", "sir", "named", "called", "s", "in", "law", "best",
    "old", "former", "new", "high", "school", "little", "big", "older", "younger",
];

/// Surname particles ("O'Sullivan", "van Dijk", "de la Cruz").
const PARTICLES: &[&str] = &[
    "o", "mc", "mac", "van", "von", "de", "di", "da", "del", "le", "la", "al", "el", "bin",
];

/// True when `word` after a public figure's name makes it the name of a place, not the
/// person ("Martin Luther King boulevard", "JFK airport"). Only places: "Obama space
/// walk", "Hendrix guitar solo", "Putin hospital bed" show the person.
pub(crate) fn names_a_place(word: &str) -> bool {
    matches!(
        word,
        "airport"
            | "boulevard"
            | "street"
            | "avenue"
            | "road"
            | "bridge"
            | "station"
            | "square"
            | "stadium"
            | "memorial"
            | "highway"
            | "tunnel"
            | "library"
            | "museum"
            | "university"
            | "college"
    )
}

/// Words after a name that make it the name of a thing or place ("James Webb
/// telescope", "Kennedy Space Center", "George Washington Bridge").
const NAMED_THINGS: &[&str] = &[
    "airport",
    "bridge",
    "memorial",
    "telescope",
    "space",
    "center",
    "centre",
    "street",
    "st",
    "avenue",
    "road",
    "park",
    "square",
    "university",
    "college",
    "school",
    "hospital",
    "stadium",
    "arena",
    "museum",
    "library",
    "station",
    "award",
    "awards",
    "prize",
    "trophy",
    "building",
    "tower",
    "statue",
    "monument",
    "falls",
    "island",
    "lake",
    "river",
    "mountain",
    "highway",
    "tunnel",
    "institute",
    "foundation",
    "hall",
    "boulevard",
    "cup",
    "festival",
    "hotel",
    "theatre",
    "theater",
    "tractor",
    "motorcycle",
    "guitar",
    "duomo",
    "cathedral",
    "basilica",
    "palace",
    "castle",
    "church",
    "temple",
];

/// Brands and places that read like a name and surname.
const NOT_PEOPLE: &[(&str, &str)] = &[
    ("john", "deere"),
    ("harley", "davidson"),
    ("sao", "paulo"),
    ("santa", "claus"),
    // Fictional characters are not people.
    ("harry", "potter"),
    ("peter", "parker"),
    ("lara", "croft"),
    ("luke", "skywalker"),
    ("bruce", "wayne"),
    ("clark", "kent"),
    ("tony", "stark"),
    ("indiana", "jones"),
    ("james", "bond"),
    ("sherlock", "holmes"),
    ("mary", "poppins"),
    ("jack", "sparrow"),
    ("john", "wick"),
    ("hermione", "granger"),
];

#[derive(Deserialize)]
struct NameLists {
    given_names: HashSet<String>,
    surnames: HashSet<String>,
    relations: HashSet<String>,
    common_words: HashSet<String>,
}

/// The name lists, loaded once.
pub struct PersonNames {
    lists: NameLists,
}

impl PersonNames {
    /// The lists compiled in ([`assets::PERSON_NAMES`]).
    pub fn builtin() -> &'static PersonNames {
        static NAMES: OnceLock<PersonNames> = OnceLock::new();
        NAMES.get_or_init(|| PersonNames {
            // Part of the source tree and parsed by a unit test, so a broken file fails
            // the build's tests, never a user's session.
            lists: serde_json::from_slice(assets::PERSON_NAMES.bytes)
                .expect("safety/policy/person-names.json is valid"),
        })
    }

    fn given(&self, w: &str) -> bool {
        self.lists.given_names.contains(w)
    }

    /// The name a prompt gives a real person, if any. `tokens` is the prompt's first
    /// normalized reading; `prompt` the text as typed (for capitalisation).
    pub fn find(&self, prompt: &str, tokens: &[String]) -> Option<String> {
        self.given_and_surname(tokens)
            .or_else(|| self.relation_and_name(tokens))
            .or_else(|| self.capitalised_pair(prompt))
    }

    fn given_and_surname(&self, t: &[String]) -> Option<String> {
        (0..t.len().saturating_sub(1)).find_map(|i| {
            let a = t[i].as_str();
            // "megan o sullivan", "anna van dijk": a particle may sit in between.
            let j = if PARTICLES.contains(&t[i + 1].as_str()) {
                i + 2
            } else {
                i + 1
            };
            let b = t.get(j)?.as_str();
            (self.given(a)
                && self.lists.surnames.contains(b)
                && !NAMED_THINGS.contains(&b)
                && !NOT_PEOPLE.contains(&(a, b))
                && !names_a_style_or_thing(t, i, j))
            .then(|| t[i..=j].join(" "))
        })
    }

    fn relation_and_name(&self, t: &[String]) -> Option<String> {
        (0..t.len()).find_map(|i| {
            if !self.lists.relations.contains(&t[i]) {
                return None;
            }
            let owned = t[i.saturating_sub(2)..i]
                .iter()
                .any(|w| POSSESSIVES.contains(&w.as_str()));
            if !owned {
                return None;
            }
            let name = t[i + 1..]
                .iter()
                .take(5)
                .find(|w| !BETWEEN.contains(&w.as_str()) && !self.lists.relations.contains(*w))?;
            self.given(name).then(|| format!("{} {}", t[i], name))
        })
    }

    fn capitalised_pair(&self, prompt: &str) -> Option<String> {
        let words: Vec<&str> = prompt
            .split_whitespace()
            .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
            .filter(|w| w.chars().any(char::is_alphabetic))
            .collect();
        let capitalised = |w: &str| w.chars().next().is_some_and(char::is_uppercase);
        let caps = words.iter().filter(|w| capitalised(w)).count();
        // In Title Case every word is capitalised, so capitals say nothing.
        if words.len() < 2 || caps * 2 >= words.len() {
            return None;
        }
        let folded: Vec<String> = words.iter().map(|w| fold(w)).collect();
        (0..words.len() - 1).find_map(|i| {
            let (a, b) = (words[i], words[i + 1]);
            // "O'Sullivan" → "sullivan"; acronyms ("NASA") are not surnames.
            let surname = folded[i + 1]
                .rsplit(['\'', '\u{2019}'])
                .next()
                .unwrap_or_default();
            let is_name = capitalised(a)
                && capitalised(b)
                && b.chars().count() >= 3
                && !b.chars().all(|c| !c.is_lowercase())
                && self.given(&folded[i])
                && surname.chars().all(|c| c.is_ascii_lowercase())
                && !self.lists.common_words.contains(surname)
                && !NAMED_THINGS.contains(&surname)
                && !NOT_PEOPLE.contains(&(folded[i].as_str(), surname))
                && !names_a_style_or_thing(&folded, i, i + 1);
            is_name.then(|| format!("{a} {b}"))
        })
    }
}

/// "in the style of Edward Hopper", "Charlie Chaplin style" (an artist's manner), or a
/// name followed by a thing it names ("James Webb telescope"): not a depiction of the
/// person.
fn names_a_style_or_thing(words: &[String], first: usize, last: usize) -> bool {
    let before = |k: usize| first.checked_sub(k).and_then(|i| words.get(i));
    let after = words.get(last + 1);
    (before(1).is_some_and(|w| w == "of") && before(2).is_some_and(|w| w.starts_with("style")))
        || after.is_some_and(|w| {
            w.starts_with("style") || w == "esque" || NAMED_THINGS.contains(&w.as_str())
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize;

    fn find(prompt: &str) -> Option<String> {
        let tokens = normalize(prompt).readings.remove(0);
        PersonNames::builtin().find(prompt, &tokens)
    }

    #[test]
    fn named_private_people_are_found() {
        for p in [
            "my neighbour John Smith falls off a ladder",
            "make a video of my coworker dana dancing on the desk",
            "our old roommate Mr. Daniel Achterberg asleep on the couch",
            "Make a clip of Brandon Tuckwell being chased by geese",
            "a funny video of Megan O'Sullivan falling into a pool",
            "a funny video of Megan O\u{2019}Tuckwell falling into a pool",
            "my boss, Karen Miller, slips on ice",
            "maria garcia sings in the kitchen",
        ] {
            assert!(find(p).is_some(), "{p}");
        }
    }

    #[test]
    fn characters_places_and_styles_are_not_people() {
        for p in [
            "a girl named Lily feeds ducks",
            "a man named John fishing on a lake",
            "Kennedy Space Center launch pad at dawn",
            "Jackson Hole valley in autumn, elk bugling",
            "a John Deere tractor ploughing a field",
            "a lonely diner at night in the style of Edward Hopper",
            "grandpa tells a ghost story by the campfire",
            "A Girl Named Emma Walks Home In The Rain",
            "São Paulo skyline during a thunderstorm",
            "the james webb space telescope unfolding its mirror",
            "my dog runs on the beach with my friend",
            "a woman walks with her daughter Emma through the market",
            "Harry Potter waves a wand in a castle hallway",
            "Florence Duomo at sunrise, bells ringing",
            "a red ball bounces on the grass at sunset, camera pans left slowly",
        ] {
            assert_eq!(find(p), None, "{p}");
        }
    }

    #[test]
    fn odd_input_never_panics() {
        let mut odd: Vec<String> = [
            "",
            " ",
            "'",
            "''",
            "A",
            "A B",
            "Ana O'",
            "O' Ana",
            "my",
            "my friend",
            "my friend ",
            "John",
            "John '",
            "ÉMILE Ñúñez",
            "Мария Иванова",
            "李 小龙",
            "John 123",
            "john-smith",
            "my friend Mr.",
            "@john smith",
            "John\u{200B}Smith",
            "🙂 John 🙂 Smith",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        // Every prefix of a mixed prompt, cut at each char boundary.
        let mixed = "my ex-boss Dr. Ana O'Brien-Núñez 🙂 and John";
        odd.extend(mixed.char_indices().map(|(i, _)| mixed[..i].to_string()));
        for p in &odd {
            let _ = find(p);
        }
    }
}
