//! Text → video: prompt → tokenizer → text encoder → DiT sampling (Euler, CFG) → VAE
//! decode → RGB frames. One [`VideoModel`] holds the three trained modules, built from a
//! shipped manifest and its hash-checked shards.

use super::audio::{
    AudioDit, AudioModelConfig, AudioSettings, SoundContext, TextPart, decode_tokens,
    sample_tokens, waveform_until,
};
use super::camera::CameraMove;
use super::dit::{DitCondition, VideoDit, VideoDitConfig};
use super::layers::key_bias;
use super::layout::{PLAN_CHANNELS, SLOTS, Trajectory, layout_tensor, object_maps_tensor};
use super::sampler::{SamplerRun, SamplerSettings, Start, sample_from};
use super::speech::{Syllable, schedule, spoken_line};
use super::sprite::{
    Mouths, SpriteBox, SpriteDecoder, SpriteDecoderConfig, composite, pose_inputs, visibility,
};
use super::text::{
    AttributeGroup, TextEncoder, TextEncoderConfig, TextEncoding, Tokenizer, WordLookup,
    group_probabilities,
};
use super::vae::{VideoVae, VideoVaeConfig};
use super::weights::{Manifest, WeightsError, load_tensors, unpack};
use burn::prelude::*;
use serde::{Deserialize, Serialize};

/// Video frames per latent frame (the VAE's temporal compression).
pub const FRAMES_PER_LATENT: usize = 4;
/// Pixels per latent cell at the base resolution (the VAE's spatial compression).
pub const PIXELS_PER_LATENT: usize = 8;

/// Everything needed to rebuild the model from its weights (stored in the manifest).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct VideoModelConfig {
    /// Text encoder.
    pub text: TextEncoderConfig,
    /// VAE.
    pub vae: VideoVaeConfig,
    /// DiT.
    pub dit: VideoDitConfig,
    /// Tokenizer (max words, typo lexicon).
    pub tokenizer: Tokenizer,
    /// Attribute groups the text encoder names, in logit order.
    pub schema: Vec<AttributeGroup>,
    /// Per-channel latent mean (latents are normalized before the DiT sees them).
    pub latent_mean: Vec<f32>,
    /// Per-channel latent standard deviation.
    pub latent_std: Vec<f32>,
    /// Frame rate the model was trained at.
    pub fps: u32,
    /// Side of the base resolution (the decoder's upsampler doubles it).
    pub base_size: usize,
    /// The trajectory planner (a [`VideoDit`] over one token per frame, see
    /// [`super::layout`]); `None` in models whose DiT takes no layout.
    #[serde(default)]
    pub planner: Option<VideoDitConfig>,
    /// Attributes of each object slot the decoder is told beside where the object is
    /// (`object{k}_{name}` groups, e.g. colour and kind; see
    /// [`super::layout::object_maps`]); empty for decoders that take positions only.
    #[serde(default)]
    pub decoder_attributes: Vec<String>,
    /// The object layer's appearance decoder (see [`super::sprite`]): objects drawn over
    /// the decoded frames on the plan's tracks. `None` in models without one.
    #[serde(default)]
    pub sprites: Option<SpriteDecoderConfig>,
    /// The audio model (see [`super::audio`]): a soundtrack for the generated clip from
    /// the prompt and the objects' tracks. `None` in models without sound.
    #[serde(default)]
    pub audio: Option<AudioModelConfig>,
    /// Longest clip the planner learned whole paths for, s: a clip up to this long is
    /// planned in one go (its windows take their part of the plan); a longer one
    /// continues its plan window by window. Models from before the field planned 2 s.
    #[serde(default = "trained_seconds")]
    pub plan_seconds: f32,
    /// A second text encoder that names the prompt's attributes, taught the wordings
    /// people write (see `train-video text-tune`), while [`Self::text`] keeps giving the
    /// generators the token states and summary they were trained on. `None`: the text
    /// encoder names them too.
    #[serde(default)]
    pub reader: Option<TextEncoderConfig>,
}

fn trained_seconds() -> f32 {
    TRAINED_SECONDS
}

impl VideoModelConfig {
    /// Index range of a named attribute group in the concatenated logits.
    pub fn group_range(&self, name: &str) -> Option<std::ops::Range<usize>> {
        let mut start = 0;
        for g in &self.schema {
            if g.name == name {
                return Some(start..start + g.labels.len());
            }
            start += g.labels.len();
        }
        None
    }

    /// Labels of a named group.
    pub fn labels(&self, name: &str) -> &[String] {
        self.schema
            .iter()
            .find(|g| g.name == name)
            .map(|g| g.labels.as_slice())
            .unwrap_or(&[])
    }
}

/// Why a generation could not run.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// The weights are missing, corrupt or do not fit.
    #[error(transparent)]
    Weights(#[from] WeightsError),
    /// A setting out of range.
    #[error("invalid setting: {0}")]
    Setting(String),
    /// The user cancelled.
    #[error("cancelled")]
    Cancelled,
}

/// A camera move: direction label and speed label (from the model's schema).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CameraChoice {
    /// e.g. `pan_left`.
    pub motion: String,
    /// `slow` or `fast`.
    pub speed: String,
}

/// How to generate one clip.
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateSettings {
    /// Clip length in seconds.
    pub seconds: f32,
    /// Sampler (steps, guidance, seed).
    pub sampler: SamplerSettings,
    /// Camera set explicitly; `None` takes it from the prompt.
    pub camera: Option<CameraChoice>,
    /// Classifier-free guidance of the trajectory planner (models that plan).
    pub plan_guidance: f32,
    /// Whether guidance also pushes towards the plan (the unconditional branch then gets
    /// no layout) or only sharpens what the text adds (both branches get the plan).
    pub guide_layout: bool,
    /// Latent frames of the source an extension is conditioned on.
    pub extend_context: usize,
    /// Flow time below which an extension's known frames are released to be harmonized
    /// (0: held to the end).
    pub extend_release: f32,
}

impl Default for GenerateSettings {
    /// 2 s, the default sampler, camera from the prompt, [`PLAN_GUIDANCE`], guidance
    /// towards the plan (it scored better on a tuning set of held-out prompts).
    fn default() -> Self {
        GenerateSettings {
            seconds: 2.0,
            sampler: SamplerSettings::default(),
            camera: None,
            plan_guidance: PLAN_GUIDANCE,
            guide_layout: true,
            extend_context: EXTEND_CONTEXT,
            extend_release: EXTEND_RELEASE,
        }
    }
}

/// What the model understood of a prompt.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct PromptReading {
    /// Typos mended: (typed, used).
    pub corrected: Vec<(String, String)>,
    /// Words ignored (unknown).
    pub ignored: Vec<String>,
    /// Most likely label of each attribute group, with its probability.
    pub attributes: Vec<(String, String, f32)>,
    /// The camera used.
    pub camera: CameraChoice,
    /// The spoken line read from the prompt (see [`super::speech::spoken_line`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<String>,
    /// Clip time the line's schedule counts from, s: 0 for a clip's own line; an
    /// extension that says a new line starts it where its source ends.
    #[serde(skip_serializing_if = "is_zero")]
    pub line_start: f32,
    /// Lines said earlier in the clip (its source's, when an extension says a new one):
    /// the mouth and the voice follow them in the part of the clip they were said in.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub earlier_lines: Vec<EarlierLine>,
}

/// A line said earlier in a clip, and the clip time its schedule counts from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EarlierLine {
    /// The line.
    pub line: String,
    /// Clip time its schedule counts from, s.
    pub start: f32,
}

fn is_zero(v: &f32) -> bool {
    *v == 0.0
}

/// A generated clip.
#[derive(Debug, Clone)]
pub struct GeneratedVideo {
    /// Frames, row-major RGB8, `width × height × 3` each.
    pub frames: Vec<Vec<u8>>,
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// Frames per second.
    pub fps: u32,
    /// Denormalized latents `[C, T, H, W]` (kept for remix and extend).
    pub latents: Vec<f32>,
    /// The objects' planned trajectory, if the model plans one (kept for remix: the same
    /// plan under an edited prompt keeps the motion).
    pub trajectory: Option<Trajectory>,
    /// What the prompt was read as.
    pub reading: PromptReading,
    /// What the decoder was told about each object slot (see
    /// [`VideoModelConfig::decoder_attributes`]; empty when nothing).
    pub objects: Vec<Vec<f32>>,
    /// Each object slot's look for the object layer (see [`super::sprite`]; empty when
    /// the model has none): colour, kind and scene probabilities.
    pub looks: Vec<Vec<f32>>,
    /// The audio model's tokens of the soundtrack made for this clip so far (see
    /// [`Soundtrack::tokens`]; empty before one is made). An extension keeps its source's,
    /// so the soundtrack of the longer clip goes on from the source's sound.
    pub sound_tokens: Vec<f32>,
}

/// A generated soundtrack.
#[derive(Debug, Clone, PartialEq)]
pub struct Soundtrack {
    /// Mono samples in −1..1.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
    /// Integrated loudness reached (LUFS; see [`super::loudness`]).
    pub lufs: f32,
    /// The audio model's coefficient tokens it was decoded from (what an extension's
    /// soundtrack holds and continues; store them in [`GeneratedVideo::sound_tokens`]).
    pub tokens: Vec<f32>,
}

/// What a clip keeps so it can be remixed or extended later (stored beside it: a
/// `.kinora.json` file from the CLI, the gallery record in the page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClipLatents {
    /// The model that made them (latents only mean something to the same VAE; the name
    /// holds the latent channels and base size, so it also fixes their shape).
    pub model: String,
    /// Denormalized latents `[C, T, side, side]`.
    pub latents: Vec<f32>,
    /// The objects' trajectory, if the model plans one.
    pub trajectory: Option<Trajectory>,
    /// What the decoder was told about each object (kept so the clip decodes the same).
    #[serde(default)]
    pub objects: Vec<Vec<f32>>,
    /// Each object's look for the object layer (kept so the clip decodes the same).
    #[serde(default)]
    pub looks: Vec<Vec<f32>>,
    /// The soundtrack's tokens (so an extension's sound goes on from it).
    #[serde(default)]
    pub sound: Vec<f32>,
    /// The camera the clip was made with (its move is applied when it is decoded again).
    #[serde(default)]
    pub camera: Option<CameraChoice>,
    /// The line spoken in the clip (the speaker's mouth follows it when it is decoded
    /// again).
    #[serde(default)]
    pub line: Option<String>,
    /// Where the line's schedule starts in the clip, s (see [`PromptReading::line_start`]).
    #[serde(default)]
    pub line_start: f32,
    /// Lines said before it (see [`PromptReading::earlier_lines`]).
    #[serde(default)]
    pub earlier_lines: Vec<EarlierLine>,
}

impl GeneratedVideo {
    /// What to keep of this clip for a later remix or extension by `model`.
    pub fn keep(&self, model: &VideoModel) -> ClipLatents {
        ClipLatents {
            model: model.identity(),
            latents: self.latents.clone(),
            trajectory: self.trajectory.clone(),
            objects: self.objects.clone(),
            looks: self.looks.clone(),
            sound: self.sound_tokens.clone(),
            camera: Some(self.reading.camera.clone()),
            line: self.reading.line.clone(),
            line_start: self.reading.line_start,
            earlier_lines: self.reading.earlier_lines.clone(),
        }
    }
}

/// The three trained modules and their configuration.
#[derive(Debug, Clone)]
pub struct VideoModel {
    /// Configuration.
    pub config: VideoModelConfig,
    /// Text encoder.
    pub text: TextEncoder,
    /// VAE (the decoder is what generation uses).
    pub vae: VideoVae,
    /// DiT.
    pub dit: VideoDit,
    /// Trajectory planner (models with layout-conditioned DiTs).
    pub planner: Option<VideoDit>,
    /// The object layer's appearance decoder (models that draw objects as layers).
    pub sprites: Option<SpriteDecoder>,
    /// The audio model (models with sound).
    pub audio: Option<AudioDit>,
    /// The attribute reader ([`VideoModelConfig::reader`]).
    pub reader: Option<TextEncoder>,
    device: Device,
}

/// Progress of a generation.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stage {
    /// Reading the prompt.
    Text,
    /// Planning the objects' trajectories.
    Plan,
    /// Denoising step `i` of `n`.
    Denoise(usize, usize),
    /// Decoding latents to frames.
    Decode,
}

impl VideoModel {
    /// Builds the model with fresh (untrained) weights.
    pub fn new(config: VideoModelConfig, device: &Device) -> Self {
        VideoModel {
            text: config.text.init(device),
            vae: config.vae.init(device),
            dit: config.dit.init(device),
            planner: config.planner.as_ref().map(|p| p.init(device)),
            sprites: config.sprites.as_ref().map(|s| s.init(device)),
            audio: config.audio.as_ref().map(|a| a.dit.init(device)),
            reader: config.reader.as_ref().map(|r| r.init(device)),
            config,
            device: device.clone(),
        }
    }

    /// Builds the model from a folder holding `manifest.json` and its shards (every shard
    /// hash-checked): the CLI's, the trainers' and the native tests' way in.
    pub fn from_dir(dir: &std::path::Path, device: &Device) -> Result<Self, ModelError> {
        let io = |path: std::path::PathBuf, e: std::io::Error| WeightsError::Io {
            path: path.display().to_string(),
            message: e.to_string(),
        };
        let manifest_path = dir.join("manifest.json");
        let text = std::fs::read(&manifest_path).map_err(|e| io(manifest_path.clone(), e))?;
        let manifest: Manifest = serde_json::from_slice(&text)
            .map_err(|e| WeightsError::Manifest(format!("{}: {e}", manifest_path.display())))?;
        VideoModel::from_manifest(
            &manifest,
            |file| std::fs::read(dir.join(file)).map_err(|e| io(dir.join(file), e)),
            device,
        )
    }

    /// Builds the model from a manifest and its shards (every shard hash-checked).
    pub fn from_manifest(
        manifest: &Manifest,
        read_shard: impl FnMut(&str) -> Result<Vec<u8>, WeightsError>,
        device: &Device,
    ) -> Result<Self, ModelError> {
        let config: VideoModelConfig = serde_json::from_value(manifest.config.clone())
            .map_err(|e| WeightsError::Manifest(format!("model configuration: {e}")))?;
        let tensors = unpack(manifest, read_shard)?;
        let fresh = VideoModel::new(config, device);
        Ok(VideoModel {
            text: load_tensors(fresh.text, "text", &tensors)?,
            vae: load_tensors(fresh.vae, "vae", &tensors)?,
            dit: load_tensors(fresh.dit, "dit", &tensors)?,
            planner: match fresh.planner {
                Some(p) => Some(load_tensors(p, "planner", &tensors)?),
                None => None,
            },
            sprites: match fresh.sprites {
                Some(s) => Some(load_tensors(s, "sprites", &tensors)?),
                None => None,
            },
            audio: match fresh.audio {
                Some(a) => Some(load_tensors(a, "audio", &tensors)?),
                None => None,
            },
            reader: match fresh.reader {
                Some(r) => Some(load_tensors(r, "reader", &tensors)?),
                None => None,
            },
            config: fresh.config,
            device: device.clone(),
        })
    }

    /// The device the model runs on.
    pub fn device(&self) -> &Device {
        &self.device
    }

    /// A name for the latent space: kept latents only mean something to the same VAE.
    pub fn identity(&self) -> String {
        format!(
            "kinora-video/{}x{}x{}",
            self.config.vae.latent_channels,
            self.config.base_size,
            self.config
                .vae
                .widths
                .iter()
                .map(usize::to_string)
                .collect::<Vec<_>>()
                .join("-")
        )
    }

    /// Rebuilds a clip from its kept latents (decoded again), to remix or extend it.
    pub fn resume(&self, kept: &ClipLatents) -> Result<GeneratedVideo, ModelError> {
        if kept.model != self.identity() {
            return Err(ModelError::Setting(format!(
                "these latents come from another model ({}; this is {})",
                kept.model,
                self.identity()
            )));
        }
        let video = GeneratedVideo {
            frames: Vec::new(),
            width: 0,
            height: 0,
            fps: self.config.fps,
            latents: kept.latents.clone(),
            trajectory: kept.trajectory.clone(),
            reading: PromptReading {
                camera: kept.camera.clone().unwrap_or_default(),
                line: kept.line.clone(),
                line_start: kept.line_start,
                earlier_lines: kept.earlier_lines.clone(),
                ..PromptReading::default()
            },
            objects: kept.objects.clone(),
            looks: kept.looks.clone(),
            sound_tokens: kept.sound.clone(),
        };
        let latents = self.source_latents(&video)?;
        if let Some(t) = &kept.trajectory
            && (t.frames != latents.dims()[2] * FRAMES_PER_LATENT
                || t.slots.len() != t.frames * SLOTS)
        {
            return Err(ModelError::Setting(
                "the kept trajectory does not match the latents".into(),
            ));
        }
        let (frames, width, height) = self.decode(
            latents,
            kept.trajectory.as_ref(),
            &Cast {
                objects: &kept.objects,
                looks: &kept.looks,
                line: kept.line.as_deref(),
                line_start: kept.line_start,
                earlier: &kept.earlier_lines,
            },
            self.camera_move(&video.reading.camera),
            0,
        );
        Ok(GeneratedVideo {
            frames,
            width,
            height,
            ..video
        })
    }

    /// The soundtrack of a generated clip: the audio model samples log-magnitude frames
    /// from `prompt` and the clip's object tracks (the plan the object layer drew), then
    /// the codec rebuilds the waveform and normalizes its loudness. A clip that carries
    /// sound tokens (an extension carries its source's) keeps them: only the rest is
    /// sampled, going on from their last half second as from a window before. `Ok(None)`
    /// for models without sound or clips without a plan. `on_window(i, n)` reports
    /// progress before each 2 s window and each of its steps (i < n), then before each iteration of the phase
    /// rebuild (i = n); returning false cancels.
    pub fn soundtrack(
        &self,
        prompt: &str,
        video: &GeneratedVideo,
        words: &dyn WordLookup,
        settings: &AudioSettings,
        mut on_window: impl FnMut(usize, usize) -> bool,
    ) -> Result<Option<Soundtrack>, ModelError> {
        let (Some(dit), Some(config), Some(plan)) =
            (&self.audio, &self.config.audio, &video.trajectory)
        else {
            return Ok(None);
        };
        let (text, null_text) = self.text_parts(prompt, words);
        let line = spoken(&video.reading);
        let rate = config.sample_rate;
        let samples = video.frames.len() * rate as usize / video.fps.max(1) as usize;
        let frames = samples.div_ceil(super::spectrum::HOP);
        let mut windows = 0;
        let tokens = sample_tokens(
            dit,
            config,
            &SoundContext {
                text: &text,
                null_text: &null_text,
                plan,
                objects: &video.objects,
                fps: video.fps,
                speech: &line,
            },
            frames,
            &video.sound_tokens,
            settings,
            |i, n| {
                windows = n;
                on_window(i, n)
            },
        )
        .ok_or(ModelError::Cancelled)?;
        let mags = decode_tokens(dit, &tokens, frames);
        let (samples, lufs) = waveform_until(&mags, samples, settings, rate, &mut || {
            on_window(windows, windows)
        })
        .ok_or(ModelError::Cancelled)?;
        Ok(Some(Soundtrack {
            samples,
            sample_rate: rate,
            lufs,
            tokens,
        }))
    }

    /// The text halves of the audio model's condition: the prompt's, and the empty one of
    /// the unconditional branch.
    pub fn text_parts(&self, prompt: &str, words: &dyn WordLookup) -> (TextPart, TextPart) {
        let (enc, _) = self.encode_text(&[prompt], words);
        let null = self.null_condition(1);
        (
            TextPart {
                tokens: enc.tokens,
                bias: enc.bias,
                pooled: enc.pooled,
            },
            TextPart {
                tokens: null.tokens,
                bias: null.bias,
                pooled: null.pooled,
            },
        )
    }

    /// Encodes prompts; returns the encoding and the tokenized prompts.
    pub fn encode_text(
        &self,
        prompts: &[&str],
        words: &dyn WordLookup,
    ) -> (TextEncoding, Vec<super::text::TokenizedPrompt>) {
        let (x, valid, tok) = self.config.tokenizer.batch(prompts, words, &self.device);
        match &self.reader {
            None => (self.text.forward(x, &valid), tok),
            Some(reader) => {
                let logits = reader.forward(x.clone(), &valid).logits;
                let encoding = self.text.forward(x, &valid);
                (TextEncoding { logits, ..encoding }, tok)
            }
        }
    }

    /// Camera one-hot vectors `[B, camera_dims]` for the given (motion, speed) label indices.
    pub fn camera_tensor(&self, choices: &[(usize, usize)]) -> Tensor<2> {
        let motions = self.config.labels("camera").len();
        let speeds = self.config.labels("camera_speed").len();
        let width = motions + speeds;
        let mut v = vec![0.0f32; choices.len() * width];
        for (i, &(m, s)) in choices.iter().enumerate() {
            v[i * width + m.min(motions - 1)] = 1.0;
            v[i * width + motions + s.min(speeds - 1)] = 1.0;
        }
        Tensor::from_data(TensorData::new(v, [choices.len(), width]), &self.device)
    }

    /// The DiT condition for an encoding and camera vectors.
    pub fn condition(&self, encoding: &TextEncoding, camera: Tensor<2>) -> DitCondition {
        DitCondition {
            tokens: encoding.tokens.clone(),
            bias: encoding.bias.clone(),
            pooled: encoding.pooled.clone(),
            attributes: group_probabilities(encoding.logits.clone(), self.text.groups()),
            camera,
            layout: None,
        }
    }

    /// The empty condition (no text, no camera): the unconditional branch of CFG and
    /// what condition dropout trains.
    pub fn null_condition(&self, batch: usize) -> DitCondition {
        let m = self.config.tokenizer.max_words + 1;
        let d = self.config.text.d_model;
        let attrs: usize = self.text.groups().iter().sum();
        let camera = self.config.dit.camera_dims;
        let valid: Vec<bool> = (0..batch).flat_map(|_| (0..m).map(|i| i == 0)).collect();
        DitCondition {
            tokens: Tensor::zeros([batch, m, d], &self.device),
            bias: key_bias(&valid, batch, m, &self.device),
            pooled: Tensor::zeros([batch, d], &self.device),
            attributes: Tensor::zeros([batch, attrs], &self.device),
            camera: Tensor::zeros([batch, camera], &self.device),
            layout: None,
        }
    }

    /// Most likely label per attribute group of one prompt's logits.
    fn read_attributes(&self, logits: &[f32]) -> Vec<(String, String, f32)> {
        let mut out = Vec::new();
        let mut start = 0;
        for g in &self.config.schema {
            let p = softmax(&logits[start..start + g.labels.len()]);
            let (best, prob) =
                p.iter()
                    .copied()
                    .enumerate()
                    .fold(
                        (0, f32::NEG_INFINITY),
                        |acc, (i, v)| if v > acc.1 { (i, v) } else { acc },
                    );
            out.push((g.name.clone(), g.labels[best].clone(), prob));
            start += g.labels.len();
        }
        out
    }

    /// The decoder's features per object slot: the text encoder's probabilities of each
    /// label of the slot's [`VideoModelConfig::decoder_attributes`] groups ("none" left
    /// out, so a slot the prompt leaves empty gets small values everywhere).
    fn object_features(&self, logits: &[f32]) -> Vec<Vec<f32>> {
        if self.config.decoder_attributes.is_empty() {
            return Vec::new();
        }
        (1..=SLOTS)
            .map(|k| {
                self.config
                    .decoder_attributes
                    .iter()
                    .flat_map(|a| self.label_probabilities(logits, &format!("object{k}_{a}"), true))
                    .collect()
            })
            .collect()
    }

    /// One attribute group's label probabilities from a prompt's logits, "none" left out
    /// when `drop_none`; empty when the schema has no such group.
    fn label_probabilities(&self, logits: &[f32], name: &str, drop_none: bool) -> Vec<f32> {
        let Some(range) = self.config.group_range(name) else {
            return Vec::new();
        };
        softmax(&logits[range])
            .into_iter()
            .zip(self.config.labels(name))
            .filter(|(_, label)| !drop_none || label.as_str() != "none")
            .map(|(p, _)| p)
            .collect()
    }

    /// Each slot's look for the object layer: the text encoder's colour and kind
    /// probabilities of the slot ("none" left out, so an empty slot's kinds sum to about
    /// 0), then the scene's sky and style probabilities (the light it is seen in). Empty
    /// for models without an object layer.
    fn looks(&self, logits: &[f32]) -> Vec<Vec<f32>> {
        let Some(config) = &self.config.sprites else {
            return Vec::new();
        };
        let probabilities = |name: &str, drop_none: bool| {
            sharpen(
                &self.label_probabilities(logits, name, drop_none),
                LOOK_SHARPNESS,
            )
        };
        let scene: Vec<f32> = SPRITE_SCENE_GROUPS
            .iter()
            .flat_map(|g| probabilities(g, false))
            .collect();
        // A group the schema lacks reads as zeros (for a kind: no object to draw). The
        // layer learned from one-hot looks: an encoder unsure between two colours would
        // otherwise get their mixture (cyan and blue → a dull teal), so each group's
        // probabilities are sharpened, keeping their sum.
        let sized = |mut v: Vec<f32>, len: usize| {
            v.resize(len, 0.0);
            v
        };
        let scene = sized(scene, config.scene);
        (1..=SLOTS)
            .map(|k| {
                let mut look = sized(
                    probabilities(&format!("object{k}_colour"), true),
                    config.colours,
                );
                look.extend(sized(
                    probabilities(&format!("object{k}_kind"), true),
                    config.kinds,
                ));
                look.extend_from_slice(&scene);
                look
            })
            .collect()
    }

    /// Generates one clip. `progress(stage)` returns false to cancel.
    pub fn generate(
        &self,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
        mut progress: impl FnMut(Stage) -> bool,
    ) -> Result<GeneratedVideo, ModelError> {
        let generation = self.start_with(prompt, settings, words, &mut progress)?;
        generation.run(progress)
    }

    /// Starts a generation to be taken one step at a time ([`Generation::step`]), so a
    /// caller can yield between steps: the page's path.
    pub fn start(
        &self,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
    ) -> Result<Generation<'_>, ModelError> {
        self.start_with(prompt, settings, words, &mut |_| true)
    }

    fn start_with(
        &self,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
        progress: &mut impl FnMut(Stage) -> bool,
    ) -> Result<Generation<'_>, ModelError> {
        let frames = self.check_settings(settings)?;
        let job = self.read_prompt(prompt, settings, words, progress)?;
        if self.planner.is_some() && !progress(Stage::Plan) {
            return Err(ModelError::Cancelled);
        }
        // A clip longer than the windows the models were trained on is made as its first
        // window, then extensions of it of at most that length each (as a user's 2 s
        // extension is): sampled in one go, the frames past the trained span get
        // positions the models never learned (5 s clips kept their objects 23% of the
        // time that way).
        let trained = self.trained_latent_frames();
        let mut windows = window_sizes(frames / FRAMES_PER_LATENT, trained, trained).into_iter();
        let first = windows.next().unwrap_or(0) * FRAMES_PER_LATENT;
        let pristine = job.clone();
        let mut job = job;
        // The whole clip's plan when the planner learned paths that long, else the first
        // window's (the later windows then continue it).
        let whole = (settings.seconds <= self.config.plan_seconds + 1e-3)
            .then(|| self.plan(&job, frames, settings))
            .flatten();
        let trajectory = match &whole {
            Some(plan) => Some(plan.frames_between(0, first)),
            None => self.plan(&job, first, settings),
        };
        self.set_layout(&mut job, trajectory.as_ref(), settings.guide_layout);
        let shape = [
            self.config.vae.latent_channels,
            first / FRAMES_PER_LATENT,
            self.latent_side(),
            self.latent_side(),
        ];
        let mut generation =
            self.generation(job, Start::Noise(shape), settings, trajectory, Ending::Clip);
        generation.chain(pristine, settings, windows.collect(), whole);
        Ok(generation)
    }

    /// Latent frames of the windows the DiT and the planner were trained on.
    fn trained_latent_frames(&self) -> usize {
        let frames = (TRAINED_SECONDS * self.config.fps as f32).round() as usize;
        (frames / FRAMES_PER_LATENT).max(2)
    }

    /// A generation of `job` from `start`, ready for its first step.
    fn generation(
        &self,
        job: Job,
        start: Start,
        settings: &GenerateSettings,
        trajectory: Option<Trajectory>,
        ending: Ending,
    ) -> Generation<'_> {
        let run = SamplerRun::new(
            &job.cond,
            &job.uncond,
            start,
            &settings.sampler,
            &self.device,
        );
        Generation {
            model: self,
            job,
            run,
            trajectory,
            ending,
            chain: None,
        }
    }

    /// The planner's trajectory for a prompt alone (`None` for models without a planner):
    /// the same plan [`VideoModel::generate`] draws with these settings.
    pub fn plan_only(
        &self,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
    ) -> Result<Option<Trajectory>, ModelError> {
        let frames = self.check_settings(settings)?;
        let job = self.read_prompt(prompt, settings, words, &mut |_| true)?;
        Ok(self.plan(&job, frames, settings))
    }

    fn plan(&self, job: &Job, frames: usize, settings: &GenerateSettings) -> Option<Trajectory> {
        let planner = self.planner.as_ref()?;
        let start = Start::Noise([PLAN_CHANNELS, frames, 1, 1]);
        Some(self.sample_plan(planner, job, start, settings).steadied())
    }

    /// Samples a trajectory from `start` with the planner's own guidance and noise.
    fn sample_plan(
        &self,
        planner: &VideoDit,
        job: &Job,
        start: Start,
        settings: &GenerateSettings,
    ) -> Trajectory {
        let (plan, _) = sample_from(
            planner,
            &job.plan_cond,
            &job.uncond,
            start,
            &plan_settings(settings),
            &self.device,
            |_, _, _| true,
        );
        let frames = plan.dims()[2];
        Trajectory::from_normalized(&to_vec(plan), frames)
    }

    /// Remixes a clip: its latents re-noised to `strength` (0–1; more changes more) and
    /// denoised under `prompt`, with the clip's own trajectory as the plan, so the objects
    /// keep their motion while colour, object or background follow the new prompt.
    pub fn remix(
        &self,
        source: &GeneratedVideo,
        prompt: &str,
        strength: f32,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
        mut progress: impl FnMut(Stage) -> bool,
    ) -> Result<GeneratedVideo, ModelError> {
        self.start_remix_with(source, prompt, strength, settings, words, &mut progress)?
            .run(progress)
    }

    /// [`VideoModel::remix`] to be taken one step at a time (the page's path).
    pub fn start_remix(
        &self,
        source: &GeneratedVideo,
        prompt: &str,
        strength: f32,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
    ) -> Result<Generation<'_>, ModelError> {
        self.start_remix_with(source, prompt, strength, settings, words, &mut |_| true)
    }

    fn start_remix_with(
        &self,
        source: &GeneratedVideo,
        prompt: &str,
        strength: f32,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
        progress: &mut impl FnMut(Stage) -> bool,
    ) -> Result<Generation<'_>, ModelError> {
        if !(0.05..=1.0).contains(&strength) {
            return Err(ModelError::Setting(format!(
                "remix strength {strength} is not in 0.05–1"
            )));
        }
        let source_latents = self.source_latents(source)?;
        let mut job = self.read_prompt(prompt, settings, words, progress)?;
        self.set_layout(&mut job, source.trajectory.as_ref(), settings.guide_layout);
        let start = Start::Renoise {
            latents: self.normalize(source_latents),
            strength,
        };
        Ok(self.generation(
            job,
            start,
            settings,
            source.trajectory.clone(),
            Ending::Clip,
        ))
    }

    /// Extends a clip by `settings.seconds`: a window of the clip's last
    /// `settings.extend_context` latent frames plus the new ones is sampled with the known frames
    /// held (and the plan continued the same way), under `prompt` (the same or a new one,
    /// "two seconds later …"). Returns the whole clip: the source's frames followed by the
    /// new ones, so extensions chain.
    pub fn extend(
        &self,
        source: &GeneratedVideo,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
        mut progress: impl FnMut(Stage) -> bool,
    ) -> Result<GeneratedVideo, ModelError> {
        self.start_extend_with(source, prompt, settings, words, &mut progress)?
            .run(progress)
    }

    /// [`VideoModel::extend`] to be taken one step at a time (the page's path).
    pub fn start_extend(
        &self,
        source: &GeneratedVideo,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
    ) -> Result<Generation<'_>, ModelError> {
        self.start_extend_with(source, prompt, settings, words, &mut |_| true)
    }

    fn start_extend_with(
        &self,
        source: &GeneratedVideo,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
        progress: &mut impl FnMut(Stage) -> bool,
    ) -> Result<Generation<'_>, ModelError> {
        let new_frames = self.check_settings(settings)?;
        // The clip goes on under its own camera unless one is set: the camera layer's
        // move is a function of clip time, so another move would jump at the seam.
        let kept_camera;
        let settings = match (&settings.camera, source.reading.camera.motion.is_empty()) {
            (None, false) => {
                kept_camera = GenerateSettings {
                    camera: Some(source.reading.camera.clone()),
                    ..settings.clone()
                };
                &kept_camera
            }
            _ => settings,
        };
        let mut job = self.read_prompt(prompt, settings, words, progress)?;
        continue_line(&mut job.reading, source);
        // Longer extensions go on window by window, as long clips do.
        let trained = self.trained_latent_frames();
        let mut windows =
            window_sizes(new_frames / FRAMES_PER_LATENT, trained, trained).into_iter();
        let first = windows.next().unwrap_or(0) * FRAMES_PER_LATENT;
        let mut generation =
            self.extension(job.clone(), source, first, settings, None, progress)?;
        generation.chain(job, settings, windows.collect(), None);
        Ok(generation)
    }

    /// The generation of `new_frames` after `source` for a prompt already read (`job`, with
    /// no plan's layout in it yet): one window of the source's last latent frames and the
    /// new ones. `plan` is the window's part of a plan made before (its known frames
    /// first); without one the source's plan is continued.
    fn extension(
        &self,
        mut job: Job,
        source: &GeneratedVideo,
        new_frames: usize,
        settings: &GenerateSettings,
        plan: Option<Trajectory>,
        progress: &mut impl FnMut(Stage) -> bool,
    ) -> Result<Generation<'_>, ModelError> {
        let source_latents = self.source_latents(source)?;
        let [_, c, t_src, side, _] = source_latents.dims();
        let k = settings.extend_context.clamp(1, t_src);
        let window = k + new_frames / FRAMES_PER_LATENT;
        if window > self.config.dit.max_frames {
            return Err(ModelError::Setting(format!(
                "at most {} s per extension",
                (self.config.dit.max_frames - k) * FRAMES_PER_LATENT / self.config.fps as usize
            )));
        }
        let known_frames = k * FRAMES_PER_LATENT;
        let trajectory = match (plan, &self.planner, &source.trajectory) {
            (Some(plan), _, _) => Some(plan),
            (None, Some(planner), Some(prev)) => {
                if !progress(Stage::Plan) {
                    return Err(ModelError::Cancelled);
                }
                let tail = Trajectory {
                    frames: known_frames,
                    slots: prev.slots[(prev.frames - known_frames) * SLOTS..].to_vec(),
                };
                let known = Tensor::<1>::from_data(
                    TensorData::new(tail.normalized(), [PLAN_CHANNELS * known_frames]),
                    &self.device,
                )
                .reshape([1, PLAN_CHANNELS, known_frames, 1, 1]);
                let start = Start::Continue {
                    shape: [PLAN_CHANNELS, known_frames + new_frames, 1, 1],
                    known,
                    release: 0.0,
                };
                Some(
                    self.sample_plan(planner, &job, start, settings)
                        .continued_from(known_frames)
                        .keeping_exits(prev, known_frames),
                )
            }
            _ => None,
        };
        self.set_layout(&mut job, trajectory.as_ref(), settings.guide_layout);
        let source_tail = source_latents.narrow(2, t_src - k, k);
        let start = Start::Continue {
            shape: [c, window, side, side],
            known: self.normalize(source_tail),
            release: settings.extend_release,
        };
        let ending = Ending::Extension {
            source: Box::new(source.clone()),
            context: k,
        };
        Ok(self.generation(job, start, settings, trajectory, ending))
    }

    /// The end of an extension: the sampled window's latents joined to the source's and
    /// decoded, the overlap blended so neither side of the seam jumps.
    fn finish_extension(
        &self,
        job: Job,
        sampled: Tensor<5>,
        trajectory: Option<Trajectory>,
        source: &GeneratedVideo,
        k: usize,
    ) -> Result<GeneratedVideo, ModelError> {
        let source_latents = self.source_latents(source)?;
        let t_src = source_latents.dims()[2];
        let window = sampled.dims()[2];
        let known_frames = k * FRAMES_PER_LATENT;
        let source_tail = source_latents.clone().narrow(2, t_src - k, k);
        let sampled = self.denormalize(sampled);
        let window_latents = if self.plate_is_still(&job.reading.camera) {
            // A still plate (static camera, or a move the camera layer makes; the scene
            // latents hold only the background, the object layer draws the objects) is
            // the source's: the overlap stays the source's and the new frames hold its
            // last latent frame, which a clip made with a still plate holds throughout.
            // Sampled freely, the plate's colour and texture would step at the seam
            // where nothing else moves.
            let last = source_tail.clone().narrow(2, k - 1, 1);
            Tensor::cat(vec![source_tail, last.repeat_dim(2, window - k)], 2)
        } else {
            // The overlap moves from the source's latents to the harmonized ones in steps
            // and ends on the harmonized ones, so the first new latent frame continues the
            // last overlap frame exactly (the frames' cross-fade below spreads the change).
            let ramp: Vec<f32> = (0..k).map(|j| (j + 1) as f32 / k as f32).collect();
            let ramp = Tensor::<1>::from_data(TensorData::new(ramp, [k]), &self.device)
                .reshape([1, 1, k, 1, 1]);
            let overlap =
                source_tail * (ramp.clone().neg() + 1.0) + sampled.clone().narrow(2, 0, k) * ramp;
            Tensor::cat(vec![overlap, sampled.narrow(2, k, window - k)], 2)
        };
        let (mut decoded, width, height) = self.decode(
            window_latents.clone(),
            trajectory.as_ref(),
            &job.cast(),
            self.camera_move(&job.reading.camera),
            source.frames.len().saturating_sub(known_frames),
        );
        // The window decodes the overlap's frames again in the same pass as the new ones:
        // cross-fading the source's own frames into them moves the seam inside one decode.
        let tail = source.frames.len().saturating_sub(known_frames);
        let mut frames = source.frames.clone();
        let decoded_overlap: Vec<Vec<u8>> = decoded.drain(..known_frames).collect();
        for (j, (old, new)) in frames[tail..].iter_mut().zip(&decoded_overlap).enumerate() {
            let w = (j + 1) as f32 / (known_frames + 1) as f32;
            if old.len() == new.len() {
                for (o, n) in old.iter_mut().zip(new) {
                    *o = (*o as f32 * (1.0 - w) + *n as f32 * w).round() as u8;
                }
            }
        }
        // The kept latents: the source's up to the overlap, then the window's.
        let kept = Tensor::cat(
            vec![source_latents.narrow(2, 0, t_src - k), window_latents],
            2,
        );
        frames.append(&mut decoded);
        let trajectory = match (&source.trajectory, trajectory) {
            (Some(prev), Some(next)) => {
                let mut slots = prev.slots.clone();
                slots.extend_from_slice(&next.slots[known_frames * SLOTS..]);
                Some(Trajectory {
                    frames: prev.frames + next.frames - known_frames,
                    slots,
                })
            }
            _ => None,
        };
        Ok(GeneratedVideo {
            frames,
            width,
            height,
            fps: self.config.fps,
            latents: to_vec(kept),
            trajectory,
            reading: job.reading,
            objects: job.objects,
            looks: job.looks,
            sound_tokens: source.sound_tokens.clone(),
        })
    }

    /// Validates the clip length and steps; returns the number of video frames.
    fn check_settings(&self, settings: &GenerateSettings) -> Result<usize, ModelError> {
        let seconds = settings.seconds;
        let fps = self.config.fps as f32;
        let frames = (seconds * fps).round() as usize;
        if !(1.0..=10.0).contains(&seconds) || !frames.is_multiple_of(FRAMES_PER_LATENT) {
            return Err(ModelError::Setting(format!(
                "{seconds} s at {fps} fps is not 1–10 s in whole groups of {FRAMES_PER_LATENT} frames"
            )));
        }
        if frames / FRAMES_PER_LATENT > self.config.dit.max_frames {
            return Err(ModelError::Setting(format!(
                "at most {} latent frames",
                self.config.dit.max_frames
            )));
        }
        if settings.sampler.steps == 0 || settings.sampler.steps > 200 {
            return Err(ModelError::Setting("steps must be 1–200".into()));
        }
        Ok(frames)
    }

    /// The camera layer's move for `camera` (see [`super::camera`]): models with a
    /// planner (whose paths carry the camera's effect on the objects) have the DiT make a
    /// still plate and move it here; `None` for a static camera or a model without one.
    fn camera_move(&self, camera: &CameraChoice) -> Option<CameraMove> {
        self.planner.as_ref()?;
        CameraMove::from_labels(&camera.motion, &camera.speed)
    }

    /// Whether the DiT's plate holds still under `camera` (a static camera, or a move the
    /// camera layer makes): an extension then holds it across the seam.
    fn plate_is_still(&self, camera: &CameraChoice) -> bool {
        camera.motion == STATIC_CAMERA || self.camera_move(camera).is_some()
    }

    /// Side of the latent grid.
    fn latent_side(&self) -> usize {
        self.config.base_size / PIXELS_PER_LATENT
    }

    /// Encodes the prompt and builds both branches' conditions.
    fn read_prompt(
        &self,
        prompt: &str,
        settings: &GenerateSettings,
        words: &dyn WordLookup,
        progress: &mut impl FnMut(Stage) -> bool,
    ) -> Result<Job, ModelError> {
        if !progress(Stage::Text) {
            return Err(ModelError::Cancelled);
        }
        let (encoding, tokens) = self.encode_text(&[prompt], words);
        let logits = to_vec(encoding.logits.clone());
        let mut attributes = self.read_attributes(&logits);
        let camera = match &settings.camera {
            Some(c) => c.clone(),
            None => CameraChoice {
                motion: label_of(&attributes, "camera").unwrap_or_else(|| "static".into()),
                speed: label_of(&attributes, "camera_speed").unwrap_or_else(|| "slow".into()),
            },
        };
        let motion = index_of(self.config.labels("camera"), &camera.motion)?;
        let speed = index_of(self.config.labels("camera_speed"), &camera.speed)?;
        let plan_cond = self.condition(&encoding, self.camera_tensor(&[(motion, speed)]));
        // Under the camera layer the DiT makes a still plate; the planner still hears the
        // move (its paths carry the camera's effect on the objects).
        let cond = if self.camera_move(&camera).is_some() {
            let still = index_of(self.config.labels("camera"), STATIC_CAMERA)?;
            self.condition(&encoding, self.camera_tensor(&[(still, speed)]))
        } else {
            plan_cond.clone()
        };
        attributes.retain(|(name, _, _)| !name.starts_with("camera"));
        Ok(Job {
            cond,
            plan_cond,
            uncond: self.null_condition(1),
            objects: self.object_features(&logits),
            looks: self.looks(&logits),
            reading: PromptReading {
                corrected: tokens[0].corrected.clone(),
                ignored: tokens[0].ignored.clone(),
                attributes,
                camera,
                line: spoken_line(prompt),
                line_start: 0.0,
                earlier_lines: Vec::new(),
            },
        })
    }

    /// Puts a trajectory's layout maps into the conditional branch, and with `guide` off
    /// into the unconditional one too (guidance then only sharpens what the text adds;
    /// with it on, guidance also pushes towards the plan).
    fn set_layout(&self, job: &mut Job, trajectory: Option<&Trajectory>, guide: bool) {
        if self.config.dit.layout_channels.unwrap_or(0) == 0 {
            return;
        }
        if let Some(plan) = trajectory {
            let maps = layout_tensor(
                std::slice::from_ref(plan),
                FRAMES_PER_LATENT,
                self.latent_side(),
                &self.device,
            );
            if !guide {
                job.uncond.layout = Some(maps.clone());
            }
            job.cond.layout = Some(maps);
        }
    }

    /// Decodes normalized latents into the clip.
    fn finish(
        &self,
        job: Job,
        latents: Tensor<5>,
        trajectory: Option<Trajectory>,
    ) -> Result<GeneratedVideo, ModelError> {
        let latents = self.denormalize(latents);
        let latents = if self.plate_is_still(&job.reading.camera) {
            still_plate(latents)
        } else {
            latents
        };
        let (frames, width, height) = self.decode(
            latents.clone(),
            trajectory.as_ref(),
            &job.cast(),
            self.camera_move(&job.reading.camera),
            0,
        );
        Ok(GeneratedVideo {
            frames,
            width,
            height,
            fps: self.config.fps,
            latents: to_vec(latents),
            trajectory,
            reading: job.reading,
            objects: job.objects,
            looks: job.looks,
            sound_tokens: Vec::new(),
        })
    }

    /// VAE latents `[1, C, T, H, W]` → RGB8 frames at the upsampled size, with (width,
    /// height); the decoder follows the plan's per-frame object maps when it takes them,
    /// and the object layer draws each object of the plan over the frames.
    fn decode(
        &self,
        latents: Tensor<5>,
        trajectory: Option<&Trajectory>,
        cast: &Cast,
        camera: Option<CameraMove>,
        clock: usize,
    ) -> (Vec<Vec<u8>>, usize, usize) {
        let latent_frames = latents.dims()[2];
        let maps = self.decoder_layout(trajectory, cast.objects, latent_frames);
        let (_, mut high) = self.vae.decoder.forward(latents, maps);
        if let Some(camera) = camera {
            high = camera.apply(high, self.config.fps, clock);
        }
        let [_, _, t, h, w] = high.dims();
        if let (Some(sprites), Some(plan)) = (&self.sprites, trajectory)
            && plan.frames == t
            && plan.slots.len() == t * SLOTS
            && cast.looks.len() == SLOTS
        {
            high = self.draw_objects(sprites, high, plan, 0, clock, cast);
        }
        (video_frames(high), w, h)
    }

    /// The object layer: every slot's sprite in every frame, composited over `video`,
    /// whose frames are the plan's from `first` on; the plan's frame 0 is frame `clock` of
    /// the clip. A slot is drawn as much as the plan
    /// says it is present and the prompt names an object there (its kind probabilities
    /// sum to 1 − P(no object)). With a decoder that has a mouth input, the speaking
    /// character's mouth opens with each syllable of the cast's line.
    fn draw_objects(
        &self,
        sprites: &SpriteDecoder,
        video: Tensor<5>,
        plan: &Trajectory,
        first: usize,
        clock: usize,
        cast: &Cast,
    ) -> Tensor<5> {
        let looks = cast.looks;
        let [_, _, t, h, w] = video.dims();
        let Some(config) = &self.config.sprites else {
            return video;
        };
        if first + t > plan.frames || looks.len() != SLOTS {
            return video;
        }
        let features = config.look_features();
        let named: Vec<f32> = looks
            .iter()
            .map(|l| l.iter().skip(config.colours).take(config.kinds).sum())
            .collect();
        let look: Vec<f32> = (0..t)
            .flat_map(|_| looks.iter().flatten().copied())
            .collect();
        let n = t * SLOTS;
        let look = Tensor::<1>::from_data(TensorData::new(look, [n * features]), &self.device)
            .reshape([n, features]);
        let syllables = cast.spoken();
        let mouths = config.has_mouth().then(|| Mouths {
            line: &syllables,
            speaker: self.speaker(looks),
        });
        let width = config.pose_inputs();
        let pose: Vec<f32> = pose_inputs(plan, self.config.fps, clock, mouths)
            [first * SLOTS * width..(first + t) * SLOTS * width]
            .to_vec();
        let pose = Tensor::<1>::from_data(TensorData::new(pose, [n * width]), &self.device)
            .reshape([n, width]);
        let drawn = sprites.forward(look, pose);
        let slots = &plan.slots[first * SLOTS..(first + t) * SLOTS];
        let boxes: Vec<SpriteBox> = slots.iter().map(|p| SpriteBox::of(*p, w, h)).collect();
        let visible: Vec<f32> = slots
            .iter()
            .enumerate()
            .map(|(i, p)| visibility(*p) * named[i % SLOTS].clamp(0.0, 1.0))
            .collect();
        composite(video, drawn, &boxes, &visible)
    }

    /// The slot of the character who speaks a line: the first whose likeliest kind is a
    /// character.
    fn speaker(&self, looks: &[Vec<f32>]) -> Option<usize> {
        let config = self.config.sprites.as_ref()?;
        let kinds: Vec<&String> = self
            .config
            .labels("object1_kind")
            .iter()
            .filter(|l| l.as_str() != "none")
            .collect();
        let character = kinds.iter().position(|l| l.as_str() == "character")?;
        looks.iter().position(|look| {
            let k = &look
                [config.colours.min(look.len())..(config.colours + config.kinds).min(look.len())];
            let best = k
                .iter()
                .enumerate()
                .max_by(|a, b| a.1.total_cmp(b.1))
                .map(|(i, _)| i);
            best == Some(character) && k[character] > 0.3
        })
    }

    /// The decoder's layout maps `[1, channels, frames, base, base]` for `latent_frames`
    /// latent frames (None when the decoder takes no layout, or without a plan of exactly
    /// those frames).
    fn decoder_layout(
        &self,
        trajectory: Option<&Trajectory>,
        objects: &[Vec<f32>],
        latent_frames: usize,
    ) -> Option<Tensor<5>> {
        if self.config.vae.layout_slots() == 0 {
            return None;
        }
        let frames = latent_frames * FRAMES_PER_LATENT;
        let plan = trajectory.filter(|p| p.frames == frames && p.slots.len() == frames * SLOTS)?;
        Some(object_maps_tensor(
            &[(plan.clone(), objects.to_vec())],
            self.config.vae.layout_features(),
            self.config.base_size,
            &self.device,
        ))
    }

    /// A clip's kept latents as a `[1, C, T, H, W]` tensor, checked against this model.
    fn source_latents(&self, source: &GeneratedVideo) -> Result<Tensor<5>, ModelError> {
        let c = self.config.vae.latent_channels;
        let side = self.latent_side();
        let per_frame = c * side * side;
        if source.latents.is_empty() || !source.latents.len().is_multiple_of(per_frame) {
            return Err(ModelError::Setting(
                "this clip has no latents from this model to build on".into(),
            ));
        }
        let t = source.latents.len() / per_frame;
        Ok(Tensor::<1>::from_data(
            TensorData::new(source.latents.clone(), [source.latents.len()]),
            &self.device,
        )
        .reshape([1, c, t, side, side]))
    }

    fn latent_stats(&self) -> (Tensor<5>, Tensor<5>) {
        let c = self.config.vae.latent_channels;
        let stat = |v: &Vec<f32>| {
            Tensor::<1>::from_data(TensorData::new(v.clone(), [c]), &self.device)
                .reshape([1, c, 1, 1, 1])
        };
        (
            stat(&self.config.latent_mean),
            stat(&self.config.latent_std),
        )
    }

    /// VAE latents → the DiT's normalized latents.
    fn normalize(&self, latents: Tensor<5>) -> Tensor<5> {
        let (mean, std) = self.latent_stats();
        (latents - mean) / std
    }

    /// The DiT's normalized latents → VAE latents.
    fn denormalize(&self, latents: Tensor<5>) -> Tensor<5> {
        let (mean, std) = self.latent_stats();
        latents * std + mean
    }
}

/// A generation in progress (see [`VideoModel::start`]).
pub struct Generation<'m> {
    model: &'m VideoModel,
    job: Job,
    run: SamplerRun,
    trajectory: Option<Trajectory>,
    ending: Ending,
    /// The windows still to come, for a clip longer than one trained window.
    chain: Option<Chain>,
}

/// The rest of a clip made window by window (see [`VideoModel::start`]).
struct Chain {
    /// The prompt as read, before any plan's layout went into it.
    job: Job,
    settings: GenerateSettings,
    /// New latent frames of each window still to come.
    windows: Vec<usize>,
    /// Windows started so far (each draws its own noise).
    started: usize,
    /// The whole clip's plan, when it was made in one go.
    plan: Option<Trajectory>,
    /// Steps of the windows already finished, and of all windows together.
    steps_before: usize,
    steps_total: usize,
}

/// What a generation's latents become when its steps are done.
enum Ending {
    /// A clip of their own.
    Clip,
    /// The continuation of `source`, whose last `context` latent frames the window holds.
    Extension {
        source: Box<GeneratedVideo>,
        context: usize,
    },
}

impl Generation<'_> {
    /// Makes the clip go on, after this window, for `windows` more (new latent frames
    /// each), as extensions under `job` (the prompt before any layout).
    fn chain(
        &mut self,
        job: Job,
        settings: &GenerateSettings,
        windows: Vec<usize>,
        plan: Option<Trajectory>,
    ) {
        if windows.is_empty() {
            return;
        }
        let steps = self.run.progress().1;
        self.chain = Some(Chain {
            job,
            settings: settings.clone(),
            steps_total: steps * (windows.len() + 1),
            windows,
            started: 1,
            plan,
            steps_before: 0,
        });
    }

    /// True when every denoising step of every window has run.
    pub fn done(&self) -> bool {
        self.run.done() && self.chain.as_ref().is_none_or(|c| c.windows.is_empty())
    }

    /// Runs one denoising step (first moving on to the next window when this one is
    /// done); returns where it stands over all windows.
    pub fn step(&mut self) -> Result<Stage, ModelError> {
        if self.run.done() {
            self.next_window()?;
        }
        self.run.step(&self.model.dit, &self.job.cond);
        let (i, n) = self.run.progress();
        Ok(match &self.chain {
            Some(chain) => Stage::Denoise(chain.steps_before + i, chain.steps_total),
            None => Stage::Denoise(i, n),
        })
    }

    /// Decodes the clip so far and starts the next window as its extension.
    fn next_window(&mut self) -> Result<(), ModelError> {
        let Some(new) = self.chain.as_ref().and_then(|c| c.windows.first().copied()) else {
            return Ok(());
        };
        let so_far = self.decode()?;
        let steps = self.run.progress().1;
        let Some(chain) = self.chain.as_mut() else {
            return Ok(());
        };
        chain.windows.remove(0);
        chain.steps_before += steps;
        let mut settings = chain.settings.clone();
        settings.sampler.seed = window_seed(settings.sampler.seed, chain.started);
        chain.started += 1;
        let job = chain.job.clone();
        // This window's part of a whole plan: from the known frames it holds on.
        let known = settings
            .extend_context
            .clamp(1, so_far.frames.len() / FRAMES_PER_LATENT)
            * FRAMES_PER_LATENT;
        let end = so_far.frames.len() + new * FRAMES_PER_LATENT;
        let plan = chain
            .plan
            .as_ref()
            .map(|p| p.frames_between(so_far.frames.len() - known, end));
        let next = self.model.extension(
            job,
            &so_far,
            new * FRAMES_PER_LATENT,
            &settings,
            plan,
            &mut |_| true,
        )?;
        self.job = next.job;
        self.run = next.run;
        self.trajectory = next.trajectory;
        self.ending = next.ending;
        Ok(())
    }

    /// A cheap look at where the sampler stands: the middle latent frame as it is now
    /// (noisy early, the picture late), decoded alone — its first frame at the base size,
    /// RGB8 `side × side × 3`. About a sixth of a full decode.
    pub fn preview(&self) -> (Vec<u8>, usize) {
        let x = self.run.latents();
        let t = x.dims()[2];
        let middle = self.model.denormalize(x.clone().narrow(2, t / 2, 1));
        let (mut base, _) = self.model.vae.decoder.forward(middle, None);
        base = base.narrow(2, 0, 1);
        if let Some(camera) = self.model.camera_move(&self.job.reading.camera) {
            let clock = match &self.ending {
                Ending::Clip => 0,
                Ending::Extension { source, context } => source
                    .frames
                    .len()
                    .saturating_sub(context * FRAMES_PER_LATENT),
            };
            base = camera.apply(
                base,
                self.model.config.fps,
                clock + t / 2 * FRAMES_PER_LATENT,
            );
        }
        // The object layer draws the first of those frames' objects where the plan has them.
        if let (Some(sprites), Some(plan)) = (&self.model.sprites, &self.trajectory) {
            let frame = base.clone();
            base = self.model.draw_objects(
                sprites,
                frame,
                plan,
                t / 2 * FRAMES_PER_LATENT,
                0,
                &self.job.cast(),
            );
        }
        let side = base.dims()[3];
        let frame = video_frames(base).into_iter().next().unwrap_or_default();
        (frame, side)
    }

    /// Decodes the latents reached into the clip (call when [`Generation::done`]); for
    /// an extension, the whole, longer clip.
    pub fn finish(self) -> Result<GeneratedVideo, ModelError> {
        self.decode()
    }

    /// The clip as far as this window's latents reach.
    fn decode(&self) -> Result<GeneratedVideo, ModelError> {
        let latents = self.run.finish();
        let (job, trajectory) = (self.job.clone(), self.trajectory.clone());
        match &self.ending {
            Ending::Clip => self.model.finish(job, latents, trajectory),
            Ending::Extension { source, context } => self
                .model
                .finish_extension(job, latents, trajectory, source, *context),
        }
    }

    /// Runs every step, then decodes; `progress(stage)` returns false to cancel.
    fn run(
        mut self,
        mut progress: impl FnMut(Stage) -> bool,
    ) -> Result<GeneratedVideo, ModelError> {
        while !self.done() {
            let stage = self.step()?;
            if !progress(stage) {
                return Err(ModelError::Cancelled);
            }
        }
        if !progress(Stage::Decode) {
            return Err(ModelError::Cancelled);
        }
        self.finish()
    }
}

/// A prompt read into both branches of guidance.
#[derive(Clone)]
struct Job {
    /// The DiT's condition (with a static camera under the camera layer).
    cond: DitCondition,
    /// The planner's condition (with the camera asked for).
    plan_cond: DitCondition,
    uncond: DitCondition,
    reading: PromptReading,
    /// The decoder's per-slot features from the prompt.
    objects: Vec<Vec<f32>>,
    /// The object layer's per-slot looks from the prompt.
    looks: Vec<Vec<f32>>,
}

impl Job {
    /// What the object layer draws for this job.
    fn cast(&self) -> Cast<'_> {
        Cast {
            objects: &self.objects,
            looks: &self.looks,
            line: self.reading.line.as_deref(),
            line_start: self.reading.line_start,
            earlier: &self.reading.earlier_lines,
        }
    }
}

/// Scene-wide attribute groups that the object layer's look includes after the object's
/// own colour and kind.
pub const SPRITE_SCENE_GROUPS: [&str; 2] = ["sky", "style"];

/// The camera label of a camera that does not move.
const STATIC_CAMERA: &str = "static";

/// Length of the windows the DiT and the planner were trained on, s.
pub const TRAINED_SECONDS: f32 = 2.0;

/// New latent frames of each window of a clip of `total` latent frames: a first window of
/// up to `first`, then windows of up to `later` each, as even as they can be.
/// What the object layer draws besides the plan: the decoder's features and the layer's
/// look of each object slot, and the line the speaking character says.
struct Cast<'a> {
    objects: &'a [Vec<f32>],
    looks: &'a [Vec<f32>],
    line: Option<&'a str>,
    /// Clip time the line's schedule counts from, s.
    line_start: f32,
    /// Lines said before it.
    earlier: &'a [EarlierLine],
}

impl Cast<'_> {
    /// Every syllable said in the clip, earlier lines first.
    fn spoken(&self) -> Vec<Syllable> {
        timed(self.earlier, self.line, self.line_start)
    }
}

/// Every syllable a reading says: its earlier lines', then its own line's.
fn spoken(reading: &PromptReading) -> Vec<Syllable> {
    timed(
        &reading.earlier_lines,
        reading.line.as_deref(),
        reading.line_start,
    )
}

fn timed(earlier: &[EarlierLine], line: Option<&str>, start: f32) -> Vec<Syllable> {
    let mut all: Vec<Syllable> = earlier
        .iter()
        .flat_map(|e| syllables(Some(&e.line), e.start))
        .collect();
    all.extend(syllables(line, start));
    all
}

/// The line an extension says, in `reading` (its prompt's): a new line (one the source
/// is not saying) starts where the source ends, so it is voiced and mouthed in the new
/// part, and the source's lines become earlier lines (the overlap is drawn again as the
/// source drew it, and a line still being said at the seam goes on); the source's own
/// line, or none, keeps the source's lines and their timing.
fn continue_line(reading: &mut PromptReading, source: &GeneratedVideo) {
    let said = &source.reading;
    reading.earlier_lines = said.earlier_lines.clone();
    match (&reading.line, &said.line) {
        (Some(new), old) if old.as_ref() != Some(new) => {
            if let Some(old) = old {
                reading.earlier_lines.push(EarlierLine {
                    line: old.clone(),
                    start: said.line_start,
                });
            }
            reading.line_start = source.frames.len() as f32 / source.fps.max(1) as f32;
        }
        _ => {
            reading.line = said.line.clone();
            reading.line_start = said.line_start;
        }
    }
}

/// The timed syllables of a spoken line (none without one), its schedule counted from
/// clip time `start`.
fn syllables(line: Option<&str>, start: f32) -> Vec<Syllable> {
    let mut timed = line.map(schedule).unwrap_or_default();
    for s in &mut timed {
        s.start += start;
    }
    timed
}

fn window_sizes(total: usize, first: usize, later: usize) -> Vec<usize> {
    let head = total.min(first);
    let rest = total - head;
    let later = later.max(1);
    let n = rest.div_ceil(later);
    let mut sizes = vec![head];
    sizes.extend((0..n).map(|i| rest / n + usize::from(i < rest % n)));
    sizes
}

/// The noise seed of a chained clip's window `index` (window 0 keeps the clip's seed).
fn window_seed(seed: u64, index: usize) -> u64 {
    seed.wrapping_add((index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

/// Latent frames of the source an extension is conditioned on.
pub const EXTEND_CONTEXT: usize = 2;
/// Flow time below which an extension's known frames are released to be harmonized.
pub const EXTEND_RELEASE: f32 = 0.3;

/// The planner samples with its own guidance and its own noise stream from the same seed.
fn plan_settings(settings: &GenerateSettings) -> SamplerSettings {
    SamplerSettings {
        guidance: settings.plan_guidance,
        seed: settings.sampler.seed ^ PLAN_SEED_SALT,
        ..settings.sampler
    }
}

/// Exponent that sharpens a look's probabilities (0.6 against 0.3 becomes ~0.996).
const LOOK_SHARPNESS: i32 = 8;

/// `p` raised to `power` and renormalized to the same sum.
fn sharpen(p: &[f32], power: i32) -> Vec<f32> {
    let total: f32 = p.iter().sum();
    let raised: Vec<f32> = p.iter().map(|v| v.powi(power)).collect();
    let sum: f32 = raised.iter().sum();
    if sum <= 0.0 || !sum.is_finite() {
        return p.to_vec();
    }
    raised.into_iter().map(|v| v / sum * total).collect()
}

/// Probabilities of one attribute group's logits.
fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|v| (v - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

/// Classifier-free guidance of the trajectory planner.
pub const PLAN_GUIDANCE: f32 = 2.0;
/// Mixed into the seed for the planner's noise, so it is independent of the video's.
const PLAN_SEED_SALT: u64 = 0x9E37_79B9_7F4A_7C15;

fn label_of(attributes: &[(String, String, f32)], group: &str) -> Option<String> {
    attributes
        .iter()
        .find(|(g, _, _)| g == group)
        .map(|(_, l, _)| l.clone())
}

fn index_of(labels: &[String], label: &str) -> Result<usize, ModelError> {
    labels.iter().position(|l| l == label).ok_or_else(|| {
        ModelError::Setting(format!(
            "unknown camera setting {label:?} (one of: {})",
            labels.join(", ")
        ))
    })
}

/// A 4×3 contact sheet of 12 evenly spaced RGB8 frames (`4w × 3h` pixels).
pub fn contact_sheet(frames: &[Vec<u8>], w: usize, h: usize) -> Vec<u8> {
    let mut sheet = vec![0u8; 12 * w * h * 3];
    if frames.is_empty() {
        return sheet;
    }
    for cell in 0..12 {
        let f = &frames[cell * (frames.len() - 1) / 11];
        let (cx, cy) = (cell % 4, cell / 4);
        for y in 0..h {
            let dst = ((cy * h + y) * 4 * w + cx * w) * 3;
            sheet[dst..dst + w * 3].copy_from_slice(&f[y * w * 3..(y + 1) * w * 3]);
        }
    }
    sheet
}

/// RGB8 frames (`h × w × 3` each) of the first video in a batch of decoded videos.
///
/// # Shapes
/// `[B, 3, T, H, W]` in −1..1 → `T` frames
pub fn video_frames(video: Tensor<5>) -> Vec<Vec<u8>> {
    let [_, _, t, h, w] = video.dims();
    let pixels = to_vec(
        video
            .clamp(-1.0, 1.0)
            .add_scalar(1.0)
            .mul_scalar(127.5)
            .permute([0, 2, 3, 4, 1]),
    );
    pixels
        .chunks(h * w * 3)
        .take(t)
        .map(|f| f.iter().map(|v| v.round() as u8).collect())
        .collect()
}

/// A still plate: every latent frame replaced by the clip's mean latent frame. Under a
/// static camera (or the camera layer, which moves the plate after decoding) the world's
/// background never changes, but the DiT's latent frames drift a little from frame to
/// frame and the decoder turns that into background flicker the judge measures (1.0
/// levels on a static clip, where the world's own renders have 0.0). The mean keeps what
/// every frame agrees on; the objects are the object layer's and are not in the plate.
fn still_plate(latents: Tensor<5>) -> Tensor<5> {
    let t = latents.dims()[2];
    latents.mean_dim(2).repeat_dim(2, t)
}

/// A tensor's values on the host (synchronous read; native callers only).
pub fn to_vec<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data()
        .convert::<f32>()
        .try_into_vec::<f32>()
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clip_saying(line: Option<&str>, start: f32, frames: usize) -> GeneratedVideo {
        GeneratedVideo {
            frames: vec![Vec::new(); frames],
            width: 0,
            height: 0,
            fps: 12,
            latents: Vec::new(),
            trajectory: None,
            reading: PromptReading {
                line: line.map(str::to_string),
                line_start: start,
                ..PromptReading::default()
            },
            objects: Vec::new(),
            looks: Vec::new(),
            sound_tokens: Vec::new(),
        }
    }

    fn reading_of(line: Option<&str>) -> PromptReading {
        PromptReading {
            line: line.map(str::to_string),
            ..PromptReading::default()
        }
    }

    #[test]
    fn an_extension_starts_a_new_line_where_its_source_ends() {
        // 2 s of source at 12 fps; the extension's prompt says something new.
        let source = clip_saying(Some("hello there"), 0.0, 24);
        let mut reading = reading_of(Some("good bye"));
        continue_line(&mut reading, &source);
        assert_eq!(reading.line.as_deref(), Some("good bye"));
        assert_eq!(reading.line_start, 2.0);
        // The source's line stays said where it was said.
        assert_eq!(
            reading.earlier_lines,
            [EarlierLine {
                line: "hello there".into(),
                start: 0.0
            }]
        );
        let all = spoken(&reading);
        let first = syllables(Some("hello there"), 0.0);
        assert_eq!(
            all.len(),
            first.len() + syllables(Some("good bye"), 0.0).len()
        );
        assert_eq!(all[0], first[0]);
        let timed = syllables(reading.line.as_deref(), reading.line_start);
        let fresh = syllables(Some("good bye"), 0.0);
        assert_eq!(timed.len(), fresh.len());
        assert!((timed[0].start - fresh[0].start - 2.0).abs() < 1e-6);

        // From a source that said nothing, a line starts after it too.
        let mut reading = reading_of(Some("good bye"));
        continue_line(&mut reading, &clip_saying(None, 0.0, 36));
        assert_eq!(reading.line_start, 3.0);
    }

    #[test]
    fn an_extension_without_a_new_line_keeps_its_sources() {
        // The same line (a long clip's later windows), or none: the source's line, timed
        // as the source timed it.
        let source = clip_saying(Some("hello there"), 2.0, 48);
        for said in [Some("hello there"), None] {
            let mut reading = reading_of(said);
            continue_line(&mut reading, &source);
            assert_eq!(reading.line.as_deref(), Some("hello there"), "{said:?}");
            assert_eq!(reading.line_start, 2.0, "{said:?}");
        }
        let mut reading = reading_of(None);
        continue_line(&mut reading, &clip_saying(None, 0.0, 24));
        assert_eq!((reading.line, reading.line_start), (None, 0.0));
    }

    #[test]
    fn long_clips_split_into_trained_windows() {
        assert_eq!(window_sizes(6, 6, 4), [6]);
        assert_eq!(window_sizes(3, 6, 4), [3]);
        assert_eq!(window_sizes(15, 6, 4), [6, 3, 3, 3]);
        assert_eq!(window_sizes(30, 6, 4), [6, 4, 4, 4, 4, 4, 4]);
        assert_eq!(window_sizes(11, 6, 4), [6, 3, 2]);
        assert_eq!(window_sizes(15, 6, 6), [6, 5, 4]);
        assert_eq!(window_sizes(30, 6, 6), [6, 6, 6, 6, 6]);
        assert_eq!(window_seed(7, 0), 7);
        assert_ne!(window_seed(7, 1), window_seed(7, 2));
    }

    #[test]
    fn sharpening_favours_the_likeliest_label_and_keeps_the_sum() {
        let p = sharpen(&[0.3, 0.6, 0.05], LOOK_SHARPNESS);
        let sum: f32 = p.iter().sum();
        assert!((sum - 0.95).abs() < 1e-5, "sum {sum}");
        assert!(p[1] > 0.94 && p[0] < 0.01, "{p:?}");
        assert_eq!(
            sharpen(&[0.0, 0.0], 8),
            vec![0.0, 0.0],
            "no mass stays none"
        );
    }
}
