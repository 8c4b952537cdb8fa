//! Stage 1: the text encoder, on text alone. Prompts are the world's paraphrases of random
//! training scenes, augmented (synonyms, typos, dropped words); the target is every
//! attribute group's label. Cheap, so it runs first and then stays frozen.

use super::augment::augment;
use super::common::{CsvLog, learning_rate, progress, save_checkpoint};
use super::schema::{scene_labels, schema};
use anyhow::Result;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use kinora_engine::models::text::{TextEncoder, TextEncoderConfig, Tokenizer, WordLookup};
use kinora_world::rng::{Rng, mix};
use kinora_world::sample::{Split, sample_scene};
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
    let groups = model.groups().to_vec();
    let mut rng = Rng::new(777);
    let mut correct = vec![0usize; groups.len()];
    for chunk in (0..n).collect::<Vec<_>>().chunks(100) {
        let scenes: Vec<_> = chunk
            .iter()
            .map(|&i| sample_scene(mix(0xE7A1 ^ i as u64), Split::HeldOut))
            .collect();
        let prompts: Vec<String> = scenes
            .iter()
            .zip(chunk)
            .map(|(s, &i)| {
                let p = describe(s, i as u64);
                if augmented { augment(&p, &mut rng) } else { p }
            })
            .collect();
        let (x, valid, _) = tokenizer.batch(&prompts, words, device);
        let logits = super::common::host(model.forward(x, &valid).logits);
        let total: usize = groups.iter().sum();
        for (r, s) in scenes.iter().enumerate() {
            let labels = scene_labels(s);
            let mut start = 0;
            for (g, &size) in groups.iter().enumerate() {
                let row = &logits[r * total + start..r * total + start + size];
                let best = (0..size).fold(0, |b, i| if row[i] > row[b] { i } else { b });
                correct[g] += usize::from(best == labels[g]);
                start += size;
            }
        }
    }
    correct.iter().map(|&c| c as f32 / n as f32).collect()
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
