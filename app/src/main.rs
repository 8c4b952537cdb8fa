//! Kinora's web UI (Leptos CSR, built by Trunk). The page owns the state (the consent
//! vault); components below stay small and read it through context.

mod browser;
mod cameos;
mod export;
mod gallery;
mod panic_banner;
mod prompt;
mod status;
mod storage;
mod tabs;
mod webcodecs;

use cameos::VaultSignal;
use kinora_consent::signed::Use;
use kinora_consent::vault::Vault;
use leptos::prelude::*;

fn main() {
    panic_banner::install();
    leptos::mount::mount_to_body(App);
}

/// Loads the vault from IndexedDB, or starts a new one. A saved vault that cannot be read
/// is set aside under another key, never overwritten.
async fn load_vault() -> Result<(Vault, Option<String>), String> {
    match storage::get("vault").await? {
        Some(text) => match Vault::from_json(&text) {
            Ok(v) => Ok((v, None)),
            Err(e) => {
                let aside = format!("vault-unreadable-{}", browser::now());
                storage::put(&aside, &text).await?;
                let v = Vault::new().map_err(|e| e.to_string())?;
                Ok((
                    v,
                    Some(format!(
                        "Your saved cameo data could not be read ({e}); it was kept as “{aside}” and a new one started."
                    )),
                ))
            }
        },
        None => Ok((Vault::new().map_err(|e| e.to_string())?, None)),
    }
}

/// The product shell: title, prompt box, the clip panel (export), the gallery, device
/// status, and cameos.
#[component]
fn App() -> impl IntoView {
    let vault: VaultSignal = RwSignal::new(None);
    let prompt = RwSignal::new(String::new());
    let (notice, set_notice) = signal(String::new());
    let gallery = gallery::Gallery::new();
    provide_context(vault);
    provide_context(gallery);
    leptos::task::spawn_local(async move {
        match load_vault().await {
            Ok((v, warning)) => {
                vault.set(Some(v));
                cameos::save(vault, set_notice);
                if let Some(w) = warning {
                    set_notice.set(w);
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
        // Decode the prompt classifier (weights and word vectors, a few MB) now, while the
        // page settles, rather than on the first keystroke.
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
            <prompt::PromptBox prompt may_use_cameo />
            <export::ExportPanel prompt />
            <gallery::GalleryPanel />
            <status::StatusPanel />
            <cameos::CameoPanel />
        </main>
    }
}
