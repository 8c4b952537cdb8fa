//! kinora-recipe: recipe links, everything needed to make the same clip again (prompt,
//! settings, seed) in a URL fragment (`#recipe=1.<base64url JSON>`). The fragment never
//! reaches a server, and a recipe never holds cameo data (no appearance, keys or grants: a
//! prompt that mentions `@someone` only works for a person who holds that cameo's grant).
//!
//! Links come from strangers, so [`Recipe::from_link`] treats them as hostile: bounded
//! length, strict base64, strict JSON (unknown fields refused), every setting range-checked,
//! and the prompt still has to pass the guardrails ([`Recipe::check_prompt`], through
//! `kinora-safety`). Failures are a [`RecipeError`].
#![deny(missing_docs)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use kinora_safety::{PromptPolicy, Verdict};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The format version written into every link.
pub const RECIPE_VERSION: u32 = 1;
/// Fragment key: `#recipe=…`.
const KEY: &str = "recipe=";
/// Longest link body we decode (the longest prompt plus settings fits in a fraction).
const MAX_ENCODED: usize = 4096;

/// Frame rates a generation can use.
pub const FPS_CHOICES: [u32; 3] = [8, 12, 24];
/// Clip length range in seconds.
pub const SECONDS: std::ops::RangeInclusive<u32> = 2..=10;
/// Width/height range (multiples of 16).
pub const SIDE: std::ops::RangeInclusive<u32> = 64..=512;
/// Sampler step range.
pub const STEPS: std::ops::RangeInclusive<u32> = 1..=64;
/// Sizes (width, height) the page offers in its size menu, each valid: squares, then
/// 16:9 and 9:16 (the model's square frames cropped around the subject).
pub const OFFERED_SIZES: [(u32, u32); 7] = [
    (128, 128),
    (256, 256),
    (512, 512),
    (256, 144),
    (512, 288),
    (144, 256),
    (288, 512),
];

/// The numbers of a recipe, by name: what a generation takes besides the prompt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Sampler seed.
    pub seed: u64,
    /// Length in seconds ([`SECONDS`]).
    pub seconds: u32,
    /// Frames per second (one of [`FPS_CHOICES`]).
    pub fps: u32,
    /// Width in pixels ([`SIDE`], a multiple of 16).
    pub width: u32,
    /// Height in pixels ([`SIDE`], a multiple of 16).
    pub height: u32,
    /// Sampler steps ([`STEPS`]).
    pub steps: u32,
}

impl Default for Settings {
    /// Seed 1, 4 s at 12 fps, 256×256, 8 steps.
    fn default() -> Self {
        Settings {
            seed: 1,
            seconds: 4,
            fps: 12,
            width: 256,
            height: 256,
            steps: 8,
        }
    }
}

/// How to make a clip.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Format version.
    #[serde(rename = "v")]
    pub version: u32,
    /// The prompt as typed.
    #[serde(rename = "p")]
    pub prompt: String,
    /// Sampler seed.
    #[serde(rename = "s")]
    pub seed: u64,
    /// Length in seconds.
    #[serde(rename = "d")]
    pub seconds: u32,
    /// Frames per second.
    #[serde(rename = "f")]
    pub fps: u32,
    /// Width in pixels.
    #[serde(rename = "w")]
    pub width: u32,
    /// Height in pixels.
    #[serde(rename = "h")]
    pub height: u32,
    /// Sampler steps.
    #[serde(rename = "n")]
    pub steps: u32,
}

/// Why a link could not be used; each message tells the person what happened.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum RecipeError {
    /// The fragment is not a recipe at all.
    #[error("this link does not contain a Kinora recipe")]
    NotARecipe,
    /// A newer (or unknown) format.
    #[error("this recipe uses format version {0}, which this version of Kinora cannot read")]
    UnsupportedVersion(String),
    /// Longer than any real recipe.
    #[error("this recipe link is too long ({0} characters) — it was probably damaged or altered")]
    TooLong(usize),
    /// Not valid base64url / UTF-8 / JSON of the right shape.
    #[error("this recipe link is damaged: {0}")]
    Malformed(String),
    /// A setting outside what Kinora can make.
    #[error("this recipe asks for {field} = {value}, but Kinora supports {allowed}")]
    OutOfRange {
        /// Which setting.
        field: &'static str,
        /// What the link asked for.
        value: String,
        /// What is allowed.
        allowed: String,
    },
    /// The prompt is refused by the guardrails.
    #[error("this recipe's prompt is refused: {0}")]
    Refused(String),
}

impl Recipe {
    /// A recipe with the current version. Not checked: call [`Self::validate`].
    pub fn new(prompt: &str, settings: Settings) -> Self {
        Recipe {
            version: RECIPE_VERSION,
            prompt: prompt.to_string(),
            seed: settings.seed,
            seconds: settings.seconds,
            fps: settings.fps,
            width: settings.width,
            height: settings.height,
            steps: settings.steps,
        }
    }

    /// Its numbers, by name.
    pub fn settings(&self) -> Settings {
        Settings {
            seed: self.seed,
            seconds: self.seconds,
            fps: self.fps,
            width: self.width,
            height: self.height,
            steps: self.steps,
        }
    }

    /// The URL fragment (with its `#`) that carries this recipe.
    pub fn to_fragment(&self) -> String {
        // Serializing a plain struct of strings and numbers cannot fail.
        let json = serde_json::to_vec(self).unwrap_or_default();
        format!("#{KEY}{}.{}", self.version, URL_SAFE_NO_PAD.encode(json))
    }

    /// Read a recipe from a whole link or just its fragment (`#recipe=1.…`).
    pub fn from_link(link: &str) -> Result<Recipe, RecipeError> {
        let fragment = match link.find('#') {
            Some(i) => &link[i + 1..],
            None => link,
        };
        let body = fragment.strip_prefix(KEY).ok_or(RecipeError::NotARecipe)?;
        if body.len() > MAX_ENCODED {
            return Err(RecipeError::TooLong(body.len()));
        }
        let (version, data) = body.split_once('.').ok_or(RecipeError::NotARecipe)?;
        if version != RECIPE_VERSION.to_string() {
            let shown: String = version.chars().take(12).collect();
            return Err(RecipeError::UnsupportedVersion(shown));
        }
        let bytes = URL_SAFE_NO_PAD
            .decode(data.trim_end())
            .map_err(|e| RecipeError::Malformed(format!("not base64url ({e})")))?;
        let text = std::str::from_utf8(&bytes)
            .map_err(|_| RecipeError::Malformed("not UTF-8 text".into()))?;
        let recipe: Recipe = serde_json::from_str(text)
            .map_err(|e| RecipeError::Malformed(format!("unexpected content ({e})")))?;
        if recipe.version != RECIPE_VERSION {
            return Err(RecipeError::UnsupportedVersion(recipe.version.to_string()));
        }
        recipe.validate()?;
        Ok(recipe)
    }

    /// Range-check every setting.
    pub fn validate(&self) -> Result<(), RecipeError> {
        let range = |field, value: u32, r: &std::ops::RangeInclusive<u32>, extra: &str| {
            if r.contains(&value) {
                Ok(())
            } else {
                Err(RecipeError::OutOfRange {
                    field,
                    value: value.to_string(),
                    allowed: format!("{}–{}{extra}", r.start(), r.end()),
                })
            }
        };
        range("seconds", self.seconds, &SECONDS, " s")?;
        range("steps", self.steps, &STEPS, "")?;
        for (field, side) in [("width", self.width), ("height", self.height)] {
            range(field, side, &SIDE, " px")?;
            if side % 16 != 0 {
                return Err(RecipeError::OutOfRange {
                    field,
                    value: side.to_string(),
                    allowed: "multiples of 16".into(),
                });
            }
        }
        if !FPS_CHOICES.contains(&self.fps) {
            return Err(RecipeError::OutOfRange {
                field: "fps",
                value: self.fps.to_string(),
                allowed: format!("{FPS_CHOICES:?}"),
            });
        }
        if self.prompt.trim().is_empty() {
            return Err(RecipeError::Malformed("the prompt is empty".into()));
        }
        if self.prompt.chars().any(|c| c.is_control() && c != '\n') {
            return Err(RecipeError::Malformed(
                "the prompt contains control characters".into(),
            ));
        }
        Ok(())
    }

    /// Run the prompt through the guardrails, exactly as if it had been typed: a link is
    /// no way around them. `has_grant` answers for cameo handles this device holds.
    pub fn check_prompt(
        &self,
        policy: &PromptPolicy,
        has_grant: impl Fn(&str) -> bool,
    ) -> Result<(), RecipeError> {
        match policy.check_with_cameos(&self.prompt, has_grant) {
            Verdict::Allowed => Ok(()),
            Verdict::Refused(r) => Err(RecipeError::Refused(r.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Recipe {
        Recipe::new(
            "a red ball bounces on the grass at sunset, camera pans left slowly, gentle guitar chords — ünïcödé 日本",
            Settings {
                seed: u64::MAX - 7,
                ..Settings::default()
            },
        )
    }

    #[test]
    fn settings_round_trip_by_name_and_keep_a_non_square_size() {
        let wide = Settings {
            seed: 9,
            seconds: 6,
            fps: 24,
            width: 512,
            height: 128,
            steps: 20,
        };
        let r = Recipe::new("a ball", wide);
        assert_eq!((r.width, r.height, r.seconds, r.steps), (512, 128, 6, 20));
        assert_eq!(
            Recipe::from_link(&r.to_fragment()).unwrap().settings(),
            wide
        );
    }

    #[test]
    fn the_defaults_and_the_offered_sizes_are_valid() {
        assert!(
            Recipe::new("a ball", Settings::default())
                .validate()
                .is_ok()
        );
        for (width, height) in OFFERED_SIZES {
            let s = Settings {
                width,
                height,
                ..Settings::default()
            };
            assert!(
                Recipe::new("a ball", s).validate().is_ok(),
                "{width}×{height}"
            );
        }
    }

    #[test]
    fn round_trips_through_a_full_link_and_a_bare_fragment() {
        let r = sample();
        let frag = r.to_fragment();
        assert!(frag.starts_with("#recipe=1."));
        assert_eq!(
            Recipe::from_link(&format!("http://127.0.0.1:8080/{frag}")).unwrap(),
            r
        );
        assert_eq!(Recipe::from_link(&frag[1..]).unwrap(), r);
        // URL-safe: nothing that needs escaping in a fragment.
        assert!(
            frag[1..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "=.-_".contains(c))
        );
    }

    #[test]
    fn hostile_links_get_a_clear_error() {
        let enc = |json: &str| format!("#recipe=1.{}", URL_SAFE_NO_PAD.encode(json));
        let cases = [
            ("#foo", RecipeError::NotARecipe),
            ("#recipe=2.abc", RecipeError::UnsupportedVersion("2".into())),
        ];
        for (link, want) in cases {
            assert_eq!(Recipe::from_link(link).unwrap_err(), want);
        }
        assert!(matches!(
            Recipe::from_link("#recipe=1.!!!"),
            Err(RecipeError::Malformed(_))
        ));
        assert!(matches!(
            Recipe::from_link(&format!("#recipe=1.{}", "A".repeat(5000))),
            Err(RecipeError::TooLong(_))
        ));
        let mut extra = serde_json::to_value(sample()).unwrap();
        extra["cameo"] = serde_json::json!({"key": "x"});
        assert!(matches!(
            Recipe::from_link(&enc(&extra.to_string())),
            Err(RecipeError::Malformed(_))
        ));
        let mut big = sample();
        big.seconds = 600;
        assert!(matches!(
            Recipe::from_link(&big.to_fragment()),
            Err(RecipeError::OutOfRange {
                field: "seconds",
                ..
            })
        ));
        big = sample();
        big.width = 250;
        assert!(matches!(
            Recipe::from_link(&big.to_fragment()),
            Err(RecipeError::OutOfRange { field: "width", .. })
        ));
    }

    #[test]
    fn a_link_cannot_get_around_the_guardrails() {
        let mut r = sample();
        r.prompt = "n.u.d.e photos of a celebrity".into();
        let policy = PromptPolicy::builtin();
        assert!(matches!(
            r.check_prompt(policy, |_| false),
            Err(RecipeError::Refused(_))
        ));
        r.prompt = "@alice waves at the camera".into();
        assert!(r.check_prompt(policy, |_| false).is_err());
        assert!(r.check_prompt(policy, |h| h == "alice").is_ok());
        assert!(sample().check_prompt(policy, |_| false).is_ok());
    }

    /// Random bytes and mutations of a valid link never panic (the decoder only returns
    /// errors). A small deterministic fuzzer: no extra tool, runs in every test run.
    #[test]
    fn fuzzed_links_never_panic() {
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let valid = sample().to_fragment();
        let alphabet: Vec<char> = "recipe=1.#ABCxyz019-_+/=%{}\"\\\u{0}é日".chars().collect();
        let mut accepted = 0;
        for _ in 0..20_000 {
            let mut link: Vec<char> = valid.chars().collect();
            for _ in 0..(next() % 6 + 1) {
                let at = (next() as usize) % (link.len() + 1);
                let c = alphabet[(next() as usize) % alphabet.len()];
                match next() % 3 {
                    0 if at < link.len() => link[at] = c,
                    1 => link.insert(at, c),
                    _ if at < link.len() => {
                        link.remove(at);
                    }
                    _ => {}
                }
            }
            let text: String = link.into_iter().collect();
            if Recipe::from_link(&text).is_ok() {
                accepted += 1;
            }
            // And random JSON bodies.
            let json: String = (0..(next() % 64))
                .map(|_| alphabet[(next() as usize) % alphabet.len()])
                .collect();
            let _ = Recipe::from_link(&format!("#recipe=1.{}", URL_SAFE_NO_PAD.encode(json)));
        }
        // Most mutations break the link; the few that survive are still valid recipes.
        assert!(accepted < 20_000);
    }
}
