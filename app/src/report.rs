//! The finalize report beside the clip: `kinora-qa`'s analyzers run on the open clip in
//! this page (frames and sound only, nothing about how it was made), and show what they
//! found — a per-frame heat strip to click, each finding with its severity and a
//! plain-language explanation, and the frame it points at.
//!
//! The Clip panel reads the same report (through context) and asks for confirmation
//! before exporting a clip with a serious finding.

use crate::browser::{draw_rgb, now_ms};
use crate::export::OpenClip;
use crate::webcodecs::next_tick;
use kinora_media::clip::Clip;
use kinora_qa::{Audio, Finding, Frames, Kind, Report, Severity, analyze};
use leptos::html::Canvas;
use leptos::prelude::*;
use leptos::task::spawn_local;
use std::sync::Arc;

/// The open clip's report, once checked (shared through context).
#[derive(Clone, Copy)]
pub struct ClipReport(pub RwSignal<Option<Arc<Checked>>>);

/// A report with what it cost.
pub struct Checked {
    /// The report.
    pub report: Report,
    /// Wall time of the analysis in this page, ms.
    pub millis: f64,
}

impl Checked {
    /// The report in one line without any words of the prompt (kept with the gallery
    /// entry).
    pub fn verdict(&self) -> String {
        let findings = &self.report.findings;
        if findings.is_empty() {
            return "No problems found.".into();
        }
        let serious = findings
            .iter()
            .filter(|f| f.severity == Severity::Serious)
            .count();
        let warnings = findings
            .iter()
            .filter(|f| f.severity == Severity::Warning)
            .count();
        format!(
            "{} finding{}: {serious} serious, {warnings} warning{}.",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            if warnings == 1 { "" } else { "s" }
        )
    }

    /// One line naming the serious findings, for the export confirmation.
    pub fn serious_summary(&self) -> String {
        let serious: Vec<String> = self
            .report
            .findings
            .iter()
            .filter(|f| f.severity == Severity::Serious)
            .map(|f| format!("{} at {:.1} s", kind_name(f.kind), f.seconds.0))
            .collect();
        serious.join(", ")
    }
}

/// Runs every analyzer on a clip.
fn check(clip: &Clip) -> Result<Report, String> {
    let frames = Frames {
        width: clip.width as usize,
        height: clip.height as usize,
        fps: clip.fps as f32,
        rgb: clip.frames.iter().map(Vec::as_slice).collect(),
    };
    let audio = Audio {
        sample_rate: clip.sample_rate,
        samples: &clip.audio,
    };
    analyze(&frames, (!clip.audio.is_empty()).then_some(&audio)).map_err(|e| e.to_string())
}

/// A short name for a finding's kind.
fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Jump => "jump",
        Kind::DroppedFrames => "dropped frames",
        Kind::DuplicatedFrame => "duplicated frame",
        Kind::Flicker => "flicker",
        Kind::ObjectVanished => "object vanished",
        Kind::ObjectPopped => "object popped in",
        Kind::MotionMismatch => "motion mismatch",
        Kind::BoundarySmear => "boundary smear",
        Kind::NoisePatch => "noise patch",
        Kind::AudioClick => "audio click",
        Kind::AudioDropout => "audio dropout",
        Kind::AudioStutter => "audio stutter",
        Kind::AvOffset => "sound out of sync",
    }
}

fn severity_name(s: Severity) -> &'static str {
    match s {
        Severity::Info => "info",
        Severity::Warning => "warning",
        Severity::Serious => "serious",
    }
}

/// Heat (0..1) as a strip colour: clear → amber → red.
fn heat_colour(h: f32) -> String {
    if h <= 0.0 {
        return "var(--strip-clear, #8a8a8a33)".into();
    }
    let hue = 45.0 * (1.0 - h.clamp(0.0, 1.0));
    format!("hsl({hue:.0} 90% 50%)")
}

/// The report panel.
#[component]
pub fn ReportPanel() -> impl IntoView {
    let clip = expect_context::<OpenClip>().0;
    let checked = expect_context::<ClipReport>().0;
    let (status, set_status) = signal(String::new());
    let (shown, set_shown) = signal(None::<usize>);
    let viewer = NodeRef::<Canvas>::new();

    // Check each clip as it opens; a newer clip supersedes an older one's result.
    Effect::new(move |_| {
        let current = clip.get();
        checked.set(None);
        set_shown.set(None);
        let Some(c) = current else {
            set_status
                .set("Generate or open a clip and it is checked here before it goes out.".into());
            return;
        };
        set_status.set("Checking the clip…".into());
        spawn_local(async move {
            // Let the page paint the new clip first.
            next_tick().await;
            let started = now_ms();
            let result = check(&c);
            let millis = now_ms() - started;
            let still_open =
                clip.with_untracked(|o| o.as_ref().is_some_and(|o| Arc::ptr_eq(o, &c)));
            if !still_open {
                return;
            }
            match result {
                Ok(report) => {
                    let serious = report.has_serious();
                    set_status.set(match report.findings.len() {
                        0 => format!(
                            "No problems found ({} frames checked in {millis:.0} ms).",
                            report.frames
                        ),
                        n => format!(
                            "{n} finding{} in {} frames{} (checked in {millis:.0} ms).",
                            if n == 1 { "" } else { "s" },
                            report.frames,
                            if serious {
                                ", some serious: look before you export"
                            } else {
                                ""
                            }
                        ),
                    });
                    checked.set(Some(Arc::new(Checked { report, millis })));
                }
                Err(e) => set_status.set(format!("The clip could not be checked: {e}")),
            }
        });
    });

    // Show a frame: in the viewer, and in the exported video when there is one.
    let show = move |frame: usize| {
        set_shown.set(Some(frame));
        if let (Some(c), Some(canvas)) = (clip.get_untracked(), viewer.get_untracked())
            && let Some(rgb) = c.frames.get(frame)
        {
            draw_rgb(&canvas, rgb, c.width as usize, c.height as usize);
            if let Some(video) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| {
                    d.query_selector("[data-testid=export-video]")
                        .ok()
                        .flatten()
                })
                .and_then(|e| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlMediaElement>(e).ok())
            {
                video.set_current_time((frame as f64 + 0.5) / f64::from(c.fps));
            }
        }
    };

    let finding_row = move |f: &Finding| {
        let first = f.frames.start;
        let label = format!(
            "{}: {} ({}), frames {}–{} ({:.1}–{:.1} s)",
            severity_name(f.severity),
            kind_name(f.kind),
            f.explanation,
            f.frames.start,
            f.frames.end.saturating_sub(1),
            f.seconds.0,
            f.seconds.1
        );
        view! {
            <li class=format!("finding sev-{}", severity_name(f.severity)) data-testid="finding"
                data-severity=severity_name(f.severity) data-kind=kind_name(f.kind)>
                <span class="badge">{severity_name(f.severity)}</span>
                " "<strong>{kind_name(f.kind)}</strong>
                {format!(" at {:.1} s: ", f.seconds.0)}{f.explanation.clone()}" "
                <button aria-label=format!("Show frame {first}: {label}") on:click=move |_| show(first)>
                    {format!("Show frame {first}")}
                </button>
            </li>
        }
    };

    view! {
        <section class="report" data-testid="report-panel" aria-labelledby="report-title">
            <h2 id="report-title">"Finalize report"</h2>
            <p class="hint" data-testid="report-status" role="status">{status}</p>
            {move || checked.get().map(|c| {
                let n = c.report.heat.len();
                let cells: Vec<_> = c.report.heat.iter().enumerate().map(|(i, &h)| view! {
                    <span class="heat-cell" data-heat=format!("{h:.2}")
                        style=format!("background:{}", heat_colour(h))
                        title=format!("frame {i}") on:click=move |_| show(i)></span>
                }).collect();
                let findings: Vec<_> = c.report.findings.iter().map(finding_row).collect();
                let skipped = c.report.skipped.join("; ");
                view! {
                    <div class="heat-strip" data-testid="heat-strip" role="img"
                        data-check-ms=format!("{:.1}", c.millis)
                        aria-label=format!("Heat strip over {n} frames: the redder, the worse; click a frame to see it")>
                        {cells}
                    </div>
                    <ul class="findings" data-testid="findings">{findings}</ul>
                    {(!skipped.is_empty()).then(|| view! {
                        <p class="hint">{format!("Not checked: {skipped}.")}</p>
                    })}
                }
            })}
            <div class="viewer" hidden=move || shown.get().is_none()>
                <canvas data-testid="report-frame" node_ref=viewer width="64" height="64"
                    aria-label="the frame a finding points at"></canvas>
                <p class="hint" data-testid="report-frame-label">
                    {move || shown.get().map(|f| format!("Frame {f}")).unwrap_or_default()}
                </p>
            </div>
        </section>
    }
}
