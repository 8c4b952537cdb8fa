//! One run in the worker: generate, remix or extend, a denoising step at a time (the
//! worker's event loop runs between steps, so a Cancel lands within a step), with
//! progress and previews posted to the page, then the frames decoded and the sound made.

use crate::Engine;
use crate::scope::{next_tick, now_ms, post};
use kinora_engine::models::audio::AudioSettings;
use kinora_engine::models::pipeline::{
    CameraChoice, GenerateSettings, GeneratedVideo, Generation, ModelError, Stage as EngineStage,
    VideoModel,
};
use kinora_engine::models::reframe::{crop, subject_window};
use kinora_engine::models::sampler::SamplerSettings;
use kinora_protocol::{
    FromEngine, Job, Made, Reading, RunError, RunRequest, Speed, Stage, StageTimes,
    samples_to_bytes,
};
use kinora_safety::classifier::word_vectors::WordVectors;
use serde_bytes::ByteBuf;

/// Starts `job` on the model.
fn start<'m>(
    job: Job,
    m: &'m VideoModel,
    source: Option<&GeneratedVideo>,
    text: &str,
    request: &GenerateSettings,
    words: &WordVectors,
) -> Result<Generation<'m>, ModelError> {
    let needs_clip = || ModelError::Setting("generate a clip first".into());
    match job {
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

fn engine_error(e: ModelError) -> RunError {
    match e {
        ModelError::Cancelled => RunError::Cancelled,
        e => RunError::Engine(e.to_string()),
    }
}

/// Makes the clip `request` asks for; it becomes the worker's current clip.
pub async fn make(engine: &Engine, request: &RunRequest) -> Result<Made, RunError> {
    let m = engine.model.borrow().clone().ok_or(RunError::NotReady)?;
    let words = engine.words.borrow().clone().ok_or(RunError::NotReady)?;
    let started = now_ms();
    let settings = GenerateSettings {
        seconds: request.seconds,
        sampler: SamplerSettings {
            steps: request.steps,
            guidance: request.guidance,
            seed: request.seed,
            ..SamplerSettings::default()
        },
        camera: request.camera.as_ref().map(|c| CameraChoice {
            motion: c.motion.clone(),
            speed: c.speed.clone(),
        }),
        ..GenerateSettings::default()
    };
    post(&FromEngine::Stage(Stage::Planning));
    next_tick().await;
    let source = engine.current.borrow().clone();
    let text = &request.text;
    let mut generation =
        start(request.job, &m, source.as_deref(), text, &settings, &words).map_err(engine_error)?;
    let planned = now_ms();
    post(&FromEngine::Stage(Stage::Denoising));
    post(&FromEngine::Progress {
        step: 0,
        of: request.steps,
    });
    while !generation.done() {
        next_tick().await;
        if engine.cancelled() {
            return Err(RunError::Cancelled);
        }
        if let EngineStage::Denoise(step, of) = generation.step().map_err(engine_error)? {
            post(&FromEngine::Progress { step, of });
            if step % request.preview_every.max(1) == 0 || step == of {
                let (rgb, side) = generation.preview();
                post(&FromEngine::Preview {
                    rgb: ByteBuf::from(rgb),
                    width: side,
                    height: side,
                });
            }
        }
    }
    let denoised = now_ms();
    post(&FromEngine::Stage(Stage::Decoding));
    next_tick().await;
    let mut video = generation.finish().map_err(engine_error)?;
    let decoded = now_ms();
    let sound = if request.sound && m.audio.is_some() {
        post(&FromEngine::Stage(Stage::Sound));
        next_tick().await;
        if engine.cancelled() {
            return Err(RunError::Cancelled);
        }
        let audio = AudioSettings {
            steps: request.sound_steps,
            seed: request.seed,
            ..AudioSettings::default()
        };
        m.soundtrack(text, &video, &*words, &audio, |_, _| !engine.cancelled())
            .map_err(|e| match e {
                ModelError::Cancelled => RunError::Cancelled,
                e => RunError::Sound(e.to_string()),
            })?
    } else {
        None
    };
    // A Cancel during the sound's phase rebuild (after its last window) is seen here:
    // through the shared flag, since the Cancel message itself waits for this job to end.
    if engine.cancelled() {
        return Err(RunError::Cancelled);
    }
    let sound_ms = sound.as_ref().map_or(0.0, |_| now_ms() - decoded);
    // Kept with the clip, so an extension's sound goes on from it.
    if let Some(t) = &sound {
        video.sound_tokens = t.tokens.clone();
    }
    // Another aspect than square: the window of the square frames that follows the
    // subject.
    let (frames, width, height) = match request.aspect {
        Some(aspect) if video.width == video.height => {
            let window = subject_window(video.trajectory.as_ref(), video.width, aspect);
            let cropped = crop(&video.frames, video.width, window);
            (cropped.concat(), window.width, window.height)
        }
        _ => (video.frames.concat(), video.width, video.height),
    };
    let made = Made {
        width,
        height,
        fps: video.fps,
        frames: ByteBuf::from(frames),
        sample_rate: sound.as_ref().map_or(24_000, |t| t.sample_rate),
        audio: sound
            .as_ref()
            .map(|t| samples_to_bytes(&t.samples))
            .unwrap_or_default(),
        reading: Reading {
            attributes: video.reading.attributes.clone(),
            camera: video.reading.camera.motion.clone(),
            line: video.reading.line.clone(),
        },
        stages: StageTimes {
            plan_ms: planned - started,
            denoise_ms: denoised - planned,
            decode_ms: decoded - denoised,
            sound_ms,
        },
    };
    *engine.current.borrow_mut() = Some(std::rc::Rc::new(video));
    Ok(made)
}

/// Times a 2-step generation of a [`Speed::CALIBRATION_SECONDS`] clip and its sound (a
/// second or so, once, after the model loads). It gives way to a run the person starts
/// meanwhile (`None`: the page then takes the speed from that run instead), so their clip
/// waits at most for the piece of calibration under way.
pub async fn calibrate(engine: &Engine, m: &VideoModel, words: &WordVectors) -> Option<Speed> {
    const PROMPT: &str = "a ball rolls to the left";
    let request = GenerateSettings {
        seconds: Speed::CALIBRATION_SECONDS as f32,
        sampler: SamplerSettings {
            steps: 2,
            ..SamplerSettings::default()
        },
        ..GenerateSettings::default()
    };
    // Yields to the worker's event loop; false once a run has started.
    let idle = || async {
        next_tick().await;
        !engine.busy.get()
    };
    if !idle().await {
        return None;
    }
    let t0 = now_ms();
    let mut generation = m.start(PROMPT, &request, words).ok()?;
    let t1 = now_ms();
    if !idle().await {
        return None;
    }
    let t2 = now_ms();
    while !generation.done() {
        generation.step().ok()?;
    }
    let t3 = now_ms();
    if !idle().await {
        return None;
    }
    let t4 = now_ms();
    let video = generation.finish().ok()?;
    let t5 = now_ms();
    let sound_ms = if m.audio.is_some() {
        if !idle().await {
            return None;
        }
        let t6 = now_ms();
        let settings = AudioSettings {
            steps: kinora_protocol::SOUND_STEPS,
            ..AudioSettings::default()
        };
        m.soundtrack(PROMPT, &video, words, &settings, |_, _| !engine.busy.get())
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
