//! The clip panel: open a clip (until the models ship, frames + sound made elsewhere, such
//! as a world render), export it to an MP4 labelled as AI-generated, play it, download or
//! share it.
//!
//! Export runs step by step so the page stays responsive: each frame is prepared by
//! `kinora-media` (label, I420, watermark) and handed to the browser's H.264 encoder
//! (WebCodecs) — or to its pure-Rust encoder where WebCodecs is missing or the person
//! chose it — then `kinora-media` encodes the sound (AAC), muxes the MP4 and signs its
//! manifest.

use crate::browser::{blob_url, download_url, file_bytes, input_of, now, now_ms, picked_file};
use crate::gallery::Gallery;
use crate::report::ClipReport;
use crate::vault_store::VaultSignal;
use crate::webcodecs::{H264Session, can_share_file, h264_codec, next_tick, share_file};
use kinora_consent::vault::Authorization;
use kinora_media::clip::Clip;
use kinora_media::export::{Exported, FramePreparer, finish_mp4};
use kinora_media::import::clip_from_files;
use kinora_media::video::{EncodedVideo, FallbackEncoder, KEYFRAME_INTERVAL, VideoSample, is_idr};
use kinora_provenance::Provenance;
use kinora_recipe::{Recipe, Settings};
use kinora_safety::PromptPolicy;
use kinora_studio::cameos::used_in_prompt;
use kinora_studio::gallery::{ClipMeta, download_name, new_clip_id};
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The clip the Clip panel holds: opened from files or made by the Generate panel
/// (shared through context).
#[derive(Clone, Copy)]
pub struct OpenClip(pub RwSignal<Option<Arc<Clip>>>);

/// A finished export, kept while the page is open.
#[derive(Clone)]
struct Done {
    mp4: Arc<Vec<u8>>,
    url: String,
    name: String,
    summary: String,
    shareable: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum EncoderChoice {
    Auto,
    Rust,
}

/// Bits per pixel per frame for WebCodecs: sharp at our sizes, still small.
const BITS_PER_PIXEL: f64 = 0.2;
/// Least bitrate asked of WebCodecs (tiny clips would otherwise get a few kbit/s).
const MIN_BITRATE: f64 = 100_000.0;

/// The bitrate WebCodecs is asked for (bit/s) — both when probing for a codec and when
/// encoding.
fn webcodecs_bitrate(width: u32, height: u32, fps: u32) -> u32 {
    (f64::from(width * height * fps) * BITS_PER_PIXEL).max(MIN_BITRATE) as u32
}

/// The download name, stamped with the local time.
fn file_name(prompt: &str) -> String {
    download_name(prompt, &crate::browser::local_stamp())
}

/// A fresh clip id: time plus randomness.
fn clip_id() -> String {
    let mut random = [0u8; 6];
    let _ = getrandom::fill(&mut random);
    new_clip_id(now_ms(), random)
}

/// Encode all frames with WebCodecs (when `codec` is given, at `bitrate`) or the
/// pure-Rust encoder, reporting progress after each frame.
async fn encode_video(
    clip: &Clip,
    label: bool,
    codec: Option<String>,
    bitrate: u32,
    progress: WriteSignal<(usize, usize)>,
) -> Result<EncodedVideo, String> {
    let total = clip.frames.len();
    let (w, h, fps) = (clip.width, clip.height, clip.fps);
    let mut preparer = FramePreparer::new(w, h, label);
    let samples = match &codec {
        Some(codec) => {
            let session = H264Session::start(codec, w, h, fps, bitrate, KEYFRAME_INTERVAL)?;
            for (i, rgb) in clip.frames.iter().enumerate() {
                let frame = match preparer.prepare(rgb) {
                    Ok(f) => f,
                    Err(e) => {
                        session.close();
                        return Err(e.to_string());
                    }
                };
                if let Err(e) = session.encode(&frame.to_contiguous(), i as u32).await {
                    session.close();
                    return Err(e);
                }
                progress.set((i + 1, total));
                next_tick().await;
            }
            session
                .finish()
                .await?
                .into_iter()
                .map(|(annexb, key)| VideoSample {
                    keyframe: key && is_idr(&annexb),
                    annexb,
                })
                .collect()
        }
        None => {
            let mut encoder = FallbackEncoder::new(w, h, fps).map_err(|e| e.to_string())?;
            let mut samples = Vec::with_capacity(total);
            for (i, rgb) in clip.frames.iter().enumerate() {
                let frame = preparer.prepare(rgb).map_err(|e| e.to_string())?;
                samples.push(encoder.encode(&frame).map_err(|e| e.to_string())?);
                progress.set((i + 1, total));
                next_tick().await;
            }
            samples
        }
    };
    if samples.len() != total {
        return Err(format!(
            "the encoder returned {} frames for {total}",
            samples.len()
        ));
    }
    Ok(EncodedVideo {
        width: w,
        height: h,
        fps,
        samples,
        encoder: codec.map_or_else(
            || FallbackEncoder::NAME.to_string(),
            |c| format!("WebCodecs {c}"),
        ),
    })
}

/// The clip panel. `prompt` names the file and goes (hashed) into the manifest.
#[component]
pub fn ExportPanel(prompt: RwSignal<String>, settings: RwSignal<Settings>) -> impl IntoView {
    let vault = expect_context::<VaultSignal>();
    let gallery = expect_context::<Gallery>();
    let video_file = RwSignal::new(None::<web_sys::File>);
    let audio_file = RwSignal::new(None::<web_sys::File>);
    let clip = expect_context::<OpenClip>().0;
    let (status, set_status) = signal(String::new());
    let (label, set_label) = signal(true);
    let (confirm_unlabel, set_confirm_unlabel) = signal(false);
    let (encoder, set_encoder) = signal(EncoderChoice::Auto);
    let (progress, set_progress) = signal((0usize, 0usize));
    let (busy, set_busy) = signal(false);
    let done = RwSignal::new(None::<Done>);
    let report = expect_context::<ClipReport>().0;
    let player = NodeRef::<leptos::html::Video>::new();
    let (looping, set_looping) = signal(false);
    let (player_frame, set_player_frame) = signal(None::<usize>);
    let (confirm_serious, set_confirm_serious) = signal(false);

    let open = move |_| {
        let Some(video) = video_file.get_untracked() else {
            set_status.set("Pick a .y4m video first.".into());
            return;
        };
        let audio = audio_file.get_untracked();
        set_status.set("Reading the clip…".into());
        spawn_local(async move {
            let result = async {
                let y4m = file_bytes(&video).await?;
                let wav = match &audio {
                    Some(f) => Some(file_bytes(f).await?),
                    None => None,
                };
                clip_from_files(&y4m, wav.as_deref()).map_err(|e| e.to_string())
            }
            .await;
            match result {
                Ok((c, note)) => {
                    set_status.set(format!(
                        "Clip ready: {}×{}, {} frames at {} fps ({:.1} s), sound at {} Hz. {}",
                        c.width,
                        c.height,
                        c.frames.len(),
                        c.fps,
                        c.duration(),
                        c.sample_rate,
                        note.unwrap_or_default()
                    ));
                    clip.set(Some(Arc::new(c)));
                }
                Err(e) => {
                    clip.set(None);
                    set_status.set(format!("Could not open the clip: {e}"));
                }
            }
        });
    };

    let run_export = move || {
        set_confirm_serious.set(false);
        let Some(c) = clip.get_untracked() else {
            set_status.set("Open a clip first.".into());
            return;
        };
        let text = prompt.get_untracked();
        let Some(signer) = vault.with_untracked(|v| {
            v.as_ref().map(|v| {
                let used = used_in_prompt(v, PromptPolicy::builtin(), &text, now());
                (v.content_signing_key(), used)
            })
        }) else {
            set_status.set("Still loading this device's keys; try again in a moment.".into());
            return;
        };
        let (key, cameos) = match signer {
            (key, Ok(cameos)) => (key, cameos),
            (_, Err(e)) => {
                set_status.set(e.to_string());
                return;
            }
        };
        let use_label = label.get_untracked();
        // What the gallery keeps beside the clip: how to make it again, and what the
        // finalize report said.
        let recipe = {
            let r = Recipe::new(&text, settings.get_untracked());
            r.validate().map(|()| r.to_fragment()).unwrap_or_default()
        };
        let verdict = report
            .with_untracked(|r| r.as_ref().map(|c| c.verdict()))
            .unwrap_or_default();
        let choice = encoder.get_untracked();
        set_busy.set(true);
        set_progress.set((0, c.frames.len()));
        if let Some(old) = done.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old.url);
        }
        done.set(None);
        spawn_local(async move {
            let started = now_ms();
            let bitrate = webcodecs_bitrate(c.width, c.height, c.fps);
            let codec = match choice {
                EncoderChoice::Auto => h264_codec(c.width, c.height, c.fps, bitrate).await,
                EncoderChoice::Rust => None,
            };
            set_status.set(format!(
                "Encoding with {}…",
                codec
                    .as_deref()
                    .map_or("the built-in encoder", |_| "this browser's H.264 encoder")
            ));
            let co_owners: Vec<String> = cameos.iter().map(|c| c.co_owner()).collect();
            let co_owner_note = co_owners.join(", ");
            let result: Result<Exported, String> = async {
                let video = encode_video(&c, use_label, codec, bitrate, set_progress).await?;
                let video_ms = now_ms() - started;
                set_status.set("Encoding the sound, writing and signing the MP4…".into());
                next_tick().await;
                let provenance = Provenance::for_prompt(&text, co_owners, key);
                let mut exported = finish_mp4(&c.audio, c.sample_rate, &video, &provenance)
                    .map_err(|e| e.to_string())?;
                // Keep the speed in the report line (frames per second of wall time).
                exported.report.video_encoder = format!(
                    "{} at {:.1} frames/s",
                    exported.report.video_encoder,
                    video.samples.len() as f64 / (video_ms / 1000.0).max(1e-3)
                );
                Ok(exported)
            }
            .await;
            set_busy.set(false);
            match result {
                Ok(exported) => {
                    let name = file_name(&text);
                    let r = &exported.report;
                    let summary = format!(
                        "{} frames, video {:.2} s, sound {:.2} s, {:.1} KB; {}; total {:.1} s. Labelled: {}; watermark and signed content credentials included{}.",
                        r.frames,
                        r.video_seconds,
                        r.audio_seconds,
                        r.bytes as f64 / 1024.0,
                        r.video_encoder,
                        (now_ms() - started) / 1000.0,
                        if use_label { "visible AI mark" } else { "NO visible mark" },
                        if co_owner_note.is_empty() { String::new() } else { format!("; co-owners: {co_owner_note}") }
                    );
                    let meta = ClipMeta {
                        id: clip_id(),
                        title: text.clone(),
                        file_name: name.clone(),
                        created_ms: js_sys::Date::now(),
                        bytes: exported.mp4.len(),
                        seconds: r.video_seconds,
                        cameos: cameos.iter().map(|c| c.handle.clone()).collect(),
                        cameo_ids: Vec::new(),
                        sealed_naming: None,
                        recipe: recipe.clone(),
                        report: verdict.clone(),
                    };
                    let authorizations: Vec<Authorization> =
                        cameos.iter().map(|c| c.authorization.clone()).collect();
                    let kept = gallery.add(vault, meta, &exported.mp4, &authorizations).await;
                    match blob_url(&exported.mp4, "video/mp4") {
                        Ok(url) => {
                            let shareable = can_share_file(&exported.mp4, &name);
                            set_status.set(match kept {
                                Ok(()) => "Export finished and saved to Your clips.".into(),
                                Err(e) => format!("Export finished, but it could not be saved on this device ({e}); download it to keep it."),
                            });
                            done.set(Some(Done {
                                mp4: Arc::new(exported.mp4),
                                url,
                                name,
                                summary,
                                shareable,
                            }));
                        }
                        Err(e) => set_status.set(format!("Could not show the video: {e}")),
                    }
                }
                Err(e) => set_status.set(format!("Export failed: {e}. Your clip is still open; try again or choose the built-in encoder.")),
            }
        });
    };

    // A clip the finalize report found serious problems in goes out only once confirmed.
    let export = move |_| {
        let serious = report.with_untracked(|r| r.as_ref().is_some_and(|r| r.report.has_serious()));
        if serious {
            set_confirm_serious.set(true);
        } else {
            run_export();
        }
    };

    // Frame stepping: pause, move one frame, say which frame is shown.
    let step_frame = move |delta: f64| {
        let (Some(video), Some(c)) = (player.get_untracked(), clip.get_untracked()) else {
            return;
        };
        let fps = f64::from(c.fps.max(1));
        let _ = video.pause();
        let frame = ((video.current_time() * fps).floor() + delta)
            .clamp(0.0, (c.frames.len().max(1) - 1) as f64);
        // Aim at the middle of the frame so rounding never lands on its neighbour.
        video.set_current_time((frame + 0.5) / fps);
        set_player_frame.set(Some(frame as usize));
    };

    let download = move |_| {
        if let Some(d) = done.get_untracked()
            && let Err(e) = download_url(&d.url, &d.name)
        {
            set_status.set(format!("Could not start the download: {e}"));
        }
    };
    let share = move |_| {
        if let Some(d) = done.get_untracked() {
            spawn_local(async move {
                if let Err(e) = share_file(&d.mp4, &d.name, "Made with Kinora (AI-generated)").await
                {
                    set_status.set(format!("Sharing did not complete: {e}"));
                }
            });
        }
    };

    view! {
        <section class="export" data-testid="export-panel">
            <h2>"Clip"</h2>
            <p class="hint">
                "A generated clip lands here. You can also open frames and sound made elsewhere (a "
                <code>".y4m"</code>" video — "<code>"ffmpeg -i in.mp4 out.y4m"</code>" makes one — and a "
                <code>".wav"</code>" sound) and export them the same way: labelled, watermarked and signed."
            </p>
            <p class="hint" data-testid="clip-summary">{move || clip.get().map(|c| format!(
                "Open clip: {}×{}, {} frames at {} fps ({:.1} s).",
                c.width, c.height, c.frames.len(), c.fps, c.duration()
            ))}</p>
            <div class="row">
                <label>"Video (.y4m) "
                    <input type="file" accept=".y4m,video/x-yuv4mpeg" data-testid="clip-video"
                        on:change=move |ev| video_file.set(input_of(&ev).as_ref().and_then(picked_file)) />
                </label>
                <label>"Sound (.wav) "
                    <input type="file" accept=".wav,audio/wav" data-testid="clip-audio"
                        on:change=move |ev| audio_file.set(input_of(&ev).as_ref().and_then(picked_file)) />
                </label>
                <button data-testid="clip-open" on:click=open>"Open clip"</button>
            </div>
            <div class="row">
                <label>
                    <input type="checkbox" data-testid="export-label" prop:checked=label
                        on:change=move |ev| {
                            let checked = input_of(&ev).is_some_and(|i| i.checked());
                            if checked {
                                set_label.set(true);
                                set_confirm_unlabel.set(false);
                            } else {
                                // Not off yet: the person has to confirm the warning.
                                if let Some(i) = input_of(&ev) { i.set_checked(true); }
                                set_confirm_unlabel.set(true);
                            }
                        } />
                    " Visible “AI” mark in the corner"
                </label>
                <label>"Encoder "
                    <select data-testid="export-encoder" on:change=move |ev| {
                        set_encoder.set(if event_target_value(&ev) == "rust" { EncoderChoice::Rust } else { EncoderChoice::Auto });
                    }>
                        <option value="auto">"Browser H.264 (WebCodecs) when available"</option>
                        <option value="rust">"Built-in (pure Rust)"</option>
                    </select>
                </label>
            </div>
            <Show when=move || confirm_unlabel.get()>
                <div class="warning" role="alert" data-testid="label-warning">
                    <p>"Without the visible mark, people who watch this clip may not know it was made by AI. The invisible watermark and the signed content credentials stay in the file either way."</p>
                    <button data-testid="label-off-confirm" on:click=move |_| {
                        set_label.set(false);
                        set_confirm_unlabel.set(false);
                    }>"Remove the visible mark"</button>
                    <button on:click=move |_| set_confirm_unlabel.set(false)>"Keep it"</button>
                </div>
            </Show>
            <Show when=move || confirm_serious.get()>
                <div class="warning" role="alert" data-testid="serious-warning">
                    <p>{move || format!(
                        "The finalize report found serious problems in this clip: {}. Look at them in the report before it goes out, or export anyway.",
                        report.with(|r| r.as_ref().map(|r| r.serious_summary()).unwrap_or_default())
                    )}</p>
                    <button data-testid="export-anyway" on:click=move |_| run_export()>"Export anyway"</button>
                    <button on:click=move |_| set_confirm_serious.set(false)>"Not now"</button>
                </div>
            </Show>
            <button data-testid="export" on:click=export
                disabled=move || busy.get() || clip.with(Option::is_none)>
                "Export MP4"
            </button>
            <Show when=move || busy.get()>
                <progress data-testid="export-progress"
                    max=move || progress.get().1.max(1) value=move || progress.get().0></progress>
                <span>{move || format!(" frame {} of {}", progress.get().0, progress.get().1)}</span>
            </Show>
            <p class="export-status" data-testid="export-status" role="status">{status}</p>
            {move || done.get().map(|d| view! {
                <div class="result">
                    <video data-testid="export-video" node_ref=player src=d.url.clone() controls=true muted=true playsinline=true
                        prop:loop=move || looping.get()></video>
                    <div class="row" role="group" aria-label="player">
                        <button data-testid="frame-back" aria-label="previous frame" on:click=move |_| step_frame(-1.0)>"◀ frame"</button>
                        <button data-testid="frame-forward" aria-label="next frame" on:click=move |_| step_frame(1.0)>"frame ▶"</button>
                        <label><input type="checkbox" data-testid="player-loop" prop:checked=looping
                            on:change=move |ev| set_looping.set(event_target_checked(&ev)) />" loop"</label>
                        <span class="hint" data-testid="player-frame">{move || player_frame.get().map(|f| format!("frame {f}")).unwrap_or_default()}</span>
                    </div>
                    <p data-testid="export-summary">{d.summary.clone()}</p>
                    <button data-testid="download" on:click=download>{format!("Download {}", d.name)}</button>
                    <Show when=move || d.shareable>
                        <button data-testid="share" on:click=share>"Share…"</button>
                    </Show>
                </div>
            })}
        </section>
    }
}
