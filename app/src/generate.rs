//! The Generate panel: the shipped video model makes a clip in the engine worker
//! (`crate::engine`; burn's CPU backend compiled to wasm, which on this project's machines
//! measured faster than a software WebGPU adapter), one denoising step at a time, with a
//! progress bar, a live preview and Cancel, while this page stays responsive. The audio
//! model then makes the clip's soundtrack from the prompt and the objects' tracks (unless
//! Sound is off). The clip it makes goes to the Clip panel, which exports it labelled,
//! watermarked and signed, like any clip.

use crate::browser::{draw_rgb, now_ms};
use crate::engine::{Engine, ModelState, megabytes};
use crate::export::OpenClip;
use futures::StreamExt;
use kinora_media::clip::{Clip, resize_rgb};
use kinora_protocol::{
    CameraChoice, FromEngine, Job, Made, RunError, RunRequest, SOUND_STEPS, Speed, Stage,
};
use kinora_recipe::Settings;
use kinora_safety::{PromptPolicy, Verdict};
use kinora_studio::edits::{MAX_LINE_CHARS, replace_label, with_spoken_line};
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// Guidance the model card found best.
const GUIDANCE: f32 = 2.0;
/// Remix strength the model card found best for edits that keep the motion.
const REMIX_STRENGTH: f32 = 0.9;

/// The remix quick edits: label, test id, and the attribute group whose word each rewrites.
const QUICK_EDITS: [(&str, &str, &str); 3] = [
    ("Colour ", "edit-colour", "object1_colour"),
    ("Object ", "edit-object", "object1_kind"),
    ("Ground ", "edit-ground", "ground"),
];

/// What the status says while it plans.
fn starting(job: Job) -> &'static str {
    match job {
        Job::Generate => "Reading the prompt and planning the motion…",
        Job::Remix { .. } => "Reading the edited prompt; the motion stays…",
        Job::Extend { .. } => "Reading the prompt and continuing the motion…",
    }
}

/// What it made, for the status line.
fn made_word(job: Job) -> &'static str {
    match job {
        Job::Generate => "Generated",
        Job::Remix { .. } => "Remixed:",
        Job::Extend { .. } => "Extended:",
    }
}

/// Preview every this many steps (each costs about a sixth of the final decode).
const PREVIEW_EVERY: usize = 4;

/// "Loading the video model: 3.1 MB of 8.4 MB (2.5 MB/s, about 2 s left)…": the rate and
/// time left once a quarter second of download gives a rate worth showing.
fn loading_status(f: kinora_protocol::Fetched, elapsed_ms: f64) -> String {
    let done = f.network + f.cached;
    let mut line = format!(
        "Loading the video model: {} of {}",
        megabytes(done),
        megabytes(f.total)
    );
    if f.network > 0 && elapsed_ms > 250.0 {
        let rate = f.network as f64 / (elapsed_ms / 1000.0);
        let left = f.total.saturating_sub(done) as f64 / rate;
        line.push_str(&format!(
            " ({:.1} MB/s, about {:.0} s left)",
            rate / 1e6,
            left.ceil()
        ));
    }
    line + "…"
}

/// The Generate panel. `settings` are the prompt box's (seed, length, size, steps).
#[component]
pub fn GeneratePanel(
    prompt: RwSignal<String>,
    settings: RwSignal<Settings>,
    /// Start generating as soon as the model is ready (the embed's `autoplay`).
    #[prop(optional)]
    autostart: bool,
    /// Inside the embed: no Clip panel below to point at.
    #[prop(optional)]
    embedded: bool,
) -> impl IntoView {
    let open_clip = expect_context::<OpenClip>();
    let engine = expect_context::<Engine>();
    let state = engine.model;
    let speed = engine.speed;
    let (busy, set_busy) = signal(false);
    let (progress, set_progress) = signal((0usize, 0usize));
    let (status, set_status) = signal(String::new());
    // The last run's milliseconds per stage (read by the browser benchmark).
    let timings = RwSignal::new(None::<kinora_protocol::StageTimes>);
    let preview = NodeRef::<Canvas>::new();
    // Explicit controls beside the prompt: the camera (None: as the prompt says) and how
    // strongly to follow the prompt.
    let camera = RwSignal::new(None::<CameraChoice>);
    let guidance = RwSignal::new(GUIDANCE);
    let sound_on = RwSignal::new(true);
    // What the character says (quoted into the prompt when Generate is pressed).
    let spoken = RwSignal::new(String::new());
    // The model's labels of an attribute group (empty until it is ready).
    let labels = move |group: &str| {
        state.with(|s| {
            s.info()
                .and_then(|i| i.labels.get(group).cloned())
                .unwrap_or_default()
        })
    };

    // The worker keeps the clip made last (its latents and plan): what Remix and Extend
    // work on. Their prompts are filled from the clip's.
    let (has_clip, set_has_clip) = signal(false);
    let remix_prompt = RwSignal::new(String::new());
    let remix_strength = RwSignal::new(REMIX_STRENGTH);
    let extend_prompt = RwSignal::new(String::new());
    let extend_seconds = RwSignal::new(2.0f32);

    let run_job = move |job: Job, text: String| {
        if text.trim().is_empty() {
            set_status.set("Type a prompt first.".into());
            return;
        }
        if let Verdict::Refused(r) = PromptPolicy::builtin().check(&text) {
            set_status.set(format!(
                "Refused before any compute: {}. {}",
                r.title, r.message
            ));
            return;
        }
        let Some(info) = state.with_untracked(|s| s.info().cloned()) else {
            set_status.set("The model is not ready yet.".into());
            return;
        };
        let s = settings.get_untracked();
        if s.fps != info.fps {
            set_status.set(format!(
                "This model makes {} fps clips: choose {} fps.",
                info.fps, info.fps
            ));
            return;
        }
        set_busy.set(true);
        let request = RunRequest {
            job,
            text: text.clone(),
            seconds: s.seconds as f32,
            steps: s.steps as usize,
            guidance: guidance.get_untracked(),
            seed: s.seed,
            camera: camera.get_untracked(),
            sound: sound_on.get_untracked() && info.has_sound,
            sound_steps: SOUND_STEPS,
            preview_every: PREVIEW_EVERY,
            aspect: (s.width != s.height).then_some((s.width, s.height)),
        };
        spawn_local(async move {
            let started = now_ms();
            let predicted = speed.get_untracked();
            set_status.set(starting(job).into());
            let mut replies = engine.run(request);
            let mut made = Err(RunError::Engine(
                "the engine stopped without an answer".into(),
            ));
            while let Some(reply) = replies.next().await {
                match reply {
                    FromEngine::Stage(Stage::Planning) => set_status.set(starting(job).into()),
                    FromEngine::Stage(Stage::Denoising) => set_status.set("Denoising…".into()),
                    FromEngine::Stage(Stage::Decoding) => {
                        set_status.set("Decoding the frames…".into())
                    }
                    FromEngine::Stage(Stage::Sound) => set_status.set("Making the sound…".into()),
                    FromEngine::Progress { step, of } => set_progress.set((step, of)),
                    FromEngine::Preview { rgb, width, height } => {
                        if let Some(canvas) = preview.get_untracked() {
                            draw_rgb(&canvas, &rgb, width, height);
                        }
                    }
                    FromEngine::Made(m) => {
                        made = Ok(m);
                        break;
                    }
                    FromEngine::Failed(e) => {
                        made = Err(e);
                        break;
                    }
                    _ => {}
                }
            }
            set_busy.set(false);
            let made: Made = match made {
                Ok(m) => m,
                Err(e) => {
                    set_status.set(e.to_string());
                    return;
                }
            };
            let (width, height) = (s.width as usize, s.height as usize);
            let native = made.frame_list();
            if let (Some(canvas), Some(last)) = (preview.get_untracked(), native.last()) {
                draw_rgb(&canvas, last, made.width, made.height);
            }
            let clip = Clip {
                width: s.width,
                height: s.height,
                fps: made.fps,
                frames: native
                    .iter()
                    .map(|f| resize_rgb(f, made.width, made.height, width, height))
                    .collect(),
                sample_rate: made.sample_rate,
                audio: made.samples(),
            };
            set_has_clip.set(true);
            timings.set(Some(made.stages));
            let understood: Vec<String> = made
                .reading
                .attributes
                .iter()
                .filter(|(_, l, _)| l != "none")
                .take(4)
                .map(|(g, l, _)| format!("{g} {l}"))
                .collect();
            let heard = if clip.audio.is_empty() {
                "Silent (sound is off)."
            } else {
                "With its sound."
            };
            let next = if embedded {
                heard.to_string()
            } else {
                format!("{heard} Export it below: labelled, watermarked and signed.")
            };
            if job == Job::Generate {
                remix_prompt.set(text.clone());
                extend_prompt.set(text.clone());
            }
            let said = match (&made.reading.line, clip.audio.is_empty()) {
                (Some(line), false) => format!(" Says \"{line}\"."),
                (Some(_), true) => " The line is not voiced: sound is off.".to_string(),
                (None, _) => String::new(),
            };
            set_status.set(format!(
                "{} {} frames ({:.1} s of video) in {:.1} s on this device; read as: {}, camera {}.{said} {next}",
                made_word(job),
                clip.frames.len(),
                clip.duration(),
                (now_ms() - started) / 1000.0,
                understood.join(", "),
                made.reading.camera
            ));
            if job == Job::Generate {
                let seconds = f64::from(s.seconds);
                // Refit the calibration to this run, or (when the calibration gave way
                // to it) take the speed from this run alone.
                let refit = match predicted {
                    Some(p) => Some(p.refit(seconds, s.steps, &made.stages)),
                    None => Speed::from_run(seconds, s.steps, &made.stages),
                };
                if refit.is_some() {
                    speed.set(refit);
                }
            }
            open_clip.0.set(Some(Arc::new(clip)));
        });
    };

    // The spoken line goes into the prompt itself (quoted), so the recipe link, the
    // export's credentials and the gallery keep it with everything else the clip was
    // made from; the box empties, having done its job.
    let generate = move || {
        let line = spoken.get_untracked();
        if !line.trim().is_empty() {
            prompt.set(with_spoken_line(&prompt.get_untracked(), &line));
            spoken.set(String::new());
        }
        run_job(Job::Generate, prompt.get_untracked())
    };
    // A quick edit rewrites the remix prompt's first word of that kind.
    let edit = move |group: &str, value: String| {
        let labels = state.with_untracked(|s| {
            s.info()
                .and_then(|i| i.labels.get(group).cloned())
                .unwrap_or_default()
        });
        match replace_label(&remix_prompt.get_untracked(), &labels, &value) {
            Some(p) => remix_prompt.set(p),
            None => set_status.set(format!(
                "The prompt names no {} this edit knows: change the words yourself.",
                group.rsplit('_').next().unwrap_or(group)
            )),
        }
    };
    let labels_of = move |group: &'static str| {
        move || {
            labels(group)
                .into_iter()
                .filter(|l| l != "none")
                .map(|l| view! { <option value=l.clone()>{l.replace('_', " ")}</option> })
                .collect_view()
        }
    };

    let ready = move || matches!(state.get(), ModelState::Ready(..));
    if autostart {
        let started = StoredValue::new(false);
        Effect::new(move |_| {
            if ready() && !started.get_value() {
                started.set_value(true);
                generate();
            }
        });
    }
    view! {
        <section class="generate" data-testid="generate-panel">
            <div class="row">
                <button data-testid="generate" on:click=move |_| generate()
                    disabled=move || !ready() || busy.get()>
                    "Generate"
                </button>
                <Show when=move || busy.get()>
                    <button data-testid="generate-cancel" on:click=move |_| engine.cancel()>"Cancel"</button>
                </Show>
                <span class="hint" data-testid="generate-estimate">
                    {move || speed.get().filter(|_| !busy.get()).map(|sp| {
                        let s = settings.get();
                        let sound = sound_on.get() && sp.sound_ms.is_some();
                        format!(
                            "About {:.1} s on this device for {} s at {} steps{}. ",
                            sp.estimate(f64::from(s.seconds), s.steps, sound),
                            s.seconds,
                            s.steps,
                            if sound { " with its sound" } else { "" }
                        )
                    })}
                </span>
                <span class="hint" data-testid="model-status" role="status">
                    {move || match state.get() {
                        ModelState::Loading(f, ms) if f.total > 0 => loading_status(f, ms),
                        ModelState::Loading(..) => "Loading the video model…".to_string(),
                        ModelState::Ready(_, m) | ModelState::Failed(m) => m,
                    }}
                </span>
            </div>
            <div class="row">
                <label>"Camera "
                    <select data-testid="setting-camera" on:change=move |ev| {
                        let v = event_target_value(&ev);
                        camera.update(|c| {
                            *c = (!v.is_empty()).then(|| CameraChoice {
                                motion: v,
                                speed: c.as_ref().map_or_else(|| "slow".to_string(), |c| c.speed.clone()),
                            });
                        });
                    }>
                        <option value="">"as the prompt says"</option>
                        {move || {
                            labels("camera")
                                .into_iter()
                                .map(|l| view! { <option value=l.clone()>{l.replace('_', " ")}</option> })
                                .collect_view()
                        }}
                    </select>
                </label>
                <label>"Camera speed "
                    <select data-testid="setting-camera-speed" disabled=move || camera.with(Option::is_none)
                        on:change=move |ev| {
                            let v = event_target_value(&ev);
                            camera.update(|c| if let Some(c) = c { c.speed = v; });
                        }>
                        <option value="slow">"slow"</option>
                        <option value="fast">"fast"</option>
                    </select>
                </label>
                <label class="grow">"Spoken line "
                    <input type="text" data-testid="setting-line" maxlength=MAX_LINE_CHARS
                        placeholder="what the character says (optional)"
                        prop:value=move || spoken.get()
                        on:input=move |ev| spoken.set(event_target_value(&ev)) />
                </label>
                <label>
                    <input type="checkbox" data-testid="setting-sound"
                        prop:checked=move || sound_on.get()
                        on:change=move |ev| sound_on.set(event_target_checked(&ev)) />
                    " Sound"
                </label>
                <label>"Guidance "
                    <input type="number" min="1" max="10" step="0.5" data-testid="setting-guidance"
                        prop:value=move || guidance.get().to_string()
                        on:change=move |ev| {
                            if let Ok(g) = event_target_value(&ev).parse::<f32>() {
                                guidance.set(g.clamp(1.0, 10.0));
                            }
                        } />
                </label>
            </div>
            <Show when=move || busy.get()>
                <progress data-testid="generate-progress"
                    max=move || progress.get().1.max(1) value=move || progress.get().0></progress>
                <span>{move || format!(" step {} of {}", progress.get().0, progress.get().1)}</span>
            </Show>
            <Show when=move || has_clip.get() && !embedded>
                <fieldset class="change" data-testid="change-clip">
                    <legend>"Change this clip"</legend>
                    <div class="row">
                        <label class="grow">"Remix prompt "
                            <input type="text" data-testid="remix-prompt" prop:value=move || remix_prompt.get()
                                on:input=move |ev| remix_prompt.set(event_target_value(&ev)) />
                        </label>
                    </div>
                    <div class="row">
                        {QUICK_EDITS.into_iter().map(|(label, testid, group)| view! {
                            <label>{label}
                                <select data-testid=testid on:change=move |ev| edit(group, event_target_value(&ev))>
                                    <option value="" selected=true disabled=true>"change to…"</option>
                                    {labels_of(group)}
                                </select>
                            </label>
                        }).collect_view()}
                        <label>"Strength "
                            <input type="range" min="0.3" max="1" step="0.05" data-testid="remix-strength"
                                prop:value=move || remix_strength.get().to_string()
                                on:input=move |ev| {
                                    if let Ok(v) = event_target_value(&ev).parse::<f32>() {
                                        remix_strength.set(v.clamp(0.3, 1.0));
                                    }
                                } />
                            {move || format!(" {:.2}", remix_strength.get())}
                        </label>
                        <button data-testid="remix" disabled=move || !ready() || busy.get() on:click=move |_| run_job(Job::Remix { strength: remix_strength.get_untracked() }, remix_prompt.get_untracked())>"Remix"</button>
                    </div>
                    <div class="row">
                        <label class="grow">"Then "
                            <input type="text" data-testid="extend-prompt" prop:value=move || extend_prompt.get()
                                on:input=move |ev| extend_prompt.set(event_target_value(&ev)) />
                        </label>
                        <label>"for "
                            <select data-testid="extend-seconds" on:change=move |ev| {
                                if let Ok(v) = event_target_value(&ev).parse::<f32>() { extend_seconds.set(v); }
                            }>
                                <option value="2">"2 s"</option>
                                <option value="3">"3 s"</option>
                                <option value="4">"4 s"</option>
                                <option value="5">"5 s"</option>
                            </select>
                        </label>
                        <button data-testid="extend" disabled=move || !ready() || busy.get() on:click=move |_| run_job(Job::Extend { seconds: extend_seconds.get_untracked() }, extend_prompt.get_untracked())>"Extend"</button>
                    </div>
                    <p class="hint">"Remix keeps the motion and redraws what the edited prompt says (a higher strength changes more); Extend continues the clip, and the result is the whole, longer clip."</p>
                </fieldset>
            </Show>
            <canvas class="preview" data-testid="generate-preview" node_ref=preview width="64" height="64"
                aria-label="live preview of the clip being generated"></canvas>
            <p class="export-status" data-testid="generate-status" role="status"
                data-stage-ms=move || timings.get().and_then(|t| serde_json::to_string(&t).ok())>{status}</p>
        </section>
    }
}
