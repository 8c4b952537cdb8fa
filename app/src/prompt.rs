//! The prompt box and its settings. Every keystroke runs the prompt guardrails (cheap,
//! local), so a disallowed prompt is refused with its reason before any compute could
//! start (the Generate panel below checks again when asked to generate). The recipe
//! link (prompt + settings + seed in the URL fragment) already works, and a recipe link
//! opened on this page fills the box — after the same guardrails, since a link is no way
//! around them.

use kinora_recipe::{FPS_CHOICES, OFFERED_SIZES, Recipe, SECONDS, STEPS, Settings};
use kinora_safety::{PromptPolicy, Verdict};
use leptos::prelude::*;

/// Prompts a first visit can start from: each asks for what the models do well (an
/// object, its colour and motion, a camera move, a sound bed).
const EXAMPLE_PROMPTS: [&str; 4] = [
    "a red ball bounces on the grass at sunset, gentle guitar chords",
    "a yellow bird flies to the right over the sea, camera pans left slowly, birds singing",
    "a blue car drives to the left on the road, camera zooms in, wind",
    "a green cube falls onto the sand, camera pans right fast, soft piano",
];

/// A size menu value: `WxH`.
fn size_value(width: u32, height: u32) -> String {
    format!("{width}x{height}")
}

/// A size menu label: the size and its shape.
fn size_label(width: u32, height: u32) -> String {
    let shape = match width.cmp(&height) {
        std::cmp::Ordering::Equal => "square",
        std::cmp::Ordering::Greater => "wide",
        std::cmp::Ordering::Less => "tall",
    };
    format!("{width}×{height} ({shape})")
}

/// The sizes the menu offers, and the opened recipe's size when it is not one of them
/// (so opening a link never changes its size behind the person's back).
fn size_choices(current: Settings) -> Vec<(u32, u32)> {
    let mut sizes: Vec<(u32, u32)> = OFFERED_SIZES.to_vec();
    if !sizes.contains(&(current.width, current.height)) {
        sizes.push((current.width, current.height));
    }
    sizes
}

fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes) >> 11, // 53 bits: exact in a JS number too
        Err(_) => js_sys::Date::now() as u64,
    }
}

/// Reads a recipe from the page's URL fragment, if there is one. `Err` carries the
/// message to show.
fn recipe_from_location(may_use_cameo: Callback<String, bool>) -> Option<Result<Recipe, String>> {
    let hash = web_sys::window()?.location().hash().ok()?;
    if hash.len() < 2 {
        return None;
    }
    let decoded = js_sys::decode_uri_component(&hash)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or(hash);
    Some(
        Recipe::from_link(&decoded)
            .and_then(|r| {
                r.check_prompt(PromptPolicy::builtin(), |h| {
                    may_use_cameo.run(h.to_string())
                })?;
                Ok(r)
            })
            .map_err(|e| e.to_string()),
    )
}

/// Settings a fresh page starts with: the model's own size and rate, a random seed.
pub fn initial_settings() -> Settings {
    Settings {
        seed: random_seed(),
        seconds: 2,
        width: 128,
        height: 128,
        steps: 16,
        ..Settings::default()
    }
}

/// Prompt text area, settings, the guardrail verdict and the recipe link.
/// `may_use_cameo(handle)` answers whether this device holds a grant.
#[component]
pub fn PromptBox(
    prompt: RwSignal<String>,
    settings: RwSignal<Settings>,
    may_use_cameo: Callback<String, bool>,
) -> impl IntoView {
    let (link_message, set_link_message) = signal(String::new());
    let (recipe_link, set_recipe_link) = signal(String::new());
    match recipe_from_location(may_use_cameo) {
        Some(Ok(r)) => {
            prompt.set(r.prompt.clone());
            settings.set(r.settings());
            set_link_message.set("Recipe loaded from the link.".into());
        }
        Some(Err(e)) => set_link_message.set(format!("This link could not be used: {e}")),
        None => {}
    }
    // Fixed for the page's life: re-rendering the options would reset the menu's choice.
    let sizes = size_choices(settings.get_untracked());
    let verdict = move || {
        prompt.with(|p| {
            PromptPolicy::builtin().check_with_cameos(p, |h| may_use_cameo.run(h.to_string()))
        })
    };
    let make_link = move |_| {
        let p = prompt.get_untracked();
        if p.trim().is_empty() {
            set_link_message.set("Type a prompt first.".into());
            return;
        }
        let recipe = Recipe::new(&p, settings.get_untracked());
        if let Err(e) = recipe.validate().and_then(|()| {
            recipe.check_prompt(PromptPolicy::builtin(), |h| {
                may_use_cameo.run(h.to_string())
            })
        }) {
            set_recipe_link.set(String::new());
            set_link_message.set(format!("No link: {e}"));
            return;
        }
        let base = web_sys::window()
            .and_then(|w| w.location().href().ok())
            .map(|h| h.split('#').next().unwrap_or_default().to_string())
            .unwrap_or_default();
        set_recipe_link.set(format!("{base}{}", recipe.to_fragment()));
        set_link_message.set(
            "Anyone with this link gets the same prompt, settings and seed. It holds no cameo data: a cameo it mentions works only for people you granted it to."
                .into(),
        );
    };
    let number = move |ev: &leptos::ev::Event, range: std::ops::RangeInclusive<u32>| {
        event_target_value(ev)
            .parse::<u32>()
            .ok()
            .map(|v| v.clamp(*range.start(), *range.end()))
    };
    view! {
        <section class="prompt">
            <label for="prompt">"Describe your clip"</label>
            <textarea
                id="prompt"
                data-testid="prompt"
                rows="3"
                placeholder="a red ball bounces on the grass at sunset, camera pans left slowly, gentle guitar chords"
                prop:value=prompt
                on:input=move |ev| prompt.set(event_target_value(&ev))
            ></textarea>
            <div class="row examples" role="group" aria-label="Example prompts">
                <span>"Try: "</span>
                {EXAMPLE_PROMPTS.iter().map(|&example| view! {
                    <button type="button" class="example" data-testid="example-prompt"
                        on:click=move |_| prompt.set(example.to_string())>{example}</button>
                }).collect_view()}
            </div>
            {move || match verdict() {
                Verdict::Refused(r) => view! {
                    <p class="refusal" role="alert" data-testid="prompt-refusal" data-category=r.category.clone()>
                        <strong>"Refused: " {r.title.clone()}</strong>
                        {format!(" (matched “{}”). {}", r.matched, r.message)}
                    </p>
                }
                .into_any(),
                Verdict::Allowed => ().into_any(),
            }}
            <div class="row settings">
                <label>"Seconds "
                    <input type="number" min={*SECONDS.start()} max={*SECONDS.end()} data-testid="setting-seconds"
                        prop:value=move || settings.get().seconds.to_string()
                        on:change=move |ev| if let Some(v) = number(&ev, SECONDS) { settings.update(|s| s.seconds = v) } />
                </label>
                <label>"fps "
                    <select data-testid="setting-fps" prop:value=move || settings.get().fps.to_string()
                        on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { settings.update(|s| s.fps = v) }>
                        {FPS_CHOICES.iter().map(|f| view! { <option value=f.to_string()>{f.to_string()}</option> }).collect_view()}
                    </select>
                </label>
                <label>"Size "
                    <select data-testid="setting-size"
                        prop:value=move || settings.with(|s| size_value(s.width, s.height))
                        on:change=move |ev| {
                            let picked = event_target_value(&ev);
                            let size = picked.split_once('x').and_then(|(w, h)| Some((w.parse().ok()?, h.parse().ok()?)));
                            if let Some((w, h)) = size { settings.update(|s| { s.width = w; s.height = h; }) }
                        }>
                        {sizes.into_iter().map(|(w, h)| view! {
                            <option value=size_value(w, h)>{size_label(w, h)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label>"Steps "
                    <input type="number" min={*STEPS.start()} max={*STEPS.end()} data-testid="setting-steps"
                        prop:value=move || settings.get().steps.to_string()
                        on:change=move |ev| if let Some(v) = number(&ev, STEPS) { settings.update(|s| s.steps = v) } />
                </label>
                <label>"Seed "
                    <input type="number" min="0" data-testid="setting-seed"
                        prop:value=move || settings.get().seed.to_string()
                        on:change=move |ev| if let Ok(v) = event_target_value(&ev).parse() { settings.update(|s| s.seed = v) } />
                </label>
                <button on:click=move |_| settings.update(|s| s.seed = random_seed())>"New seed"</button>
            </div>
            <div class="row">
                <button data-testid="recipe-make" on:click=make_link>"Recipe link"</button>
                <input type="text" readonly=true data-testid="recipe-link" aria-label="recipe link"
                    prop:value=recipe_link />
            </div>
            <p class="hint" data-testid="recipe-message" role="status">{link_message}</p>
        </section>
    }
}
