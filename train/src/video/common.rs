//! What the three trainers share: checkpoints (the shipped weight format at f32), the
//! run log (CSV + progress bar), the learning-rate schedule and EMA weights.

use anyhow::{Context, Result};
use burn::module::{ModuleMapper, ModuleVisitor, Param, ParamId};
use burn::prelude::*;
use kinora_engine::models::weights::{
    self, Manifest, Precision, collect_tensors, load_tensors, pack,
};
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Writes `module` under `dir` as an f32 manifest + shards (atomically: a temp folder
/// renamed over the old checkpoint, so a killed run never leaves half a checkpoint).
pub fn save_checkpoint<M: Module>(
    module: &M,
    prefix: &str,
    dir: &Path,
    extra: serde_json::Value,
) -> Result<()> {
    let tensors = collect_tensors(module, prefix);
    let (shards, manifest) = pack(&tensors, Precision::F32, prefix, extra);
    write_weights(&shards, &manifest, dir)
}

/// Writes shards + manifest into `dir` (replacing it).
pub fn write_weights(shards: &[Vec<u8>], manifest: &Manifest, dir: &Path) -> Result<()> {
    let tmp = dir.with_extension("tmp");
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    for (s, e) in shards.iter().zip(&manifest.shards) {
        std::fs::write(tmp.join(&e.file), s)?;
    }
    std::fs::write(
        tmp.join("manifest.json"),
        serde_json::to_string_pretty(manifest)?,
    )?;
    // Keep what is not weights (the model card) across the swap.
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let is_weights = name
                .to_str()
                .is_some_and(|n| n == "manifest.json" || n.starts_with("shard-"));
            if !is_weights {
                std::fs::copy(entry.path(), tmp.join(&name))?;
            }
        }
    }
    let _ = std::fs::remove_dir_all(dir);
    std::fs::rename(&tmp, dir).with_context(|| format!("replacing {}", dir.display()))?;
    Ok(())
}

/// Reads a manifest and its verified tensors from `dir`.
pub fn read_weights(dir: &Path) -> Result<(Manifest, HashMap<String, weights::HostTensor>)> {
    let text = std::fs::read_to_string(dir.join("manifest.json"))
        .with_context(|| format!("reading {}/manifest.json", dir.display()))?;
    let manifest: Manifest = serde_json::from_str(&text)?;
    let tensors = weights::unpack(&manifest, |file| {
        std::fs::read(dir.join(file)).map_err(|e| weights::WeightsError::Io {
            path: file.to_string(),
            message: e.to_string(),
        })
    })?;
    Ok((manifest, tensors))
}

/// The tensors [`read_weights`] returned, named, in the manifest's order (how they are
/// packed again).
pub fn in_manifest_order(
    manifest: &Manifest,
    tensors: &HashMap<String, weights::HostTensor>,
) -> Vec<(String, weights::HostTensor)> {
    manifest
        .tensors
        .iter()
        .filter_map(|t| tensors.get(&t.name).map(|h| (t.name.clone(), h.clone())))
        .collect()
}

/// Loads a shipped (or exported) video model from `dir` onto the CPU backend.
pub fn load_model(dir: &Path) -> Result<kinora_engine::models::pipeline::VideoModel> {
    Ok(kinora_engine::models::pipeline::VideoModel::from_dir(
        dir,
        &Device::flex(),
    )?)
}

/// Replaces the tensors named `prefix…` in the model manifest in `dir` with `module`'s
/// (written under `prefix`) and its config with `config`. Every tensor keeps the dtype
/// the manifest stores it in (a mixed int4/int8 manifest stays mixed); a tensor new to
/// the manifest takes its module's quantized dtype, else the manifest's lowest. The
/// others are re-packed from their stored values (int8/int4 blocks re-quantize to the
/// same numbers), which is checked before anything is written. Returns the lowest
/// precision stored and the bytes written.
pub fn replace_in_manifest<M: Module>(
    dir: &Path,
    prefix: &str,
    module: &M,
    config: serde_json::Value,
) -> Result<(Precision, usize)> {
    let (manifest, tensors) = read_weights(dir)?;
    let precision_of_dtype = |dtype: &weights::Dtype| match dtype {
        weights::Dtype::Q4 => Precision::Int4,
        weights::Dtype::Q8 => Precision::Int8,
        weights::Dtype::F32 => Precision::F32,
    };
    let stored = |dtype| manifest.tensors.iter().any(|t| t.dtype == dtype);
    let lowest = if stored(weights::Dtype::Q4) {
        Precision::Int4
    } else if stored(weights::Dtype::Q8) {
        Precision::Int8
    } else {
        Precision::F32
    };
    let replaced = |name: &str| {
        name.strip_prefix(prefix)
            .is_some_and(|r| r.starts_with('.'))
    };
    let module_dtype = manifest
        .tensors
        .iter()
        .find(|t| replaced(&t.name) && t.dtype != weights::Dtype::F32)
        .map_or(lowest, |t| precision_of_dtype(&t.dtype));
    let dtype_of: std::collections::HashMap<&str, Precision> = manifest
        .tensors
        .iter()
        .map(|t| (t.name.as_str(), precision_of_dtype(&t.dtype)))
        .collect();
    let mut all = in_manifest_order(&manifest, &tensors);
    all.retain(|(name, _)| !replaced(name));
    all.extend(collect_tensors(module, prefix));
    let (shards, packed) = weights::pack_mixed(
        &all,
        |name| dtype_of.get(name).copied().unwrap_or(module_dtype),
        &manifest.model,
        config,
    );
    let back = weights::unpack(&packed, |f| {
        let i = packed.shards.iter().position(|s| s.file == f).unwrap_or(0);
        Ok(shards[i].clone())
    })?;
    for (name, t) in tensors.iter().filter(|(n, _)| !replaced(n)) {
        let worst = back[name]
            .values
            .iter()
            .zip(&t.values)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        anyhow::ensure!(worst < 1e-6, "{name} changed by {worst} when re-packed");
    }
    write_weights(&shards, &packed, dir)?;
    Ok((lowest, shards.iter().map(Vec::len).sum()))
}

/// Loads a checkpoint written by [`save_checkpoint`] into `module`.
pub fn load_checkpoint<M: Module>(
    module: M,
    prefix: &str,
    dir: &Path,
) -> Result<(M, serde_json::Value)> {
    let (manifest, tensors) = read_weights(dir)?;
    Ok((load_tensors(module, prefix, &tensors)?, manifest.config))
}

/// Copies from the checkpoint in `dir` every tensor of `module` whose path and shape match;
/// returns the module and the paths it kept fresh.
pub fn warm_start<M: Module>(module: M, prefix: &str, dir: &Path) -> Result<(M, Vec<String>)> {
    let (_, mut tensors) = read_weights(dir)?;
    let mut fresh = Vec::new();
    for (name, tensor) in collect_tensors(&module, prefix) {
        if tensors.get(&name).map(|t| &t.shape) != Some(&tensor.shape) {
            fresh.push(name.clone());
            tensors.insert(name, tensor);
        }
    }
    Ok((load_tensors(module, prefix, &tensors)?, fresh))
}

/// Linear warm-up then cosine decay to 10%.
pub fn learning_rate(step: usize, total: usize, peak: f64, warmup: usize) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let p = (step - warmup) as f64 / (total.saturating_sub(warmup)).max(1) as f64;
    peak * (0.1 + 0.9 * 0.5 * (1.0 + (std::f64::consts::PI * p.min(1.0)).cos()))
}

/// Appends rows to a CSV log.
pub struct CsvLog(std::fs::File);

impl CsvLog {
    /// Opens `path` for appending, writing `header` if the file is new.
    pub fn open(path: &Path, header: &str) -> Result<Self> {
        let new = !path.exists();
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        if new {
            writeln!(f, "{header}")?;
        }
        Ok(CsvLog(f))
    }

    /// Appends one row.
    pub fn row(&mut self, fields: &[String]) -> Result<()> {
        writeln!(self.0, "{}", fields.join(","))?;
        Ok(())
    }
}

/// A progress bar showing loss, samples/s and ETA.
pub fn progress(total: usize, what: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(total as u64);
    let template = format!("{what} {{bar:30}} {{pos}}/{{len}} {{msg}} ETA {{eta}}");
    bar.set_style(
        indicatif::ProgressStyle::with_template(&template)
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Exponential moving average of a module's float parameters, keyed by parameter id
/// (ids survive optimizer steps), kept on the host.
#[derive(Default)]
pub struct Ema {
    values: HashMap<ParamId, Vec<f32>>,
}

impl Ema {
    /// Folds the module's current parameters in with weight `1 − decay`.
    pub fn update<M: Module>(&mut self, module: &M, decay: f32) {
        struct V<'a>(&'a mut Ema, f32);
        impl ModuleVisitor for V<'_> {
            fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
                let now = p
                    .val()
                    .into_data()
                    .convert::<f32>()
                    .try_into_vec::<f32>()
                    .unwrap_or_default();
                let decay = self.1;
                self.0
                    .values
                    .entry(p.id)
                    .and_modify(|e| {
                        for (a, b) in e.iter_mut().zip(&now) {
                            *a = decay * *a + (1.0 - decay) * b;
                        }
                    })
                    .or_insert(now);
            }
        }
        module.visit(&mut V(self, decay));
    }

    /// A copy of `module` carrying the averaged parameters.
    pub fn apply<M: Module>(&self, module: M) -> M {
        struct Mp<'a>(&'a Ema);
        impl ModuleMapper for Mp<'_> {
            fn map_float<const D: usize>(&mut self, p: Param<Tensor<D>>) -> Param<Tensor<D>> {
                let avg = self.0.values.get(&p.id).cloned();
                p.map(|t| match avg {
                    Some(v) => {
                        let dims = t.dims();
                        Tensor::from_data(TensorData::new(v, dims), &t.device())
                    }
                    None => t,
                })
            }
        }
        module.map(&mut Mp(self))
    }
}

/// Host values of a tensor (the engine's reader).
pub use kinora_engine::models::pipeline::to_vec as host;
