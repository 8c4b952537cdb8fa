//! Stage 1: the text encoder, on text alone. Prompts are the world's paraphrases of random
//! training scenes, augmented (synonyms, typos, dropped words); the target is every
//! attribute group's label. Cheap, so it runs first and then stays frozen.

use super::augment::{augment, rephrase};
use super::common::{CsvLog, learning_rate, load_checkpoint, progress, save_checkpoint};
use super::schema::{scene_labels, schema};
use anyhow::{Context, Result};
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use kinora_engine::models::text::{TextEncoder, TextEncoderConfig, Tokenizer, WordLookup};
use kinora_world::rng::{Rng, mix};
use kinora_world::sample::{Split, sample_scene};
use kinora_world::scene::Scene;
use kinora_world::text::describe;
use std::path::Path;

/// The typo lexicon: words seen at least twice in 20,000 training prompts.
pub fn build_lexicon(seed: u64) -> Vec<String> {
    let mut counts = std::collections::HashMap::<String, usize>::new();
    for i in 0..20_000u64 {
        let s = mix(seed ^ i);
        for w in Tokenizer::words(&describe(&sample_scene(s, Split::Train), s)) {
            *counts.entry(w).or_default() += 1;
        }
    }
    let mut words: Vec<String> = counts
        .into_iter()
        .filter(|(_, c)| *c >= 2)
        .map(|(w, _)| w)
        .collect();
    words.sort();
    words
}

/// One-hot targets for a batch of label rows.
fn targets(labels: &[Vec<usize>], groups: &[usize], device: &Device) -> Tensor<2> {
    let total: usize = groups.iter().sum();
    let mut v = vec![0.0f32; labels.len() * total];
    for (r, row) in labels.iter().enumerate() {
        let mut start = 0;
        for (g, &l) in groups.iter().zip(row) {
            v[r * total + start + l] = 1.0;
            start += g;
        }
    }
    Tensor::from_data(TensorData::new(v, [labels.len(), total]), device)
}

/// Summed per-group cross-entropy, averaged over the batch.
pub fn attribute_loss(logits: Tensor<2>, target: Tensor<2>, groups: &[usize]) -> Tensor<1> {
    let b = logits.dims()[0];
    let logp = Tensor::cat(
        logits
            .split_with_sizes(groups.to_vec(), 1)
            .into_iter()
            .map(|g| log_softmax(g, 1))
            .collect(),
        1,
    );
    (logp * target).sum().neg().div_scalar(b as f32)
}

/// Per-group accuracy of `model` on held-out scenes' prompts (augmented when asked).
pub fn accuracy(
    model: &TextEncoder,
    tokenizer: &Tokenizer,
    words: &dyn WordLookup,
    n: usize,
    augmented: bool,
    device: &Device,
) -> Vec<f32> {
    let mut rng = Rng::new(777);
    let pairs: Vec<(String, Scene)> = (0..n)
        .map(|i| {
            let scene = sample_scene(mix(0xE7A1 ^ i as u64), Split::HeldOut);
            let p = describe(&scene, i as u64);
            let p = if augmented { augment(&p, &mut rng) } else { p };
            (p, scene)
        })
        .collect();
    reading_accuracy(model, tokenizer, words, &pairs, device)
}

/// Per-group accuracy of reading each prompt of `pairs` (its groups' most likely labels
/// against its scene's), in batches of 100.
fn reading_accuracy(
    model: &TextEncoder,
    tokenizer: &Tokenizer,
    words: &dyn WordLookup,
    pairs: &[(String, Scene)],
    device: &Device,
) -> Vec<f32> {
    let groups = model.groups().to_vec();
    let total: usize = groups.iter().sum();
    let mut correct = vec![0usize; groups.len()];
    for chunk in pairs.chunks(100) {
        let texts: Vec<&str> = chunk.iter().map(|(p, _)| p.as_str()).collect();
        let (x, valid, _) = tokenizer.batch(&texts, words, device);
        let logits = super::common::host(model.forward(x, &valid).logits);
        for (r, (_, scene)) in chunk.iter().enumerate() {
            let labels = scene_labels(scene);
            let mut start = 0;
            for (g, &size) in groups.iter().enumerate() {
                let row = &logits[r * total + start..r * total + start + size];
                let best = (0..size).fold(0, |b, i| if row[i] > row[b] { i } else { b });
                correct[g] += usize::from(best == labels[g]);
                start += size;
            }
        }
    }
    let n = pairs.len().max(1) as f32;
    correct.iter().map(|&c| c as f32 / n).collect()
}

/// Trains the encoder for `steps` and writes its checkpoint to `out`.
pub fn train(
    out: &Path,
    config: &TextEncoderConfig,
    tokenizer: &Tokenizer,
    words: &dyn WordLookup,
    steps: usize,
    batch: usize,
) -> Result<TextEncoder> {
    let device = Device::flex().autodiff();
    let mut model = config.init(&device);
    let groups = config.groups.clone();
    let mut optim = AdamWConfig::new().with_weight_decay(0.01).init();
    let mut log = CsvLog::open(&out.with_extension("csv"), "step,loss,lr,samples_per_s")?;
    let mut rng = Rng::new(0x7E47_0001);
    let bar = progress(steps, "text");
    let start = std::time::Instant::now();
    for step in 0..steps {
        let scenes: Vec<_> = (0..batch)
            .map(|_| {
                let s = rng.next_u64();
                (sample_scene(s, Split::Train), s)
            })
            .collect();
        let prompts: Vec<String> = scenes
            .iter()
            .map(|(sc, s)| {
                let p = describe(sc, *s);
                if rng.chance(0.7) {
                    augment(&p, &mut rng)
                } else {
                    p
                }
            })
            .collect();
        let labels: Vec<Vec<usize>> = scenes.iter().map(|(s, _)| scene_labels(s)).collect();
        let (x, valid, _) = tokenizer.batch(&prompts, words, &device);
        let enc = model.forward(x, &valid);
        let loss = attribute_loss(enc.logits, targets(&labels, &groups, &device), &groups);
        let loss_value = super::common::host(loss.clone())[0];
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let lr = learning_rate(step, steps, 2e-3, 50);
        model = optim.step(lr, model, grads);
        let rate = ((step + 1) * batch) as f64 / start.elapsed().as_secs_f64();
        bar.set_message(format!("loss {loss_value:.3} {rate:.0} prompts/s"));
        bar.inc(1);
        log.row(&[
            step.to_string(),
            format!("{loss_value:.5}"),
            format!("{lr:.6}"),
            format!("{rate:.1}"),
        ])?;
    }
    bar.finish();
    let schema_json = serde_json::to_value(schema())?;
    save_checkpoint(&model, "text", out, schema_json)?;
    Ok(model)
}

/// Prompts written for scenes by writers who never saw the grammar, with the scene each
/// one asks for (its labels).
pub struct WrittenPrompts {
    /// (prompt, scene) pairs.
    pub pairs: Vec<(String, Scene)>,
}

impl WrittenPrompts {
    /// Reads a TSV of `prompt, colour, kind, motion, camera, speed[, sky, ground, scenery,
    /// style, size]` (a header line first); absent scene columns mean day, grass, no
    /// scenery, flat style, medium size — what a prompt that does not say them asks for.
    ///
    /// # Errors
    /// An unreadable file, a short line or a label outside the world's.
    pub fn read(path: &Path) -> Result<Self> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let mut pairs = Vec::new();
        for (i, line) in text.lines().enumerate().skip(1) {
            let f: Vec<&str> = line.split('\t').collect();
            anyhow::ensure!(
                f.len() == 6 || f.len() == 11,
                "{} line {}: expected 6 or 11 columns",
                path.display(),
                i + 1
            );
            let or = |k: usize, default: &'static str| f.get(k).copied().unwrap_or(default);
            let scene: Scene = serde_json::from_value(serde_json::json!({
                "sky": or(6, "day"), "ground": or(7, "grass"), "scenery": or(8, "none"),
                "style": or(9, "flat"), "ambient": "none", "speech": null,
                "objects": [{ "kind": f[2], "colour": f[1], "size": or(10, "medium"), "motion": f[3] }],
                "camera": { "motion": f[4], "speed": f[5] },
            }))
            .with_context(|| format!("{} line {}: unknown label", path.display(), i + 1))?;
            pairs.push((f[0].to_string(), scene));
        }
        Ok(Self { pairs })
    }

    /// Reads and concatenates several files.
    ///
    /// # Errors
    /// As [`Self::read`].
    pub fn read_all(paths: &[&Path]) -> Result<Self> {
        let mut pairs = Vec::new();
        for p in paths {
            pairs.extend(Self::read(p)?.pairs);
        }
        Ok(Self { pairs })
    }

    /// Every `k`-th pair (from `offset`) and the rest: a held-out split.
    pub fn split(self, k: usize, offset: usize) -> (Self, Self) {
        let (mut held, mut rest) = (Vec::new(), Vec::new());
        for (i, pair) in self.pairs.into_iter().enumerate() {
            if i % k == offset {
                held.push(pair);
            } else {
                rest.push(pair);
            }
        }
        (Self { pairs: held }, Self { pairs: rest })
    }
}

/// Per-group accuracy of reading prompts written without the grammar.
pub fn written_accuracy(
    model: &TextEncoder,
    tokenizer: &Tokenizer,
    words: &dyn WordLookup,
    prompts: &WrittenPrompts,
    device: &Device,
) -> Vec<f32> {
    reading_accuracy(model, tokenizer, words, &prompts.pairs, device)
}

/// How [`tune`] trains: its data mix, the weights of its terms, its length.
#[derive(Debug, Clone, Copy)]
pub struct TuneSettings {
    /// Share of prompts said another way ([`rephrase`]).
    pub rephrased: f32,
    /// Weight of the summary state's distance to the teacher's summary of the grammar's
    /// own wording of the same scene.
    pub pooled: f32,
    /// Weight of the word states' distance to the teacher's on the same prompt.
    pub tokens: f32,
    /// Share of each batch drawn from prompts written without the grammar ([`WrittenPrompts`]).
    pub written: f32,
    /// Optimizer steps.
    pub steps: usize,
    /// Prompts per step.
    pub batch: usize,
}

/// Fine-tunes a trained encoder (the teacher: the `text` tensors in `teacher_dir`) to read prompts said in words the
/// world's grammar never uses ([`rephrase`], plus the synonyms and typos of [`augment`]),
/// without moving what the models trained on its outputs rely on: the summary state of a
/// rephrased prompt is pulled to the teacher's summary of the grammar's wording of the
/// same scene (so the DiT, planner and sound see the condition they learned), and the word
/// states to the teacher's own on the same prompt (their cross-attention keys).
pub fn tune(
    out: &Path,
    config: &TextEncoderConfig,
    teacher_dir: &Path,
    tokenizer: &Tokenizer,
    words: &dyn WordLookup,
    written: &WrittenPrompts,
    settings: TuneSettings,
) -> Result<TextEncoder> {
    let TuneSettings { steps, batch, .. } = settings;
    let device = Device::flex().autodiff();
    let groups = config.groups.clone();
    // The teacher runs on the plain CPU device: on the autodiff one, the graphs of its
    // forward passes are never consumed by a backward pass and pile up (24 GB after 111
    // steps here). Its outputs cross over as data.
    let plain = Device::flex();
    let teacher = load_checkpoint(config.init(&plain), "text", teacher_dir)?.0;
    let on_device = |t: Tensor<3>| {
        let dims = t.dims();
        Tensor::<3>::from_data(TensorData::new(super::common::host(t), dims), &device)
    };
    let mut model = load_checkpoint(config.init(&device), "text", teacher_dir)?.0;
    let mut optim = AdamWConfig::new().with_weight_decay(0.01).init();
    let mut log = CsvLog::open(
        &out.with_extension("csv"),
        "step,loss,attributes,pooled,tokens,lr,samples_per_s",
    )?;
    let mut rng = Rng::new(0x7E47_0002);
    let bar = progress(steps, "text-tune");
    let start = std::time::Instant::now();
    for step in 0..steps {
        // Each example: a scene, the grammar's wording of it (the pooled target's input)
        // and the prompt the student reads — a person's, or the grammar's said another
        // way, with synonyms and typos.
        let mut scenes = Vec::with_capacity(batch);
        let mut grammar = Vec::with_capacity(batch);
        let mut prompts = Vec::with_capacity(batch);
        for _ in 0..batch {
            let s = rng.next_u64();
            let from_people = !written.pairs.is_empty() && rng.chance(settings.written);
            let (scene, prompt) = if from_people {
                let (p, scene) = &written.pairs[rng.index(written.pairs.len())];
                (scene.clone(), p.clone())
            } else {
                let scene = sample_scene(s, Split::Train);
                let p = describe(&scene, s);
                let p = if rng.chance(settings.rephrased) {
                    rephrase(&scene, &p, &mut rng)
                } else {
                    p
                };
                (scene, p)
            };
            grammar.push(describe(&scene, s));
            prompts.push(if rng.chance(0.5) {
                augment(&prompt, &mut rng)
            } else {
                prompt
            });
            scenes.push(scene);
        }
        let labels: Vec<Vec<usize>> = scenes.iter().map(scene_labels).collect();
        let (x, valid, _) = tokenizer.batch(&prompts, words, &device);
        let enc = model.forward(x, &valid);
        let attributes = attribute_loss(enc.logits, targets(&labels, &groups, &device), &groups);
        let zero = || Tensor::<1>::zeros([1], &device);
        // The teacher's terms only when weighed (a reader trained for the attributes alone
        // needs no teacher).
        let pooled = if settings.pooled > 0.0 {
            let (gx, gvalid, _) = tokenizer.batch(&grammar, words, &plain);
            let target =
                on_device(teacher.forward(gx, &gvalid).pooled.unsqueeze_dim(1)).squeeze_dim(1);
            (enc.pooled - target).powi_scalar(2).mean()
        } else {
            zero()
        };
        let tokens = if settings.tokens > 0.0 {
            let (plain_x, _, _) = tokenizer.batch(&prompts, words, &plain);
            let target = on_device(teacher.forward(plain_x, &valid).tokens);
            let m = enc.tokens.dims()[1];
            (enc.tokens.narrow(1, 1, m - 1) - target.narrow(1, 1, m - 1))
                .powi_scalar(2)
                .mean()
        } else {
            zero()
        };
        let loss = attributes.clone()
            + pooled.clone().mul_scalar(settings.pooled)
            + tokens.clone().mul_scalar(settings.tokens);
        let values: Vec<f32> = [loss.clone(), attributes, pooled, tokens]
            .into_iter()
            .map(|t| super::common::host(t)[0])
            .collect();
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let lr = learning_rate(step, steps, 5e-4, 50);
        model = optim.step(lr, model, grads);
        let rate = ((step + 1) * batch) as f64 / start.elapsed().as_secs_f64();
        bar.set_message(format!(
            "loss {:.3} (attributes {:.3}, pooled {:.4}, tokens {:.4}) {rate:.0} prompts/s",
            values[0], values[1], values[2], values[3]
        ));
        bar.inc(1);
        let mut row: Vec<String> = vec![step.to_string()];
        row.extend(values.iter().map(|v| format!("{v:.5}")));
        row.push(format!("{lr:.6}"));
        row.push(format!("{rate:.1}"));
        log.row(&row)?;
    }
    bar.finish();
    let schema_json = serde_json::to_value(schema())?;
    save_checkpoint(&model, "text", out, schema_json)?;
    Ok(model)
}

/// Per-group accuracy on held-out scenes' prompts said another way ([`rephrase`]).
pub fn rephrased_accuracy(
    model: &TextEncoder,
    tokenizer: &Tokenizer,
    words: &dyn WordLookup,
    n: usize,
    device: &Device,
) -> Vec<f32> {
    let mut rng = Rng::new(778);
    let pairs: Vec<(String, Scene)> = (0..n)
        .map(|i| {
            let scene = sample_scene(mix(0xE7A2 ^ i as u64), Split::HeldOut);
            (
                rephrase(&scene, &describe(&scene, i as u64), &mut rng),
                scene,
            )
        })
        .collect();
    reading_accuracy(model, tokenizer, words, &pairs, device)
}
