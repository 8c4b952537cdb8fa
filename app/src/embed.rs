//! The embeddable player: what a site gets from `<kinora-video>` (`public/embed.js`),
//! which loads this page in a sandboxed iframe as `/?embed=1&prompt=…`. It is the same
//! engine and guardrails as the studio, cut down to a prompt, progress and a looping
//! player with a visible "AI-generated" label; nothing of the visitor's leaves the frame.
//!
//! Query parameters: `prompt` (the text), `autoplay=1` (generate as soon as the model is
//! ready), `controls=1` (an editable prompt and a Generate button; without it the
//! prompt is fixed), `seed=N`, `steps=K`.

use crate::browser::draw_rgb;
use crate::export::OpenClip;
use crate::generate::GeneratePanel;
use crate::webcodecs::sleep_ms;
use kinora_recipe::STEPS;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// What the embedding page asked for.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbedOptions {
    /// The prompt.
    pub prompt: String,
    /// Generate at once.
    pub autoplay: bool,
    /// Show an editable prompt and the Generate button.
    pub controls: bool,
    /// Seed, if fixed.
    pub seed: Option<u64>,
    /// Denoising steps, if set.
    pub steps: Option<u32>,
}

/// Parses a query string (`?a=b&…`); `None` unless it asks for the embed.
pub fn parse_query(query: &str) -> Option<EmbedOptions> {
    let pairs: Vec<(String, String)> = query
        .trim_start_matches('?')
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let decode = |s: &str| {
                js_sys::decode_uri_component(&s.replace('+', " "))
                    .ok()
                    .and_then(|v| v.as_string())
                    .unwrap_or_default()
            };
            (decode(k), decode(v))
        })
        .collect();
    let get = |name: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let on = |name: &str| get(name).is_some_and(|v| v == "1" || v == "true" || v.is_empty());
    if !on("embed") {
        return None;
    }
    Some(EmbedOptions {
        prompt: get("prompt")
            .unwrap_or_default()
            .chars()
            .take(500)
            .collect(),
        autoplay: on("autoplay"),
        controls: on("controls"),
        seed: get("seed").and_then(|s| s.parse().ok()),
        steps: get("steps")
            .and_then(|s| s.parse().ok())
            .filter(|s| STEPS.contains(s)),
    })
}

/// The embed options of this page's URL, if it is an embed.
pub fn from_location() -> Option<EmbedOptions> {
    parse_query(&web_sys::window()?.location().search().ok()?)
}

/// The embed: prompt, generation with progress, and a looping player.
#[component]
pub fn EmbedApp(options: EmbedOptions) -> impl IntoView {
    let clip = RwSignal::new(None);
    provide_context(OpenClip(clip));
    provide_context(crate::engine::Engine::spawn());
    let prompt = RwSignal::new(options.prompt.clone());
    let mut start = crate::prompt::initial_settings();
    if let Some(seed) = options.seed {
        start.seed = seed;
    }
    if let Some(steps) = options.steps {
        start.steps = steps;
    }
    let settings = RwSignal::new(start);
    let player = NodeRef::<Canvas>::new();
    let (playing, set_playing) = signal(true);

    // Loop the open clip's frames at its own rate until another clip opens.
    Effect::new(move |_| {
        let Some(c) = clip.get() else { return };
        spawn_local(async move {
            let mut i = 0usize;
            loop {
                let current =
                    clip.with_untracked(|o| o.as_ref().is_some_and(|o| Arc::ptr_eq(o, &c)));
                let Some(canvas) = player.get_untracked() else {
                    break;
                };
                if !current || c.frames.is_empty() {
                    break;
                }
                if playing.get_untracked() {
                    let frame = i % c.frames.len();
                    draw_rgb(
                        &canvas,
                        &c.frames[frame],
                        c.width as usize,
                        c.height as usize,
                    );
                    canvas.set_attribute("data-frame", &frame.to_string()).ok();
                    i += 1;
                }
                sleep_ms(1000.0 / f64::from(c.fps.max(1))).await;
            }
        });
    });

    let controls = options.controls;
    view! {
        <main class="embed" data-controls=controls.to_string()
            data-has-clip=move || clip.with(Option::is_some).to_string()>
            {if controls {
                view! {
                    <textarea class="embed-prompt" data-testid="prompt" aria-label="Describe the clip" rows="2"
                        prop:value=move || prompt.get()
                        on:input=move |ev| prompt.set(event_target_value(&ev))></textarea>
                }.into_any()
            } else {
                view! { <p class="embed-prompt" data-testid="embed-prompt">{options.prompt.clone()}</p> }.into_any()
            }}
            <GeneratePanel prompt settings autostart=options.autoplay embedded=true />
            <div class="embed-player" hidden=move || clip.with(Option::is_none)>
                <canvas data-testid="embed-player" node_ref=player width="128" height="128"
                    aria-label=move || format!("AI-generated clip: {}", prompt.get())></canvas>
                <span class="ai-label" aria-hidden="true">"AI-generated · Kinora"</span>
                <button data-testid="embed-play" on:click=move |_| set_playing.update(|p| *p = !*p)>
                    {move || if playing.get() { "Pause" } else { "Play" }}
                </button>
            </div>
            <p class="hint">"Made on this device with Kinora. Nothing leaves it."</p>
        </main>
    }
}
