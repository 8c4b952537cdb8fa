//! The shipped weight format: named tensors, quantized per block of 32 (symmetric int8 or
//! int4) or kept as f32 when small, packed into shards of at most 32 MB, described by a
//! JSON manifest that lists every tensor and the SHA-256 of every shard.
//!
//! A loader never runs a model on bad weights: each shard's length and hash are checked
//! before any tensor is read from it, and each tensor's name and shape must match the
//! model built from the manifest's configuration.
//!
//! Block layout (`q8`): per block of 32 consecutive values (row-major, the last block
//! zero-padded), an f32 scale `max|x| / 127` then 32 signed bytes. `q4`: the scale is
//! `max|x| / 7`, then 16 bytes, two values per byte (low nibble first), two's complement.

use burn::module::{ModuleMapper, ModuleVisitor, Param};
use burn::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Values per quantization block.
pub const BLOCK: usize = 32;
/// Largest shard, in bytes.
pub const MAX_SHARD_BYTES: usize = 32 * 1024 * 1024;
/// Manifest format tag.
pub const FORMAT: &str = "kinora-weights-1";

/// Why weights could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum WeightsError {
    /// A file could not be read or written.
    #[error("{path}: {message}")]
    Io {
        /// File.
        path: String,
        /// What failed.
        message: String,
    },
    /// The manifest is not valid JSON of the expected form.
    #[error("the weight manifest is malformed: {0}")]
    Manifest(String),
    /// A shard's bytes are not what the manifest promises.
    #[error("shard {file} is corrupt or tampered with: {reason}")]
    BadShard {
        /// Shard file name.
        file: String,
        /// Length or hash mismatch.
        reason: String,
    },
    /// The model expects a tensor the weights lack, or one of another shape.
    #[error("weights do not fit the model: {0}")]
    Mismatch(String),
}

/// How a tensor is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Dtype {
    /// Little-endian f32.
    F32,
    /// Symmetric int8, one f32 scale per block of 32.
    Q8,
    /// Symmetric int4, one f32 scale per block of 32.
    Q4,
}

/// Which precision to ship large matrices in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Precision {
    /// Everything f32 (reference).
    F32,
    /// Large matrices int8.
    Int8,
    /// Large matrices int4.
    Int4,
}

/// One tensor in the manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TensorEntry {
    /// Dotted module path, e.g. `dit.blocks.0.attn.query.weight`.
    pub name: String,
    /// Shape.
    pub shape: Vec<usize>,
    /// Storage type.
    pub dtype: Dtype,
    /// Index into `shards`.
    pub shard: usize,
    /// Byte offset in the shard.
    pub offset: usize,
    /// Byte length.
    pub bytes: usize,
}

/// One shard file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShardEntry {
    /// File name beside the manifest.
    pub file: String,
    /// Length in bytes.
    pub bytes: usize,
    /// Lower-case hex SHA-256 of the file.
    pub sha256: String,
}

/// The manifest (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// Model name.
    pub model: String,
    /// Model version (changes whenever weights change; caches key on it).
    pub version: String,
    /// Values per quantization block.
    pub block_size: usize,
    /// Shards.
    pub shards: Vec<ShardEntry>,
    /// Tensors.
    pub tensors: Vec<TensorEntry>,
    /// Model configuration and anything else the loader needs (tokenizer, schema, stats).
    pub config: serde_json::Value,
}

/// A named f32 tensor on the host.
#[derive(Debug, Clone, PartialEq)]
pub struct HostTensor {
    /// Shape.
    pub shape: Vec<usize>,
    /// Row-major values.
    pub values: Vec<f32>,
}

/// Lower-case hex SHA-256 (one helper for every checked download: the guardrails' files
/// are hashed the same way).
pub use kinora_safety::assets::sha256_hex;

/// Quantizes `values` per block of 32 with `bits` ∈ {8, 4}.
pub fn quantize_blocks(values: &[f32], bits: u32) -> Vec<u8> {
    let qmax = if bits == 8 { 127.0 } else { 7.0 };
    let mut out = Vec::new();
    for block in values.chunks(BLOCK) {
        let amax = block.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        let scale = if amax > 0.0 { amax / qmax } else { 1.0 };
        out.extend_from_slice(&scale.to_le_bytes());
        let q = |i: usize| -> i8 {
            let v = block.get(i).copied().unwrap_or(0.0);
            (v / scale).round().clamp(-qmax, qmax) as i8
        };
        if bits == 8 {
            out.extend((0..BLOCK).map(|i| q(i) as u8));
        } else {
            out.extend(
                (0..BLOCK / 2).map(|i| ((q(2 * i) as u8) & 0x0F) | ((q(2 * i + 1) as u8) << 4)),
            );
        }
    }
    out
}

/// Inverse of [`quantize_blocks`] for `count` values.
pub fn dequantize_blocks(bytes: &[u8], bits: u32, count: usize) -> Option<Vec<f32>> {
    let per_block = 4 + if bits == 8 { BLOCK } else { BLOCK / 2 };
    if bytes.len() != count.div_ceil(BLOCK) * per_block {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for block in bytes.chunks(per_block) {
        let scale = f32::from_le_bytes([block[0], block[1], block[2], block[3]]);
        for i in 0..BLOCK {
            if out.len() == count {
                break;
            }
            let q = if bits == 8 {
                block[4 + i] as i8
            } else {
                let byte = block[4 + i / 2];
                let nibble = if i % 2 == 0 { byte & 0x0F } else { byte >> 4 };
                ((nibble << 4) as i8) >> 4
            };
            out.push(q as f32 * scale);
        }
    }
    Some(out)
}

/// True for tensors worth quantizing: matrices and kernels with ≥ 1024 values.
fn quantizable(name: &str, shape: &[usize]) -> bool {
    shape.len() >= 2 && shape.iter().product::<usize>() >= 1024 && name.ends_with("weight")
}

/// Packs named tensors into shards + manifest entries. Returns (shard bytes, manifest).
pub fn pack(
    tensors: &[(String, HostTensor)],
    precision: Precision,
    model: &str,
    config: serde_json::Value,
) -> (Vec<Vec<u8>>, Manifest) {
    pack_mixed(tensors, |_| precision, model, config)
}

/// [`pack`] with a precision per tensor (by name): a mixed-precision manifest, e.g. int4
/// with one module kept at int8. Loaders read each tensor's own dtype.
pub fn pack_mixed(
    tensors: &[(String, HostTensor)],
    precision_of: impl Fn(&str) -> Precision,
    model: &str,
    config: serde_json::Value,
) -> (Vec<Vec<u8>>, Manifest) {
    let mut shards: Vec<Vec<u8>> = vec![Vec::new()];
    let mut entries = Vec::new();
    for (name, t) in tensors {
        let (dtype, bytes) = match precision_of(name) {
            Precision::Int8 if quantizable(name, &t.shape) => {
                (Dtype::Q8, quantize_blocks(&t.values, 8))
            }
            Precision::Int4 if quantizable(name, &t.shape) => {
                (Dtype::Q4, quantize_blocks(&t.values, 4))
            }
            _ => (
                Dtype::F32,
                t.values.iter().flat_map(|v| v.to_le_bytes()).collect(),
            ),
        };
        let fits = shards
            .last()
            .is_some_and(|s| s.len() + bytes.len() <= MAX_SHARD_BYTES);
        if !fits {
            shards.push(Vec::new());
        }
        let shard = shards.len() - 1;
        let current = &mut shards[shard];
        entries.push(TensorEntry {
            name: name.clone(),
            shape: t.shape.clone(),
            dtype,
            shard,
            offset: current.len(),
            bytes: bytes.len(),
        });
        current.extend_from_slice(&bytes);
    }
    let shard_entries: Vec<ShardEntry> = shards
        .iter()
        .enumerate()
        .map(|(i, s)| ShardEntry {
            file: format!("shard-{i:03}.bin"),
            bytes: s.len(),
            sha256: sha256_hex(s),
        })
        .collect();
    let version = sha256_hex(
        shard_entries
            .iter()
            .map(|s| s.sha256.as_str())
            .collect::<String>()
            .as_bytes(),
    )[..16]
        .to_string();
    let manifest = Manifest {
        format: FORMAT.to_string(),
        model: model.to_string(),
        version,
        block_size: BLOCK,
        shards: shard_entries,
        tensors: entries,
        config,
    };
    (shards, manifest)
}

/// Checks every shard against the manifest and decodes every tensor to f32.
///
/// `read_shard(file)` returns a shard's bytes (from disk natively, from the verified cache
/// in the browser).
pub fn unpack(
    manifest: &Manifest,
    mut read_shard: impl FnMut(&str) -> Result<Vec<u8>, WeightsError>,
) -> Result<HashMap<String, HostTensor>, WeightsError> {
    if manifest.format != FORMAT || manifest.block_size != BLOCK {
        return Err(WeightsError::Manifest(format!(
            "unsupported format {} / block size {}",
            manifest.format, manifest.block_size
        )));
    }
    let mut shards = Vec::with_capacity(manifest.shards.len());
    for s in &manifest.shards {
        let bytes = read_shard(&s.file)?;
        if bytes.len() != s.bytes {
            return Err(WeightsError::BadShard {
                file: s.file.clone(),
                reason: format!("{} bytes, expected {}", bytes.len(), s.bytes),
            });
        }
        let hash = sha256_hex(&bytes);
        if hash != s.sha256 {
            return Err(WeightsError::BadShard {
                file: s.file.clone(),
                reason: format!("SHA-256 {hash}, expected {}", s.sha256),
            });
        }
        shards.push(bytes);
    }
    let mut out = HashMap::new();
    for e in &manifest.tensors {
        let bytes = shards
            .get(e.shard)
            .and_then(|s| s.get(e.offset..e.offset + e.bytes))
            .ok_or_else(|| {
                WeightsError::Manifest(format!("{} points outside its shard", e.name))
            })?;
        let count: usize = e.shape.iter().product();
        let values = match e.dtype {
            Dtype::F32 if bytes.len() == count * 4 => Some(
                bytes
                    .chunks_exact(4)
                    .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
                    .collect(),
            ),
            Dtype::F32 => None,
            Dtype::Q8 => dequantize_blocks(bytes, 8, count),
            Dtype::Q4 => dequantize_blocks(bytes, 4, count),
        }
        .ok_or_else(|| WeightsError::Manifest(format!("{} has the wrong byte length", e.name)))?;
        out.insert(
            e.name.clone(),
            HostTensor {
                shape: e.shape.clone(),
                values,
            },
        );
    }
    Ok(out)
}

/// Collects a module's float parameters by dotted path.
pub fn collect_tensors<M: Module>(module: &M, prefix: &str) -> Vec<(String, HostTensor)> {
    struct Collect {
        path: Vec<String>,
        out: Vec<(String, HostTensor)>,
    }
    impl ModuleVisitor for Collect {
        fn enter_module(&mut self, name: &str, _container: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container: &str) {
            self.path.pop();
        }
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            let t = param.val();
            let shape = t.dims().to_vec();
            let values = t
                .into_data()
                .convert::<f32>()
                .try_into_vec::<f32>()
                .unwrap_or_default();
            self.out
                .push((self.path.join("."), HostTensor { shape, values }));
        }
    }
    let mut c = Collect {
        path: vec![prefix.to_string()],
        out: Vec::new(),
    };
    module.visit(&mut c);
    c.out
}

/// Replaces a module's float parameters with the named host tensors (same paths as
/// [`collect_tensors`]). Every parameter must be present with its exact shape.
pub fn load_tensors<M: Module>(
    module: M,
    prefix: &str,
    tensors: &HashMap<String, HostTensor>,
) -> Result<M, WeightsError> {
    struct Load<'a> {
        path: Vec<String>,
        tensors: &'a HashMap<String, HostTensor>,
        error: Option<WeightsError>,
    }
    impl ModuleMapper for Load<'_> {
        fn enter_module(&mut self, name: &str, _container: &str) {
            self.path.push(name.to_string());
        }
        fn exit_module(&mut self, _name: &str, _container: &str) {
            self.path.pop();
        }
        fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
            let name = self.path.join(".");
            let found = self.tensors.get(&name);
            let error = &mut self.error;
            param.map(|old| {
                let dims = old.dims().to_vec();
                match found {
                    Some(t) if t.shape == dims => {
                        let loaded = Tensor::from_data(
                            TensorData::new(t.values.clone(), dims.clone()),
                            &old.device(),
                        );
                        // A parameter being trained stays tracked by autodiff.
                        if old.is_require_grad() {
                            loaded.require_grad()
                        } else {
                            loaded
                        }
                    }
                    Some(t) => {
                        error.get_or_insert(WeightsError::Mismatch(format!(
                            "{name}: shape {:?}, model wants {dims:?}",
                            t.shape
                        )));
                        old
                    }
                    None => {
                        error.get_or_insert(WeightsError::Mismatch(format!("{name} is missing")));
                        old
                    }
                }
            })
        }
    }
    let mut l = Load {
        path: vec![prefix.to_string()],
        tensors,
        error: None,
    };
    let module = module.map(&mut l);
    match l.error {
        Some(e) => Err(e),
        None => Ok(module),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantization_round_trips_within_half_a_step() {
        let values: Vec<f32> = (0..100)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 13.0)
            .collect();
        for bits in [8, 4] {
            let q = quantize_blocks(&values, bits);
            let back = dequantize_blocks(&q, bits, values.len()).expect("length");
            let qmax = if bits == 8 { 127.0 } else { 7.0 };
            for (block, back) in values.chunks(BLOCK).zip(back.chunks(BLOCK)) {
                let step = block.iter().fold(0.0f32, |m, v| m.max(v.abs())) / qmax;
                for (a, b) in block.iter().zip(back) {
                    assert!((a - b).abs() <= step * 0.5 + 1e-6, "{bits}: {a} vs {b}");
                }
            }
        }
    }

    #[test]
    fn tampered_or_truncated_shards_are_refused() {
        let t = HostTensor {
            shape: vec![64, 32],
            values: (0..2048).map(|i| i as f32 / 2048.0).collect(),
        };
        let (shards, manifest) = pack(
            &[("w.weight".into(), t)],
            Precision::Int8,
            "m",
            serde_json::json!({}),
        );
        assert!(unpack(&manifest, |_| Ok(shards[0].clone())).is_ok());
        let mut flipped = shards[0].clone();
        flipped[100] ^= 1;
        assert!(matches!(
            unpack(&manifest, |_| Ok(flipped.clone())),
            Err(WeightsError::BadShard { .. })
        ));
        let short = shards[0][..shards[0].len() - 1].to_vec();
        assert!(matches!(
            unpack(&manifest, |_| Ok(short.clone())),
            Err(WeightsError::BadShard { .. })
        ));
    }
}
