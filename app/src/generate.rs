//! The Generate panel: the shipped video model runs in this page (burn's CPU backend
//! compiled to wasm — on this project's machines it measured faster than a software
//! WebGPU adapter), one denoising step at a time so the page stays responsive, with a
//! progress bar, a live preview and Cancel. The audio model then makes the clip's
//! soundtrack from the prompt and the objects' tracks (unless Sound is off). The clip it
//! makes goes to the Clip panel, which exports it labelled, watermarked and signed, like
//! any clip.

use crate::browser::{draw_rgb, now_ms};
use crate::export::OpenClip;
use crate::models::{Fetched, load};
use crate::webcodecs::next_tick;
use kinora_engine::models::audio::AudioSettings;
use kinora_engine::models::pipeline::{
    CameraChoice, GenerateSettings, GeneratedVideo, Generation, ModelError, Stage, VideoModel,
};
use kinora_engine::models::sampler::SamplerSettings;
use kinora_media::clip::{Clip, resize_rgb};
use kinora_recipe::Settings;
use kinora_safety::classifier::word_vectors::WordVectors;
use kinora_safety::{PromptPolicy, Verdict};
use kinora_studio::edits::replace_label;
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Guidance the model card found best.
const GUIDANCE: f32 = 2.0;
/// Sampler steps of the audio model in the page.
const SOUND_STEPS: usize = 8;
/// Remix strength the model card found best for edits that keep the motion.
const REMIX_STRENGTH: f32 = 0.9;

/// The remix quick edits: label, test id, and the attribute group whose word each rewrites.
const QUICK_EDITS: [(&str, &str, &str); 3] = [
    ("Colour ", "edit-colour", "object1_colour"),
    ("Object ", "edit-object", "object1_kind"),
    ("Ground ", "edit-ground", "ground"),
];

/// What a run makes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Job {
    /// A new clip from the prompt box.
    Generate,
    /// The current clip again under an edited prompt, its motion kept.
    Remix { strength: f32 },
    /// The current clip continued by this many seconds.
    Extend { seconds: f32 },
}

impl Job {
    fn start<'m>(
        self,
        m: &'m VideoModel,
        source: Option<&GeneratedVideo>,
        text: &str,
        request: &GenerateSettings,
        words: &WordVectors,
    ) -> Result<Generation<'m>, ModelError> {
        let needs_clip = || ModelError::Setting("generate a clip first".into());
        match self {
            Job::Generate => m.start(text, request, words),
            Job::Remix { strength } => m.start_remix(
                source.ok_or_else(needs_clip)?,
                text,
                strength,
                request,
                words,
            ),
            Job::Extend { seconds } => {
                let request = GenerateSettings {
                    seconds,
                    ..request.clone()
                };
                m.start_extend(source.ok_or_else(needs_clip)?, text, &request, words)
            }
        }
    }

    /// What the status says while it plans.
    fn starting(self) -> &'static str {
        match self {
            Job::Generate => "Reading the prompt and planning the motion…",
            Job::Remix { .. } => "Reading the edited prompt; the motion stays…",
            Job::Extend { .. } => "Reading the prompt and continuing the motion…",
        }
    }

    /// What it made, for the status line.
    fn made(self) -> &'static str {
        match self {
            Job::Generate => "Generated",
            Job::Remix { .. } => "Remixed:",
            Job::Extend { .. } => "Extended:",
        }
    }
}

/// Preview every this many steps (each costs about a sixth of the final decode).
const PREVIEW_EVERY: usize = 4;

/// Where the model stands.
#[derive(Debug, Clone, PartialEq)]
enum ModelState {
    /// Bytes so far, and ms since loading began.
    Loading(Fetched, f64),
    Ready(String),
    Failed(String),
}

fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// "Loading the video model: 3.1 MB of 8.4 MB (2.5 MB/s, about 2 s left)…": the rate and
/// time left once a quarter second of download gives a rate worth showing.
fn loading_status(f: Fetched, elapsed_ms: f64) -> String {
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

/// How fast this device runs the model, measured on a 2 s clip: what the estimate shown
/// before Generate is made of.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Speed {
    /// Reading the prompt and planning the motion, ms.
    start_ms: f64,
    /// One denoising step, ms.
    step_ms: f64,
    /// Decoding the frames, ms.
    decode_ms: f64,
    /// The sound of the 2 s clip at [`SOUND_STEPS`], ms (None: the model has no sound).
    sound_ms: Option<f64>,
}

impl Speed {
    /// Seconds a clip of `seconds` at `steps` steps should take, with its sound or not
    /// (the work grows with the number of latent frames and sound windows, so linearly in
    /// the length to a first approximation).
    fn estimate(self, seconds: f64, steps: u32, sound: bool) -> f64 {
        let scale = seconds / CALIBRATION_SECONDS;
        let sound_ms = if sound {
            self.sound_ms.unwrap_or(0.0)
        } else {
            0.0
        };
        (self.start_ms + self.step_ms * f64::from(steps) + self.decode_ms + sound_ms) * scale
            / 1000.0
    }

    /// The same speed refitted to a measured generation: the step time to its frames'
    /// time, the sound's to its sound's (when it made one).
    fn refit(self, seconds: f64, steps: u32, video_ms: f64, sound_ms: Option<f64>) -> Speed {
        let scale = seconds / CALIBRATION_SECONDS;
        let step_ms = (video_ms / scale - self.start_ms - self.decode_ms) / f64::from(steps.max(1));
        let positive = |v: f64| v.is_finite() && v > 0.0;
        Speed {
            step_ms: if positive(step_ms) {
                step_ms
            } else {
                self.step_ms
            },
            sound_ms: match sound_ms.map(|ms| ms / scale) {
                Some(ms) if positive(ms) => Some(ms),
                _ => self.sound_ms,
            },
            ..self
        }
    }
}

/// The word vectors, fetched with the model (and shared with the guardrails).
fn word_vectors(
    store: StoredValue<Option<Arc<WordVectors>>, LocalStorage>,
) -> Result<Arc<WordVectors>, String> {
    store
        .get_value()
        .ok_or_else(|| "they have not arrived yet".to_string())
}

/// Length of the calibration clip, s.
const CALIBRATION_SECONDS: f64 = 2.0;

/// Times a 2-step generation of a 2 s clip and its sound (a second or so, once, after the
/// model loads).
async fn calibrate(m: &VideoModel, w: &WordVectors) -> Option<Speed> {
    let request = GenerateSettings {
        seconds: CALIBRATION_SECONDS as f32,
        sampler: SamplerSettings {
            steps: 2,
            ..SamplerSettings::default()
        },
        ..GenerateSettings::default()
    };
    let t0 = now_ms();
    let mut generation = m.start("a ball rolls to the left", &request, w).ok()?;
    let t1 = now_ms();
    next_tick().await;
    let t2 = now_ms();
    while !generation.done() {
        generation.step().ok()?;
    }
    let t3 = now_ms();
    next_tick().await;
    let t4 = now_ms();
    let video = generation.finish().ok()?;
    let t5 = now_ms();
    let sound_ms = if m.audio.is_some() {
        next_tick().await;
        let t6 = now_ms();
        let settings = AudioSettings {
            steps: SOUND_STEPS,
            ..AudioSettings::default()
        };
        m.soundtrack("a ball rolls to the left", &video, w, &settings, |_, _| {
            true
        })
        .ok()?;
        Some(now_ms() - t6)
    } else {
        None
    };
    Some(Speed {
        start_ms: t1 - t0,
        step_ms: (t3 - t2) / 2.0,
        decode_ms: t5 - t4,
        sound_ms,
    })
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
    let state = RwSignal::new(ModelState::Loading(Fetched::default(), 0.0));
    let model: StoredValue<Option<Rc<VideoModel>>, LocalStorage> = StoredValue::new_local(None);
    let words: StoredValue<Option<Arc<WordVectors>>, LocalStorage> = StoredValue::new_local(None);
    let (busy, set_busy) = signal(false);
    let (progress, set_progress) = signal((0usize, 0usize));
    let (status, set_status) = signal(String::new());
    let cancel = Arc::new(AtomicBool::new(false));
    let preview = NodeRef::<Canvas>::new();
    let speed = RwSignal::new(None::<Speed>);
    // Explicit controls beside the prompt: the camera (None: as the prompt says) and how
    // strongly to follow the prompt.
    let camera = RwSignal::new(None::<CameraChoice>);
    let guidance = RwSignal::new(GUIDANCE);
    let sound_on = RwSignal::new(true);

    spawn_local(async move {
        let started = now_ms();
        match load(|f| state.set(ModelState::Loading(f, now_ms() - started))).await {
            Ok(loaded) => {
                let f = loaded.fetched;
                let m = Rc::new(loaded.model);
                model.set_value(Some(m.clone()));
                words.set_value(Some(loaded.words));
                state.set(ModelState::Ready(format!(
                    "Model {} ready in {:.1} s: {} from this device's cache, {} downloaded (SHA-256 checked). It runs on this device's CPU.",
                    loaded.version,
                    (now_ms() - started) / 1000.0,
                    megabytes(f.cached),
                    megabytes(f.network)
                )));
                // Then measure this device once, so Generate can say how long it will take.
                if let Ok(w) = word_vectors(words) {
                    speed.set(calibrate(&m, &w).await);
                }
            }
            Err(e) => state.set(ModelState::Failed(format!(
                "The video model could not be loaded: {e}. Reload to try again; nothing you made is affected."
            ))),
        }
    });

    // The clip made last (with its latents and plan), what Remix and Extend work on; and
    // their prompts, filled from the clip's.
    let current: StoredValue<Option<Rc<GeneratedVideo>>, LocalStorage> =
        StoredValue::new_local(None);
    let (has_clip, set_has_clip) = signal(false);
    let remix_prompt = RwSignal::new(String::new());
    let remix_strength = RwSignal::new(REMIX_STRENGTH);
    let extend_prompt = RwSignal::new(String::new());
    let extend_seconds = RwSignal::new(2.0f32);

    let run_job = {
        let cancel = cancel.clone();
        move |job: Job, text: String| {
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
            let Some(m) = model.get_value() else {
                set_status.set("The model is not ready yet.".into());
                return;
            };
            let s = settings.get_untracked();
            if s.fps != m.config.fps {
                set_status.set(format!(
                    "This model makes {} fps clips: choose {} fps.",
                    m.config.fps, m.config.fps
                ));
                return;
            }
            let w = match word_vectors(words) {
                Ok(w) => w,
                Err(e) => {
                    set_status.set(format!("The word vectors could not be read: {e}"));
                    return;
                }
            };
            cancel.store(false, Ordering::Relaxed);
            set_busy.set(true);
            let cancel = cancel.clone();
            spawn_local(async move {
                let started = now_ms();
                let predicted = speed.get_untracked();
                let request = GenerateSettings {
                    seconds: s.seconds as f32,
                    sampler: SamplerSettings {
                        steps: s.steps as usize,
                        guidance: guidance.get_untracked(),
                        seed: s.seed,
                        ..SamplerSettings::default()
                    },
                    camera: camera.get_untracked(),
                    ..GenerateSettings::default()
                };
                set_status.set(job.starting().into());
                next_tick().await;
                let source = current.get_value();
                let result = async {
                    let mut generation = job
                        .start(&m, source.as_deref(), &text, &request, &w)
                        .map_err(|e| e.to_string())?;
                    set_progress.set((0, s.steps as usize));
                    set_status.set("Denoising…".into());
                    while !generation.done() {
                        if cancel.load(Ordering::Relaxed) {
                            return Err(
                                "Cancelled. Nothing was lost; generate again when you like."
                                    .to_string(),
                            );
                        }
                        if let Stage::Denoise(i, n) =
                            generation.step().map_err(|e| e.to_string())?
                        {
                            set_progress.set((i, n));
                            if (i % PREVIEW_EVERY == 0 || i == n)
                                && let Some(canvas) = preview.get_untracked()
                            {
                                let (rgb, side) = generation.preview();
                                draw_rgb(&canvas, &rgb, side, side);
                            }
                        }
                        next_tick().await;
                    }
                    set_status.set("Decoding the frames…".into());
                    next_tick().await;
                    let mut video = generation.finish().map_err(|e| e.to_string())?;
                    let (width, height) = (s.width as usize, s.height as usize);
                    let frames: Vec<Vec<u8>> = video
                        .frames
                        .iter()
                        .map(|f| resize_rgb(f, video.width, video.height, width, height))
                        .collect();
                    if let (Some(canvas), Some(last)) =
                        (preview.get_untracked(), video.frames.last())
                    {
                        draw_rgb(&canvas, last, video.width, video.height);
                    }
                    let video_ms = now_ms() - started;
                    let sound = if sound_on.get_untracked() && m.audio.is_some() {
                        set_status.set("Making the sound…".into());
                        next_tick().await;
                        let settings = AudioSettings {
                            steps: SOUND_STEPS,
                            seed: s.seed,
                            ..AudioSettings::default()
                        };
                        m.soundtrack(&text, &video, &*w, &settings, |_, _| {
                            !cancel.load(Ordering::Relaxed)
                        })
                        .map_err(|e| match e {
                            ModelError::Cancelled => {
                                "Cancelled. Nothing was lost; generate again when you like."
                                    .to_string()
                            }
                            e => format!("The sound could not be made: {e}"),
                        })?
                    } else {
                        None
                    };
                    let sound_ms = sound.as_ref().map(|_| now_ms() - started - video_ms);
                    // Kept with the clip, so an extension's sound goes on from it.
                    if let Some(t) = &sound {
                        video.sound_tokens = t.tokens.clone();
                    }
                    let sample_rate = sound.as_ref().map_or(24_000, |t| t.sample_rate);
                    let clip = Clip {
                        width: s.width,
                        height: s.height,
                        fps: video.fps,
                        frames,
                        sample_rate,
                        audio: sound.map(|t| t.samples).unwrap_or_default(),
                    };
                    let reading = video.reading.clone();
                    current.set_value(Some(Rc::new(video)));
                    set_has_clip.set(true);
                    Ok::<_, String>((clip, reading, video_ms, sound_ms))
                }
                .await;
                set_busy.set(false);
                match result {
                    Ok((clip, reading, video_ms, sound_ms)) => {
                        let understood: Vec<String> = reading
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
                        set_status.set(format!(
                            "{} {} frames ({:.1} s of video) in {:.1} s on this device; read as: {}, camera {}. {next}",
                            job.made(),
                            clip.frames.len(),
                            clip.duration(),
                            (now_ms() - started) / 1000.0,
                            understood.join(", "),
                            reading.camera.motion
                        ));
                        if let (Some(p), Job::Generate) = (predicted, job) {
                            speed.set(Some(p.refit(
                                f64::from(s.seconds),
                                s.steps,
                                video_ms,
                                sound_ms,
                            )));
                        }
                        open_clip.0.set(Some(Arc::new(clip)));
                    }
                    Err(e) => set_status.set(e),
                }
            });
        }
    };

    let generate = {
        let run_job = run_job.clone();
        move || run_job(Job::Generate, prompt.get_untracked())
    };
    // A quick edit rewrites the remix prompt's first word of that kind.
    let edit = move |group: &str, value: String| {
        let labels = model
            .with_value(|m| m.as_ref().map(|m| m.config.labels(group).to_vec()))
            .unwrap_or_default();
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
            model
                .with_value(|m| m.as_ref().map(|m| m.config.labels(group).to_vec()))
                .unwrap_or_default()
                .into_iter()
                .filter(|l| l != "none")
                .map(|l| view! { <option value=l.clone()>{l.replace('_', " ")}</option> })
                .collect_view()
        }
    };

    let ready = move || matches!(state.get(), ModelState::Ready(_));
    if autostart {
        let generate = generate.clone();
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
                <button data-testid="generate" on:click={
                    let generate = generate.clone();
                    move |_| generate()
                }
                    disabled=move || !ready() || busy.get()>
                    "Generate"
                </button>
                <Show when=move || busy.get()>
                    <button data-testid="generate-cancel" on:click={
                        let cancel = cancel.clone();
                        move |_| cancel.store(true, Ordering::Relaxed)
                    }>"Cancel"</button>
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
                        ModelState::Ready(m) | ModelState::Failed(m) => m,
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
                            let _ = ready();
                            model
                                .with_value(|m| m.as_ref().map(|m| m.config.labels("camera").to_vec()))
                                .unwrap_or_default()
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
                        <button data-testid="remix" disabled=move || !ready() || busy.get() on:click={
                            let run_job = run_job.clone();
                            move |_| run_job(Job::Remix { strength: remix_strength.get_untracked() }, remix_prompt.get_untracked())
                        }>"Remix"</button>
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
                        <button data-testid="extend" disabled=move || !ready() || busy.get() on:click={
                            let run_job = run_job.clone();
                            move |_| run_job(Job::Extend { seconds: extend_seconds.get_untracked() }, extend_prompt.get_untracked())
                        }>"Extend"</button>
                    </div>
                    <p class="hint">"Remix keeps the motion and redraws what the edited prompt says (a higher strength changes more); Extend continues the clip, and the result is the whole, longer clip."</p>
                </fieldset>
            </Show>
            <canvas class="preview" data-testid="generate-preview" node_ref=preview width="64" height="64"
                aria-label="live preview of the clip being generated"></canvas>
            <p class="export-status" data-testid="generate-status" role="status">{status}</p>
        </section>
    }
}
