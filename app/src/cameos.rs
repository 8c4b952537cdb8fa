//! The cameo panel: create your own cameo from a photo, grant it to another device,
//! revoke it, and import grants or revocations others send you. Also says plainly what
//! a system that runs only on this device can and cannot enforce.
//!
//! The vault (keys, cameos, grants) is owned by the page (`App`) and reached here through
//! context; every change is saved to IndexedDB on this device. The steps themselves
//! (handle checks, what a consent file is, the grant's scope and length) are
//! `kinora_studio::cameos`.

use crate::browser::{download_text, file_text, image_rgba, input_of, now, picked_file};
use crate::error::AppError;
use crate::gallery::Gallery;
use crate::vault_store::{VaultSignal, save, save_now};
use kinora_consent::appearance::Appearance;
use kinora_consent::vault::Vault;
use kinora_studio::StudioError;
use kinora_studio::cameos::{self as steps, DEFAULT_GRANT_DAYS, GRANT_DAYS, Imported};
use leptos::prelude::*;
use leptos::task::spawn_local;

fn hex_color(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

fn swatches(a: Appearance) -> impl IntoView {
    [("skin", a.skin), ("hair", a.hair), ("clothing", a.clothing)]
        .into_iter()
        .map(|(name, c)| {
            view! { <span class="swatch" title=name style:background=hex_color(c)></span> }
        })
        .collect_view()
}

/// The whole cameo panel.
#[component]
pub fn CameoPanel() -> impl IntoView {
    let vault = expect_context::<VaultSignal>();
    let gallery = expect_context::<Gallery>();
    let (status, set_status) = signal(String::new());
    let (handle, set_handle) = signal(String::new());
    let (keep_photo, set_keep_photo) = signal(false);
    let photo = RwSignal::new(None::<web_sys::File>);

    let create = move |_| {
        let Some(file) = photo.get_untracked() else {
            set_status.set("Pick a photo first.".into());
            return;
        };
        let handle = handle.get_untracked();
        let keep = keep_photo.get_untracked();
        set_status.set("Reading the photo on this device…".into());
        spawn_local(async move {
            let result = async {
                let (rgba, w, h) = image_rgba(&file, 128).await.map_err(AppError::Browser)?;
                let appearance = Appearance::from_rgba(&rgba, w, h)?;
                let created = vault
                    .try_update(|v| {
                        let v = v.as_mut().ok_or(StudioError::KeysLoading)?;
                        Ok::<_, AppError>(steps::create(
                            v,
                            &handle,
                            appearance,
                            keep.then_some(rgba),
                        )?)
                    })
                    .unwrap_or(Err(StudioError::KeysLoading.into()))?;
                Ok::<_, AppError>(created)
            }
            .await;
            match result {
                Ok(handle) => {
                    set_status.set(format!(
                        "Cameo @{handle} created. {}",
                        if keep {
                            "The photo is kept on this device."
                        } else {
                            "The photo was not kept."
                        }
                    ));
                    save(vault, set_status);
                }
                Err(e) => set_status.set(format!("Could not create the cameo: {e}")),
            }
        });
    };

    let import = move |ev: leptos::ev::Event| {
        let Some(file) = input_of(&ev).as_ref().and_then(picked_file) else {
            return;
        };
        spawn_local(async move {
            let mut shredded = Vec::new();
            let message = match file_text(&file).await {
                Err(e) => format!("Could not read the file: {e}"),
                Ok(text) => match vault
                    .try_update(|v| v.as_mut().map(|v| steps::import(v, &text, now())))
                    .flatten()
                {
                    None => "Still loading, try again.".into(),
                    Some(Ok(Imported::Revocation { shredded_clips })) => {
                        shredded = shredded_clips;
                        format!(
                            "Revocation imported: that cameo can no longer be used here; {} clip(s) that used it were made unreadable.",
                            shredded.len()
                        )
                    }
                    Some(Ok(Imported::Grant { handle })) => {
                        format!("Grant imported: you may now use @{handle}.")
                    }
                    // Says "Grant refused: …" or "Revocation refused: …".
                    Some(Err(e)) => e.to_string(),
                },
            };
            set_status.set(message);
            // Save the vault (the key is already gone from memory, so the clips cannot
            // be opened either way), then delete the clips themselves. If saving fails the
            // revocation must be imported again after a reload; say so.
            if let Err(e) = save_now(vault).await {
                set_status.set(format!(
                    "Could not save on this device ({e}); import the file again after reloading."
                ));
            }
            gallery.purge(vault, shredded).await;
        });
    };

    let device_key = move || vault.with(|v| v.as_ref().map(Vault::device_key).unwrap_or_default());
    let owned = move || {
        vault.with(|v| {
            v.as_ref()
                .map(|v| {
                    v.owned()
                        .iter()
                        .map(|(id, c)| (id.clone(), c.handle.clone(), c.appearance))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        })
    };
    let granted = move || vault.with(|v| v.as_ref().map(|v| v.grants(now())).unwrap_or_default());

    view! {
        <section class="cameos" data-testid="cameo-panel">
            <h2>"Cameos"</h2>
            <p>
                "A real person's likeness appears only through a cameo its owner made and granted. "
                "Prompts mention a cameo as " <code>"@handle"</code> "."
            </p>
            <details class="limits-of-local" data-testid="enforcement-note">
                <summary>"What this device can and cannot enforce"</summary>
                <ul>
                    <li>"Can: refuse prompts naming a cameo you hold no valid grant for, check every grant's signature, grantee and expiry, and apply a revocation the moment you import it."</li>
                    <li>"Can: make clips that used a revoked cameo unreadable on this device — their encryption key is destroyed, so even a backup of the files cannot be opened here."</li>
                    <li>"Cannot: reach copies already downloaded, shared or uploaded elsewhere, or devices that never import the revocation."</li>
                    <li>"Cannot: prove that a photo shows its owner. Someone could make a cameo from another person's photo; the clip's credentials name who made it."</li>
                    <li>"Can: delete from this device every clip that used a revoked cameo (Your clips), and refuse a second person's grant for a handle already used here — handles are chosen by their owners, so two people may both be @alice elsewhere."</li>
                    <li>"Cannot: recognise every real person. Prompts are refused when they name one of 1,433 public figures or look like a real person's name (a given name with a surname, “my neighbour Sam”); a name it does not know gets through."</li>
                    <li>"Nothing here is sent anywhere: keys, photos, grants and clips stay on this device unless you download and share a file yourself."</li>
                </ul>
            </details>
            <p class="device-key">
                "Your device key (give it to a cameo owner so they can grant you): "
                <code data-testid="device-key">{device_key}</code>
            </p>

            <h3>"Create your cameo"</h3>
            <div class="row">
                <input data-testid="cameo-handle" placeholder="handle, e.g. alice" aria-label="cameo handle"
                    on:input=move |ev| set_handle.set(event_target_value(&ev)) />
                <input data-testid="cameo-photo" type="file" accept="image/*" aria-label="photo for your cameo"
                    on:change=move |ev| photo.set(input_of(&ev).as_ref().and_then(picked_file)) />
                <label><input data-testid="cameo-keep-photo" type="checkbox"
                    on:change=move |ev| set_keep_photo.set(event_target_checked(&ev)) />" keep the photo"</label>
                <button data-testid="cameo-create" on:click=create>"Create cameo"</button>
            </div>
            <p class="status" role="status" data-testid="cameo-status">{status}</p>

            <h3>"Your cameos"</h3>
            <ul data-testid="owned-cameos">
                <For each=owned key=|(id, _, _)| id.clone() let:item>
                    <OwnedCameo id=item.0 handle=item.1 appearance=item.2 status=set_status />
                </For>
            </ul>

            <h3>"Cameos granted to you"</h3>
            <ul data-testid="granted-cameos">
                {move || granted().into_iter().map(|g| view! {
                    <li data-usable=g.problem.is_none().to_string() data-handle=g.handle.clone()>
                        {format!("@{} — until {} — {}", g.handle,
                            js_sys::Date::new(&((g.expires_at * 1000) as f64).into()).to_iso_string(),
                            g.problem.as_ref().map_or("usable".to_string(), |p| p.to_string()))}
                    </li>
                }).collect_view()}
            </ul>

            <h3>"Import a grant or revocation"</h3>
            <input data-testid="consent-import" type="file" accept=".json,application/json"
                aria-label="grant or revocation file to import" on:change=import />
        </section>
    }
}

/// One owned cameo with its grant form and revoke button.
#[component]
fn OwnedCameo(
    id: String,
    handle: String,
    appearance: Appearance,
    status: WriteSignal<String>,
) -> impl IntoView {
    let vault = expect_context::<VaultSignal>();
    let gallery = expect_context::<Gallery>();
    let (grantee, set_grantee) = signal(String::new());
    let (days, set_days) = signal(DEFAULT_GRANT_DAYS);
    let grant_id = id.clone();
    let grant_handle = handle.clone();
    let grant = move |_| {
        let t = now();
        let result = vault.with_untracked(|v| {
            v.as_ref().map(|v| {
                steps::issue_grant(
                    v,
                    &grant_id,
                    &grantee.get_untracked(),
                    t,
                    days.get_untracked(),
                )
            })
        });
        match result {
            Some(Ok(g)) => {
                match download_text(&steps::grant_file_name(&grant_handle), &g.to_json()) {
                    Ok(()) => status.set(format!(
                        "Grant file for @{grant_handle} downloaded. Send it to the grantee."
                    )),
                    Err(e) => status.set(format!("Could not offer the download: {e}")),
                }
            }
            Some(Err(e)) => status.set(format!("Could not grant: {e}")),
            None => status.set("Still loading, try again.".into()),
        }
    };
    let revoke_handle = handle.clone();
    let revoke = move |_| {
        let result = vault
            .try_update(|v| v.as_mut().map(|v| steps::revoke(v, &id, now())))
            .flatten();
        match result {
            Some(Ok((r, shredded))) => {
                let _ = download_text(&steps::revocation_file_name(&revoke_handle), &r.to_json());
                status.set(format!(
                    "@{revoke_handle} revoked here. Send the downloaded revocation file to everyone you granted it to."
                ));
                spawn_local(async move {
                    if let Err(e) = save_now(vault).await {
                        status.set(format!("Could not save on this device: {e}"));
                    }
                    gallery.purge(vault, shredded).await;
                });
            }
            Some(Err(e)) => status.set(format!("Could not revoke: {e}")),
            None => status.set("Still loading, try again.".into()),
        }
    };
    view! {
        <li class="owned" data-handle=handle.clone()>
            <strong>{format!("@{handle}")}</strong> " " {swatches(appearance)}
            <div class="row">
                <input data-testid="grant-grantee" placeholder="grantee's device key"
                    on:input=move |ev| set_grantee.set(event_target_value(&ev)) />
                <input data-testid="grant-days" type="number" min={*GRANT_DAYS.start()} max={*GRANT_DAYS.end()}
                    value=DEFAULT_GRANT_DAYS
                    on:input=move |ev| set_days.set(steps::grant_days(&event_target_value(&ev))) />
                " days "
                <button data-testid="grant-download" on:click=grant>"Download grant"</button>
                <button data-testid="cameo-revoke" on:click=revoke>"Revoke"</button>
            </div>
        </li>
    }
}
