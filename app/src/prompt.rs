//! The prompt box. Every keystroke runs the prompt guardrails (cheap, local), so a
//! disallowed prompt is refused with its reason before any compute could start.
//! Generation itself is honestly disabled until trained models ship.

use kinora_engine::safety::{PromptPolicy, Verdict};
use leptos::prelude::*;

/// Prompt text area, the guardrail verdict, and a Generate button that says why it is
/// disabled. `may_use_cameo(handle)` answers whether this device holds a grant.
#[component]
pub fn PromptBox(may_use_cameo: Callback<String, bool>) -> impl IntoView {
    let (prompt, set_prompt) = signal(String::new());
    let verdict = move || {
        prompt.with(|p| {
            PromptPolicy::builtin().check_with_cameos(p, |h| may_use_cameo.run(h.to_string()))
        })
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
                on:input=move |ev| set_prompt.set(event_target_value(&ev))
            ></textarea>
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
            <button data-testid="generate" disabled=true title="models not yet available">
                "Generate"
            </button>
            <span class="hint" data-testid="generate-hint">"Models not yet available."</span>
        </section>
    }
}
