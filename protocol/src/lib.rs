//! What the page and the engine worker say to each other.
//!
//! The engine (burn, the GPU stack, the models) runs in a dedicated Web Worker built from
//! `worker/`; the page (`app/`) never links it. That keeps the page's wasm small and the
//! page responsive while a clip is made: a denoising step blocks the worker, not the
//! page. Both sides exchange these types as structured-clone values
//! (`serde-wasm-bindgen`); byte fields travel as `Uint8Array`s.
//!
//! The order of a visit: the worker says [`FromEngine::Started`]; the page asks it to
//! [`ToEngine::Load`] (guard files, then the video model: progress as
//! [`FromEngine::Loading`], the guard files back as [`FromEngine::Guard`] for the page's
//! own prompt check, then [`FromEngine::Ready`] and [`FromEngine::Calibrated`]) and to
//! run the kernel [`ToEngine::SelfTest`]. Each [`ToEngine::Run`] answers with stages,
//! progress and previews, and ends with exactly one [`FromEngine::Made`] or
//! [`FromEngine::Failed`].

mod speed;

pub use speed::Speed;

/// Messages as JS values, the one encoding both sides use.
#[cfg(target_arch = "wasm32")]
pub mod js {
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use wasm_bindgen::JsValue;

    /// `message` as a structured-clone value: maps as plain objects, byte fields as
    /// `Uint8Array`s, u64s as BigInt (seeds are u64; a JS number holds only 53 bits
    /// exactly).
    pub fn encode<T: Serialize>(message: &T) -> Result<JsValue, String> {
        message
            .serialize(
                &serde_wasm_bindgen::Serializer::new()
                    .serialize_maps_as_objects(true)
                    .serialize_large_number_types_as_bigints(true),
            )
            .map_err(|e| e.to_string())
    }

    /// A message back from its JS value.
    pub fn decode<T: DeserializeOwned>(value: JsValue) -> Result<T, String> {
        serde_wasm_bindgen::from_value(value).map_err(|e| e.to_string())
    }
}

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;
use std::collections::BTreeMap;

/// The property of the one page → worker message that is not a [`ToEngine`]: the page's
/// shared cancel flag (a `SharedArrayBuffer` cannot travel through serde).
pub const CANCEL_FLAG_MESSAGE: &str = "kinoraCancelFlag";

/// Sampler steps of the audio model in the page (what the calibration times too).
pub const SOUND_STEPS: usize = 8;

/// Weight bytes loaded so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Fetched {
    /// Bytes fetched from the network this visit (a shard's bytes count as they arrive).
    pub network: usize,
    /// Bytes found in this device's cache.
    pub cached: usize,
    /// Total weight bytes.
    pub total: usize,
}

/// What a run makes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub enum Job {
    /// A new clip from the prompt.
    Generate,
    /// The worker's current clip again under an edited prompt, its motion kept.
    Remix { strength: f32 },
    /// The worker's current clip continued by this many seconds.
    Extend { seconds: f32 },
}

/// An explicit camera move (the engine's labels, e.g. `pan_left` and `slow`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraChoice {
    pub motion: String,
    pub speed: String,
}

/// One run's request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRequest {
    pub job: Job,
    /// The prompt (already checked by the page's guardrails).
    pub text: String,
    /// Clip length, s (for Extend: the job's own length is used).
    pub seconds: f32,
    /// Sampler steps.
    pub steps: usize,
    /// Classifier-free guidance.
    pub guidance: f32,
    pub seed: u64,
    /// None: as the prompt says.
    pub camera: Option<CameraChoice>,
    /// Make the soundtrack too.
    pub sound: bool,
    /// Sampler steps of the audio model.
    pub sound_steps: usize,
    /// Send a preview every this many steps (and at the last).
    pub preview_every: usize,
    /// The clip's aspect ratio (width, height): the model's square frames are cropped to
    /// it around the subject. None: square.
    #[serde(default)]
    pub aspect: Option<(u32, u32)>,
}

/// Page → worker.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ToEngine {
    /// Fetch (or find cached), verify and build the guard files and the video model, then
    /// time a short generation for the page's estimate.
    Load,
    /// Find the WebGPU adapter (or say why there is none) and run the int8 matmul
    /// self-test on it, or on the CPU.
    SelfTest {
        shape: (usize, usize, usize),
        repeats: u32,
    },
    /// Make a clip.
    Run(RunRequest),
    /// Stop the current run at its next step (it answers `Failed` with `cancelled`).
    Cancel,
}

/// The loaded model, as the page needs to know it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    /// Version from the manifest.
    pub version: String,
    /// Frames per second the model makes.
    pub fps: u32,
    /// The model's labels per attribute group (camera moves, colours, kinds, grounds…).
    pub labels: BTreeMap<String, Vec<String>>,
    /// The model makes sound.
    pub has_sound: bool,
    /// How the weights came.
    pub fetched: Fetched,
    /// Where the model runs, in words ("this device's CPU").
    pub runs_on: String,
}

/// The WebGPU adapter the worker found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Adapter {
    pub name: String,
    pub backend: String,
    pub device_type: String,
    pub is_software: bool,
    pub shader_f16: bool,
    pub max_storage_buffer_binding_size: u64,
    pub max_buffer_size: u64,
    pub max_compute_workgroup_storage_size: u32,
    pub max_compute_invocations_per_workgroup: u32,
}

/// Where the self-test ran.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Backend {
    Gpu(Adapter),
    Cpu { reason: String },
}

/// One self-test shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfTestCase {
    /// Which kernel ("int8 matmul", "int4 matmul", "attention").
    pub kernel: String,
    pub shape: (usize, usize, usize),
    pub max_error: f32,
    pub passed: bool,
}

/// The kernel self-test's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SelfTestSummary {
    /// Where it ran.
    pub label: String,
    pub cases: Vec<SelfTestCase>,
    /// Benchmark shape and throughput.
    pub bench_shape: (usize, usize, usize),
    pub gflops: f64,
    /// With WebGPU, the same matmul on the CPU backend (what the models run on).
    pub cpu_gflops: Option<f64>,
}

impl SelfTestSummary {
    /// All cases within tolerance.
    pub fn passed(&self) -> bool {
        !self.cases.is_empty() && self.cases.iter().all(|c| c.passed)
    }
}

/// What a run is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Stage {
    /// Reading the prompt and planning the motion.
    Planning,
    Denoising,
    Decoding,
    Sound,
}

/// How the engine read the prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Reading {
    /// (group, label, probability) per attribute group.
    pub attributes: Vec<(String, String, f32)>,
    /// The camera move used.
    pub camera: String,
    /// The line the character speaks, as the engine read it (None: nobody speaks).
    #[serde(default)]
    pub line: Option<String>,
}

/// A finished clip at the model's own size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Made {
    pub width: usize,
    pub height: usize,
    pub fps: u32,
    /// The frames' RGB bytes, one after another (`width·height·3` each).
    pub frames: ByteBuf,
    pub sample_rate: u32,
    /// Mono samples as little-endian f32 (empty: no sound).
    pub audio: ByteBuf,
    pub reading: Reading,
    /// Where the time went.
    pub stages: StageTimes,
}

/// Milliseconds per stage of one run (what the browser benchmark compares with native).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct StageTimes {
    /// Reading the prompt and planning the motion (for clips of several windows, the
    /// first window's; later windows' planning counts in `denoise_ms`).
    pub plan_ms: f64,
    /// Every denoising step (and later windows' planning and decoding).
    pub denoise_ms: f64,
    /// Decoding the last window's frames (from the last step on).
    pub decode_ms: f64,
    /// The soundtrack (0 without sound).
    pub sound_ms: f64,
}

impl StageTimes {
    /// Time to the decoded frames (the stages before the sound follow one another).
    pub fn video_ms(&self) -> f64 {
        self.plan_ms + self.denoise_ms + self.decode_ms
    }
}

impl Made {
    /// The frames, each `width·height·3` RGB bytes.
    pub fn frame_list(&self) -> Vec<Vec<u8>> {
        let size = self.width * self.height * 3;
        if size == 0 {
            return Vec::new();
        }
        self.frames.chunks_exact(size).map(<[u8]>::to_vec).collect()
    }

    /// The soundtrack's samples.
    pub fn samples(&self) -> Vec<f32> {
        samples_from_bytes(&self.audio)
    }
}

/// Samples as little-endian f32 bytes.
pub fn samples_to_bytes(samples: &[f32]) -> ByteBuf {
    ByteBuf::from(
        samples
            .iter()
            .flat_map(|s| s.to_le_bytes())
            .collect::<Vec<u8>>(),
    )
}

/// Little-endian f32 bytes as samples (a trailing partial sample is dropped).
pub fn samples_from_bytes(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

/// Worker → page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FromEngine {
    /// The worker's module is running and listens (messages sent before this are lost).
    Started,
    Loading(Fetched),
    /// The guardrails' word convolution and word vectors, verified, for the page's own
    /// prompt classifier (the page checks prompts before it asks for any compute).
    Guard {
        convolution: ByteBuf,
        vectors: ByteBuf,
    },
    Ready(ModelInfo),
    LoadFailed(String),
    /// A 2 s calibration generation's timings (None: it failed).
    Calibrated(Option<Speed>),
    Backend(Backend),
    SelfTest(Result<SelfTestSummary, String>),
    Stage(Stage),
    /// Denoising step `step` of `of` done.
    Progress {
        step: usize,
        of: usize,
    },
    /// A cheap look at the clip so far: RGB bytes, `width × height`.
    Preview {
        rgb: ByteBuf,
        width: usize,
        height: usize,
    },
    Made(Made),
    Failed(RunError),
}

/// Why a run ended without a clip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RunError {
    /// The person cancelled it.
    Cancelled,
    /// Another run is still going.
    Busy,
    /// The model has not loaded (or failed to).
    NotReady,
    /// The engine refused or failed, in words.
    Engine(String),
    /// The sound could not be made, in words.
    Sound(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Cancelled => {
                f.write_str("Cancelled. Nothing was lost; generate again when you like.")
            }
            RunError::Busy => f.write_str("The engine is still making the last clip."),
            RunError::NotReady => f.write_str("The model is not ready yet."),
            RunError::Engine(e) => f.write_str(e),
            RunError::Sound(e) => write!(f, "The sound could not be made: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_survive_the_byte_form() {
        let samples = [0.0, -1.0, 0.25, f32::MIN_POSITIVE, 0.999];
        assert_eq!(samples_from_bytes(&samples_to_bytes(&samples)), samples);
    }

    #[test]
    fn frames_split_at_their_size() {
        let made = Made {
            width: 2,
            height: 1,
            fps: 12,
            frames: ByteBuf::from((0u8..18).collect::<Vec<_>>()),
            sample_rate: 24_000,
            audio: ByteBuf::new(),
            reading: Reading {
                attributes: vec![],
                camera: "static".into(),
                line: None,
            },
            stages: StageTimes::default(),
        };
        let frames = made.frame_list();
        assert_eq!(frames.len(), 3);
        assert_eq!(frames[2], (12u8..18).collect::<Vec<_>>());
    }

    #[test]
    fn messages_round_trip() {
        let run = ToEngine::Run(RunRequest {
            job: Job::Extend { seconds: 3.0 },
            text: "a red ball".into(),
            seconds: 2.0,
            steps: 8,
            guidance: 2.0,
            seed: 7,
            camera: Some(CameraChoice {
                motion: "pan_left".into(),
                speed: "fast".into(),
            }),
            sound: true,
            sound_steps: 8,
            preview_every: 4,
            aspect: Some((16, 9)),
        });
        let json = serde_json::to_string(&run).unwrap();
        assert_eq!(serde_json::from_str::<ToEngine>(&json).unwrap(), run);
        let failed = FromEngine::Failed(RunError::Sound("no".into()));
        let json = serde_json::to_string(&failed).unwrap();
        assert_eq!(serde_json::from_str::<FromEngine>(&json).unwrap(), failed);
    }
}
