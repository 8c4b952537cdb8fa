//! The prompt box. Generation is honestly disabled until trained models ship.

use leptos::prelude::*;

/// Prompt text area and a Generate button that says why it is disabled.
#[component]
pub fn PromptBox() -> impl IntoView {
    let (prompt, set_prompt) = signal(String::new());
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
            <button data-testid="generate" disabled=true title="models not yet available">
                "Generate"
            </button>
            <span class="hint" data-testid="generate-hint">"Models not yet available."</span>
        </section>
    }
}
