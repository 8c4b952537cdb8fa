//! Training of the audio flow model on world soundtracks, with the video model's text
//! encoder frozen (its outputs for every prompt computed once).
//!
//! Sample-efficiency levers: frames where the spectrum jumps (impact and note onsets) weigh
//! more in the loss, so the few frames that carry timing are not drowned by the steady
//! bed; flow times are logit-normal; the learning rate warms up and decays; EMA weights
//! are what gets exported.

use super::codec::{Pca, fit};
use super::data::{AudioClip, FPS, SAMPLE_RATE, WINDOW_TOKENS, render, sound_labels, sound_schema};
use crate::video::common::{
    CsvLog, Ema, host, learning_rate, load_checkpoint, progress, save_checkpoint,
};
use anyhow::Result;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use kinora_engine::models::audio::{
    AudioCondition, AudioDit, AudioDitConfig, FRAMES_PER_TOKEN, aligned_dims, aligned_features,
    objects_end,
};
use kinora_engine::models::contacts;
use kinora_engine::models::layers::key_bias;
use kinora_engine::models::layout::Trajectory;
use kinora_engine::models::pipeline::VideoModel;
use kinora_engine::models::spectrum::{BINS, HOP, Stft};
use kinora_engine::models::text::WordLookup;
use kinora_world::rng::{Rng, mix};
use kinora_world::sample::Split;
use std::path::Path;

/// Condition-dropout probability of the text and, separately, of the objects' tracks.
pub const DROPOUT: f32 = 0.1;
/// Weight of the sound attributes' cross-entropy beside the flow loss.
pub const LABEL_WEIGHT: f32 = 0.5;
/// Extra loss weight of a frame at a strong onset (spectral flux of 2 nats per bin).
pub const ONSET_WEIGHT: f32 = 4.0;
/// STFT frames around a contact that [`contact_weights`] weighs: one before its time
/// (the world's contact may fall between video frames) to two after (the thud's attack).
const CONTACT_FRAMES: std::ops::RangeInclusive<isize> = -1..=2;

/// Everything computed once before the steps.
pub struct Prepared {
    /// The clips (their log-magnitudes dropped once coded).
    pub clips: Vec<AudioClip>,
    /// The codec.
    pub pca: Pca,
    /// Unit-scaled codec coefficients per clip, `frames × k`.
    pub coefficients: Vec<Vec<f32>>,
    /// Loss weight per clip and frame (see [`onset_weights`]).
    pub weights: Vec<Vec<f32>>,
    /// Text tokens per clip, `M × D`.
    pub tokens: Vec<f32>,
    /// Token validity per clip, `M`.
    pub valid: Vec<bool>,
    /// Pooled vector per clip, `D`.
    pub pooled: Vec<f32>,
    /// Tokens per prompt (`M`) and width (`D`).
    pub text_shape: (usize, usize),
    /// Numbers per object slot.
    pub object_dims: usize,
}

/// Frames the codec is fitted on.
const CODEC_FIT_FRAMES: usize = 120_000;

/// Renders `n` training clips, fits the codec (`k` components) on them, codes them and
/// encodes their prompts with the frozen text encoder.
pub fn prepare(
    n: usize,
    seconds: f32,
    k: usize,
    contact_weight: f32,
    video: &VideoModel,
    words: &dyn WordLookup,
) -> Prepared {
    let stft = Stft::new();
    let bar = progress(n, "render");
    let mut clips: Vec<AudioClip> = (0..n as u64)
        .map(|i| {
            bar.inc(1);
            render(&stft, mix(0xA0D1_0000 + i), Split::Train, seconds)
        })
        .collect();
    bar.finish();
    let per_clip = clips.first().map_or(1, AudioClip::frames).max(1);
    let stride = (clips.len() * per_clip).div_ceil(CODEC_FIT_FRAMES).max(1);
    let sample: Vec<&[f32]> = clips
        .iter()
        .flat_map(|c| c.log_mags.chunks(BINS))
        .step_by(stride)
        .collect();
    let pca = fit(&sample, k);
    println!(
        "codec: {k} components keep {:.2}% of the frames' variance",
        100.0 * pca.explained
    );
    let mut coefficients = Vec::with_capacity(clips.len());
    let mut weights = Vec::with_capacity(clips.len());
    for c in &mut clips {
        let mut w = onset_weights(&c.log_mags, None);
        contact_weights(&mut w, &c.plan, contact_weight);
        weights.push(w);
        coefficients.push(
            c.log_mags
                .chunks(BINS)
                .flat_map(|f| pca.encode(f))
                .collect(),
        );
        c.log_mags = Vec::new();
    }
    let (mut tokens, mut valid, mut pooled) = (Vec::new(), Vec::new(), Vec::new());
    for chunk in clips.chunks(64) {
        let prompts: Vec<&str> = chunk.iter().map(|c| c.prompt.as_str()).collect();
        let (enc, tok) = video.encode_text(&prompts, words);
        tokens.extend(host(enc.tokens));
        pooled.extend(host(enc.pooled));
        for t in tok {
            valid.push(true);
            valid.extend(t.valid);
        }
    }
    let m = video.config.tokenizer.max_words + 1;
    let d = video.config.text.d_model;
    let object_dims = clips
        .first()
        .and_then(|c| c.objects.first())
        .map_or(0, Vec::len);
    Prepared {
        clips,
        pca,
        coefficients,
        weights,
        tokens,
        valid,
        pooled,
        text_shape: (m, d),
        object_dims,
    }
}

/// Per-frame loss weights of a window of log-magnitudes (`frames × BINS`): 1 plus
/// [`ONSET_WEIGHT`] at frames whose spectrum rises sharply from the frame before.
pub fn onset_weights(log_mags: &[f32], before: Option<&[f32]>) -> Vec<f32> {
    let frames = log_mags.len() / BINS;
    (0..frames)
        .map(|j| {
            let row = &log_mags[j * BINS..(j + 1) * BINS];
            let prev = if j > 0 {
                &log_mags[(j - 1) * BINS..j * BINS]
            } else {
                match before {
                    Some(p) => p,
                    None => row,
                }
            };
            let flux = row
                .iter()
                .zip(prev)
                .map(|(a, b)| (a - b).max(0.0))
                .sum::<f32>()
                / BINS as f32;
            1.0 + ONSET_WEIGHT * (flux / 2.0).min(1.0)
        })
        .collect()
}

/// Adds `weight × strength` to the frames around each contact the tracks show (the
/// same [`contacts::detect`] the model's aligned features read). Since speech, onset
/// weighting alone also weighs every syllable; this keeps the thuds, the frames whose
/// timing the judge checks against the picture, weighed apart.
pub fn contact_weights(weights: &mut [f32], plan: &Trajectory, weight: f32) {
    if weight <= 0.0 {
        return;
    }
    let frames_per_second = SAMPLE_RATE as f32 / HOP as f32;
    for c in contacts::detect(plan, FPS) {
        let centre = (c.time * frames_per_second).round() as isize;
        for d in CONTACT_FRAMES {
            if let Some(w) = usize::try_from(centre + d)
                .ok()
                .and_then(|f| weights.get_mut(f))
            {
                *w += weight * c.strength;
            }
        }
    }
}

/// A training batch on `device`.
pub struct Batch {
    /// Clean windows of coefficients `[B, N, FRAMES_PER_TOKEN × k]`.
    pub x0: Tensor<3>,
    /// Per-frame weights broadcast over coefficients `[B, N, FRAMES_PER_TOKEN × k]`.
    pub weights: Tensor<3>,
    /// Flow times.
    pub times: Vec<f32>,
    /// The condition.
    pub cond: AudioCondition,
    /// One-hot sound attributes of every row (the truth the label reader learns).
    pub truth: Tensor<2>,
    /// 1 for rows that kept their text (the label reader has something to read).
    pub has_text: Tensor<2>,
}

/// Draws a batch of windows (random clip, random offset, dropout, logit-normal times).
pub fn batch(prep: &Prepared, size: usize, rng: &mut Rng, device: &Device) -> Batch {
    let (m, d) = prep.text_shape;
    let n = WINDOW_TOKENS;
    let k = prep.pca.dims();
    let width = FRAMES_PER_TOKEN * k;
    let a = aligned_dims(prep.object_dims, true);
    let objects_end = objects_end(prep.object_dims);
    let (mut x0, mut wts, mut times) = (Vec::new(), Vec::new(), Vec::new());
    let (mut tok, mut val, mut pool, mut aligned) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let groups: Vec<usize> = sound_schema().iter().map(|g| g.labels.len()).collect();
    let label_dims: usize = groups.iter().sum();
    let (mut labels, mut truth, mut has_text) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..size {
        let i = rng.index(prep.clips.len());
        let clip = &prep.clips[i];
        let tokens = prep.weights[i].len() / FRAMES_PER_TOKEN;
        let first = rng.index(tokens - n + 1);
        let f0 = first * FRAMES_PER_TOKEN;
        let f1 = f0 + n * FRAMES_PER_TOKEN;
        x0.extend_from_slice(&prep.coefficients[i][f0 * k..f1 * k]);
        for w in &prep.weights[i][f0..f1] {
            wts.extend(std::iter::repeat_n(*w, k));
        }
        let mut feats = aligned_features(
            &clip.plan,
            &clip.objects,
            prep.object_dims,
            Some(&clip.speech),
            FPS,
            SAMPLE_RATE,
            first,
            n,
        );
        if rng.chance(DROPOUT) {
            // No picture: keep the phase and time features and the line, drop every
            // object.
            let keep = 1 + 2 * kinora_engine::models::audio::TIME_PERIODS.len();
            for row in feats.chunks_mut(a) {
                row[keep..objects_end].iter_mut().for_each(|v| *v = 0.0);
            }
        }
        aligned.extend(feats);
        let mut one_hot = vec![0.0f32; label_dims];
        let mut offset = 0;
        for (g, l) in groups.iter().zip(sound_labels(&clip.scene)) {
            one_hot[offset + l] = 1.0;
            offset += g;
        }
        truth.extend_from_slice(&one_hot);
        if rng.chance(DROPOUT) {
            tok.extend(std::iter::repeat_n(0.0, m * d));
            val.extend((0..m).map(|j| j == 0));
            pool.extend(std::iter::repeat_n(0.0, d));
            labels.extend(std::iter::repeat_n(0.0, label_dims));
            has_text.push(0.0);
        } else {
            tok.extend_from_slice(&prep.tokens[i * m * d..(i + 1) * m * d]);
            val.extend_from_slice(&prep.valid[i * m..(i + 1) * m]);
            pool.extend_from_slice(&prep.pooled[i * d..(i + 1) * d]);
            labels.extend_from_slice(&one_hot);
            has_text.push(1.0);
        }
        let u1 = rng.f32().max(1e-7);
        let u2 = rng.f32();
        let z = (-2.0 * u1.ln()).sqrt() * (std::f32::consts::TAU * u2).cos();
        times.push(1.0 / (1.0 + (-z).exp()));
    }
    let b = size;
    let t2 = |v: Vec<f32>, shape: [usize; 2]| {
        Tensor::<1>::from_data(TensorData::new(v, [shape[0] * shape[1]]), device).reshape(shape)
    };
    let t3 = |v: Vec<f32>, shape: [usize; 3]| {
        Tensor::<1>::from_data(
            TensorData::new(v, [shape.iter().product::<usize>()]),
            device,
        )
        .reshape(shape)
    };
    Batch {
        x0: t3(x0, [b, n, width]),
        weights: t3(wts, [b, n, width]),
        times,
        cond: AudioCondition {
            tokens: t3(tok, [b, m, d]),
            bias: key_bias(&val, b, m, device),
            pooled: Tensor::<1>::from_data(TensorData::new(pool, [b * d]), device).reshape([b, d]),
            aligned: t3(aligned, [b, n, a]),
            labels: t2(labels, [b, label_dims]),
        },
        truth: t2(truth, [b, label_dims]),
        has_text: t2(has_text, [b, 1]),
    }
}

/// The weighted rectified-flow loss of a batch plus [`LABEL_WEIGHT`] × the label
/// reader's cross-entropy on rows that kept their text; returns both terms.
pub fn loss(model: &AudioDit, batch: &Batch) -> (Tensor<1>, Tensor<1>) {
    let [b, _, _] = batch.x0.dims();
    let device = batch.x0.device();
    let noise = batch
        .x0
        .random_like(burn::tensor::Distribution::Normal(0.0, 1.0));
    let tt = Tensor::<1>::from_data(TensorData::new(batch.times.clone(), [b]), &device)
        .reshape([b, 1, 1]);
    let xt = batch.x0.clone() * (tt.clone().neg() + 1.0) + noise.clone() * tt;
    let v = model.forward(xt, &batch.times, &batch.cond);
    let err = (v - (noise - batch.x0.clone())).powi_scalar(2) * batch.weights.clone();
    let flow = err.sum() / batch.weights.clone().sum();
    let logits = model.read_labels(batch.cond.tokens.clone(), batch.cond.bias.clone());
    let mut offset = 0;
    let mut ce = Tensor::<1>::zeros([1], &device);
    for &g in model.label_groups() {
        let log_p = burn::tensor::activation::log_softmax(logits.clone().narrow(1, offset, g), 1);
        let picked = (log_p * batch.truth.clone().narrow(1, offset, g)).sum_dim(1);
        ce = ce - (picked * batch.has_text.clone()).sum().reshape([1]);
        offset += g;
    }
    let ce = ce / (batch.has_text.clone().sum() + 1e-6);
    (flow, ce)
}

/// How long and how hard to train.
#[derive(Debug, Clone)]
pub struct TrainSettings {
    /// Training clips rendered.
    pub clips: usize,
    /// Seconds per rendered clip.
    pub seconds: f32,
    /// Total steps of the schedule (a resumed run continues its count).
    pub total_steps: usize,
    /// Stop after this many minutes (checkpointing first).
    pub minutes: f64,
    /// Windows per step.
    pub batch: usize,
    /// Peak learning rate.
    pub lr: f64,
    /// Codec components per frame.
    pub codec_dims: usize,
    /// Model width.
    pub d_model: usize,
    /// Transformer blocks.
    pub depth: usize,
    /// Extra loss weight at the tracks' contacts (0: onsets only, the v2/v3 recipe).
    pub contact_weight: f32,
}

/// Trains (resuming from `run/audio` when it exists); writes the EMA weights to
/// `run/audio-ema` with the bin statistics in the checkpoint's configuration.
pub fn train(
    run: &Path,
    video: &VideoModel,
    words: &dyn WordLookup,
    s: &TrainSettings,
) -> Result<()> {
    let start = std::time::Instant::now();
    let prep = prepare(
        s.clips,
        s.seconds,
        s.codec_dims,
        s.contact_weight,
        video,
        words,
    );
    println!(
        "{} clips rendered and encoded in {:.1} s",
        prep.clips.len(),
        start.elapsed().as_secs_f64()
    );
    let device = Device::flex().autodiff();
    let groups = sound_schema().iter().map(|g| g.labels.len()).collect();
    let config = AudioDitConfig::new(prep.object_dims, groups)
        .with_d_model(s.d_model)
        .with_depth(s.depth)
        .with_text_dims(prep.text_shape.1)
        .with_codec_dims(s.codec_dims)
        .with_speech(Some(true));
    let ckpt = run.join("audio");
    let mut model = config.init(&device).with_codec(
        prep.pca.basis.clone(),
        prep.pca.mean.clone(),
        prep.pca.scale.clone(),
    );
    let mut step0 = 0;
    if ckpt.join("manifest.json").exists() {
        let (m, extra) = load_checkpoint(model, "audio", &ckpt)?;
        model = m;
        step0 = extra["step"].as_u64().unwrap_or(0) as usize;
        println!("resumed at step {step0}");
    }
    let params = model.num_params();
    println!("audio model: {params} parameters");
    let extra = |step: usize| {
        serde_json::json!({
            "step": step,
            "config": config,
            "codec_explained": prep.pca.explained,
        })
    };
    let mut optim = AdamWConfig::new().init();
    let mut ema = Ema::default();
    let mut log = CsvLog::open(
        &run.join("audio.csv"),
        "step,loss,label_loss,lr,samples_per_s",
    )?;
    let mut rng = Rng::new(mix(0xA0D1_7A1E ^ step0 as u64));
    let bar = progress(s.total_steps.saturating_sub(step0), "audio");
    let t0 = std::time::Instant::now();
    let mut step = step0;
    while step < s.total_steps && t0.elapsed().as_secs_f64() < s.minutes * 60.0 {
        let b = batch(&prep, s.batch, &mut rng, &device);
        let (flow, ce) = loss(&model, &b);
        let l = flow.clone() + ce.clone() * LABEL_WEIGHT;
        let value = host(flow)[0];
        let label_loss = host(ce)[0];
        let grads = GradientsParams::from_grads(l.backward(), &model);
        let lr = learning_rate(step, s.total_steps, s.lr, 200);
        model = optim.step(lr, model, grads);
        ema.update(&model, if step - step0 < 200 { 0.9 } else { 0.999 });
        step += 1;
        let rate = ((step - step0) * s.batch) as f64 / t0.elapsed().as_secs_f64();
        bar.set_message(format!(
            "loss {value:.4} labels {label_loss:.3} {rate:.1} windows/s"
        ));
        bar.inc(1);
        log.row(&[
            step.to_string(),
            format!("{value:.5}"),
            format!("{label_loss:.5}"),
            format!("{lr:.6}"),
            format!("{rate:.2}"),
        ])?;
        if step % 250 == 0 {
            save_checkpoint(&model, "audio", &ckpt, extra(step))?;
            save_checkpoint(
                &ema.apply(model.clone()),
                "audio",
                &run.join("audio-ema"),
                extra(step),
            )?;
        }
    }
    bar.finish();
    save_checkpoint(&model, "audio", &ckpt, extra(step))?;
    save_checkpoint(
        &ema.apply(model),
        "audio",
        &run.join("audio-ema"),
        extra(step),
    )?;
    println!(
        "stopped at step {step}: {:.1} windows/s over {:.1} min",
        ((step - step0) * s.batch) as f64 / t0.elapsed().as_secs_f64(),
        t0.elapsed().as_secs_f64() / 60.0
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_weigh_the_frames_at_their_time() {
        // A world scene whose tracks show a contact: the frames there get the extra
        // weight, and no more than four frames per contact do.
        let stft = Stft::new();
        let (clip, found) = (0..60)
            .map(|seed| super::super::data::render(&stft, seed, Split::Train, 2.0))
            .map(|clip| {
                let found = contacts::detect(&clip.plan, FPS);
                (clip, found)
            })
            .find(|(_, found)| !found.is_empty())
            .expect("a clip with a contact among 60 scenes");
        let mut w = vec![1.0f32; clip.frames()];
        contact_weights(&mut w, &clip.plan, 8.0);
        for c in &found {
            let f = (c.time * 100.0).round() as usize;
            if f < w.len() {
                assert!(w[f] >= 1.0 + 8.0 * c.strength - 1e-4, "frame {f}");
            }
        }
        let touched = w.iter().filter(|&&x| x > 1.0).count();
        assert!(
            touched <= 4 * found.len(),
            "{touched} frames for {} contacts",
            found.len()
        );
        let mut zero = vec![1.0f32; clip.frames()];
        contact_weights(&mut zero, &clip.plan, 0.0);
        assert!(zero.iter().all(|&x| x == 1.0));
    }

    #[test]
    fn onsets_weigh_more_than_steady_frames() {
        let mut mags = vec![-5.0f32; 3 * BINS];
        mags[2 * BINS..].iter_mut().for_each(|v| *v = 0.0);
        let w = onset_weights(&mags, None);
        assert_eq!(w[0], 1.0);
        assert_eq!(w[1], 1.0);
        assert_eq!(w[2], 1.0 + ONSET_WEIGHT);
    }
}
