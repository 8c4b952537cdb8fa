//! Kinora's web UI (Leptos CSR, built by Trunk). The page owns the state; components
//! below stay small and read it.

mod panic_banner;
mod prompt;
mod status;

use leptos::prelude::*;

fn main() {
    panic_banner::install();
    leptos::mount::mount_to_body(App);
}

/// The product shell: title, prompt box, and the device status panel.
#[component]
fn App() -> impl IntoView {
    view! {
        <main class="shell">
            <header>
                <h1>"Kinora"</h1>
                <p class="tagline">"Text → video with sound, generated on your own device. Nothing leaves this page."</p>
            </header>
            <prompt::PromptBox />
            <status::StatusPanel />
        </main>
    }
}
