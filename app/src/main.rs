//! Kinora's web UI (Leptos CSR, built by Trunk). The page owns the state (the consent
//! vault); components below stay small and read it through context.

mod browser;
mod cameos;
mod embed;
mod engine;
mod error;
mod export;
mod gallery;
mod generate;
mod panic_banner;
mod prompt;
mod report;
mod status;
mod storage;
mod tabs;
mod vault_store;
mod webcodecs;

use kinora_consent::signed::Use;
use kinora_consent::vault::Vault;
use leptos::prelude::*;
use vault_store::VaultSignal;

fn main() {
    panic_banner::install();
    match embed::from_location() {
        Some(options) => {
            leptos::mount::mount_to_body(move || view! { <embed::EmbedApp options /> })
        }
        None => leptos::mount::mount_to_body(App),
    }
}

/// The product shell: title, prompt box, the Generate panel (the video model in the
/// engine worker beside this page), the finalize report of the open clip, the clip panel (export), the gallery,
/// device status, and cameos.
#[component]
fn App() -> impl IntoView {
    let vault: VaultSignal = RwSignal::new(None);
    let prompt = RwSignal::new(String::new());
    let (notice, set_notice) = signal(String::new());
    let gallery = gallery::Gallery::new();
    let settings = RwSignal::new(prompt::initial_settings());
    provide_context(export::OpenClip(RwSignal::new(None)));
    // The engine worker starts now: the model loads while the page settles.
    provide_context(engine::Engine::spawn());
    provide_context(report::ClipReport(RwSignal::new(None)));
    provide_context(vault);
    provide_context(gallery);
    leptos::task::spawn_local(async move {
        match vault_store::load(browser::now()).await {
            Ok((v, set_aside)) => {
                vault.set(Some(v));
                vault_store::save(vault, set_notice);
                if let Some(vault_store::SetAside { error, kept_as }) = set_aside {
                    set_notice.set(format!(
                        "Your saved cameo data could not be read ({error}); it was kept as “{kept_as}” and a new one started."
                    ));
                }
            }
            Err(e) => {
                // Still usable for this visit; say that nothing will be remembered.
                vault.set(Vault::new().ok());
                set_notice.set(format!(
                    "This browser's storage is unavailable ({e}); cameos will not be remembered."
                ));
            }
        }
        // After the vault: the gallery needs it to tell which sealed clips still open.
        gallery.load(vault).await;
        tabs::follow(vault, gallery, set_notice);
        // Decode the prompt classifier's n-gram weights now, while the page settles, rather
        // than on the first keystroke (the word convolution joins it when its files arrive
        // with the model, see engine.rs).
        let _ = kinora_safety::classifier::PromptClassifier::builtin();
    });
    let may_use_cameo = Callback::new(move |handle: String| {
        vault.with(|v| {
            v.as_ref()
                .is_some_and(|v| v.authorize(&handle, Use::Generate, browser::now()).is_ok())
        })
    });
    view! {
        <main class="shell">
            <header>
                <h1>"Kinora"</h1>
                <p class="tagline">"Text → video with sound, generated on your own device. Nothing leaves this page."</p>
            </header>
            <p class="notice" data-testid="notice">{notice}</p>
            <prompt::PromptBox prompt settings may_use_cameo />
            <generate::GeneratePanel prompt settings />
            <report::ReportPanel />
            <export::ExportPanel prompt settings />
            <gallery::GalleryPanel />
            <status::StatusPanel />
            <cameos::CameoPanel />
        </main>
    }
}
