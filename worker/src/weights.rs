//! The shipped models in the worker: manifest + shards fetched from this origin, each
//! shard kept in the Cache API under its manifest's version (a second visit fetches no
//! weight bytes), checked against the manifest's SHA-256 before it is used. A shard that
//! fails the check is dropped from the cache and fetched once more; if it fails again the
//! page says so and the engine never runs on it. Older versions are evicted.
//!
//! Two sets: the guardrails' word convolution and word vectors (`models/kinora-guard/`,
//! served from `safety/data/`; the video model's text encoder reads the same vectors, and
//! the page gets them back for its own prompt check), then the video model. They are
//! fetched rather than compiled into a wasm module.

use crate::scope::{js_error, scope};
use kinora_engine::models::pipeline::VideoModel;
use kinora_engine::models::weights::{Manifest, WeightsError, sha256_hex};
use kinora_protocol::Fetched;
use kinora_safety::assets::{FETCHED, GuardManifest};
use kinora_safety::classifier::PromptClassifier;
use kinora_safety::classifier::word_vectors::WordVectors;
use std::collections::HashMap;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Where the video model lives, relative to the page.
const MODEL_DIR: &str = "models/kinora-video";
/// Where the guardrails' fetched files live, relative to the page.
const GUARD_DIR: &str = "models/kinora-guard";
/// The video model's cache names start with this; the model version follows.
const CACHE_PREFIX: &str = "kinora-models-";
/// The guard files' cache names start with this; their version follows.
const GUARD_CACHE_PREFIX: &str = "kinora-guard-";

/// A loaded model and how it came.
pub struct Loaded {
    /// The model, on the CPU backend (burn `flex` compiled to wasm).
    pub model: VideoModel,
    /// The word vectors its text encoder reads.
    pub words: Arc<WordVectors>,
    /// The guard files as fetched and verified (word convolution, word vectors), for the
    /// page's classifier.
    pub guard_files: Vec<Vec<u8>>,
    /// Version from the manifest.
    pub version: String,
    /// Bytes.
    pub fetched: Fetched,
}

async fn fetch_bytes(url: &str) -> Result<Vec<u8>, String> {
    fetch_streamed(url, |_| {}).await
}

/// Fetches `url`, reading the body as it arrives and reporting the bytes received so far
/// after each chunk (so a large shard shows progress, rate and time left).
async fn fetch_streamed(url: &str, mut received: impl FnMut(usize)) -> Result<Vec<u8>, String> {
    let response: web_sys::Response = JsFuture::from(scope().fetch_with_str(url))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "not a response".to_string())?;
    if !response.ok() {
        return Err(format!("{url}: HTTP {}", response.status()));
    }
    let Some(body) = response.body() else {
        return response_bytes(&response).await;
    };
    let reader: web_sys::ReadableStreamDefaultReader = body
        .get_reader()
        .dyn_into()
        .map_err(|_| "the response body cannot be read as a stream".to_string())?;
    let mut bytes = Vec::new();
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(js_error)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into())
            .map(|d| d.is_truthy())
            .unwrap_or(true);
        if done {
            break;
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(js_error)?;
        bytes.extend(js_sys::Uint8Array::new(&value).to_vec());
        received(bytes.len());
    }
    Ok(bytes)
}

async fn response_bytes(response: &web_sys::Response) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(response.array_buffer().map_err(js_error)?)
        .await
        .map_err(js_error)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The cache for one version of a set (`prefix` names the set), with the set's older
/// versions deleted.
async fn version_cache(prefix: &str, version: &str) -> Result<web_sys::Cache, String> {
    let caches = scope().caches().map_err(js_error)?;
    let name = format!("{prefix}{version}");
    let keys = JsFuture::from(caches.keys()).await.map_err(js_error)?;
    for key in js_sys::Array::from(&keys).iter() {
        if let Some(k) = key.as_string()
            && k.starts_with(prefix)
            && k != name
        {
            let _ = JsFuture::from(caches.delete(&k)).await;
        }
    }
    JsFuture::from(caches.open(&name))
        .await
        .map_err(js_error)?
        .dyn_into()
        .map_err(|_| "not a cache".to_string())
}

/// One shard, from the cache or the network, checked against the manifest.
async fn shard(
    cache: Option<&web_sys::Cache>,
    url: &str,
    size: usize,
    sha256: &str,
    fetched: &mut Fetched,
    progress: &mut impl FnMut(Fetched),
) -> Result<Vec<u8>, String> {
    if let Some(cache) = cache
        && let Ok(hit) = JsFuture::from(cache.match_with_str(url)).await
        && let Ok(response) = hit.dyn_into::<web_sys::Response>()
    {
        let bytes = response_bytes(&response).await?;
        if bytes.len() == size && sha256_hex(&bytes) == sha256 {
            fetched.cached += bytes.len();
            return Ok(bytes);
        }
        // A damaged copy: drop it and fetch afresh.
        let _ = JsFuture::from(cache.delete_with_str(url)).await;
    }
    for attempt in 0..2 {
        let before = fetched.network;
        let bytes = fetch_streamed(url, |n| {
            fetched.network = before + n;
            progress(*fetched);
        })
        .await?;
        fetched.network = before + bytes.len();
        if bytes.len() == size && sha256_hex(&bytes) == sha256 {
            if let Some(cache) = cache {
                let array = js_sys::Uint8Array::from(bytes.as_slice());
                if let Ok(response) = web_sys::Response::new_with_opt_buffer_source(Some(&array)) {
                    let _ = JsFuture::from(cache.put_with_str(url, &response)).await;
                }
            }
            return Ok(bytes);
        }
        if attempt == 1 {
            return Err(format!(
                "{url} arrived damaged twice ({} bytes, expected {size}; SHA-256 does not match the manifest)",
                bytes.len()
            ));
        }
    }
    unreachable!("the loop returns on its second attempt")
}

/// Fetches (or finds cached) and verifies the guardrails' word convolution and vectors;
/// returns the vectors and the files.
async fn load_guard(
    manifest: &GuardManifest,
    fetched: &mut Fetched,
    progress: &mut impl FnMut(Fetched),
) -> Result<(Arc<WordVectors>, Vec<Vec<u8>>), String> {
    if manifest.files.iter().map(|f| f.file.as_str()).ne(FETCHED) {
        return Err(format!(
            "the guardrails' manifest lists other files than {FETCHED:?}"
        ));
    }
    let cache = version_cache(GUARD_CACHE_PREFIX, &manifest.version)
        .await
        .ok();
    let mut bytes = Vec::new();
    for f in &manifest.files {
        let url = format!("{GUARD_DIR}/{}", f.file);
        bytes.push(shard(cache.as_ref(), &url, f.bytes, &f.sha256, fetched, progress).await?);
        progress(*fetched);
    }
    let classifier = PromptClassifier::from_fetched(&bytes[0], &bytes[1])
        .map_err(|e| format!("the guardrails' files do not decode: {e}"))?;
    let words = classifier
        .word_vectors()
        .ok_or("the guardrails' classifier has no word vectors")?;
    Ok((words, bytes))
}

/// Fetches (or finds cached), verifies and builds the guardrails' files and the shipped
/// model.
pub async fn load(mut progress: impl FnMut(Fetched)) -> Result<Loaded, String> {
    let guard_bytes = fetch_bytes(&format!("{GUARD_DIR}/manifest.json")).await?;
    let guard: GuardManifest = serde_json::from_slice(&guard_bytes)
        .map_err(|e| format!("the guardrails' manifest is malformed: {e}"))?;
    let manifest_bytes = fetch_bytes(&format!("{MODEL_DIR}/manifest.json")).await?;
    let manifest: Manifest = serde_json::from_slice(&manifest_bytes)
        .map_err(|e| format!("the model manifest is malformed: {e}"))?;
    let mut fetched = Fetched {
        total: guard.files.iter().map(|f| f.bytes).sum::<usize>()
            + manifest.shards.iter().map(|s| s.bytes).sum::<usize>(),
        ..Fetched::default()
    };
    let (words, guard_files) = load_guard(&guard, &mut fetched, &mut progress).await?;
    // Without the Cache API (a private window, an insecure origin) the model still loads,
    // it is just fetched again next visit.
    let cache = version_cache(CACHE_PREFIX, &manifest.version).await.ok();
    let mut shards = HashMap::new();
    for s in &manifest.shards {
        let url = format!("{MODEL_DIR}/{}", s.file);
        let bytes = shard(
            cache.as_ref(),
            &url,
            s.bytes,
            &s.sha256,
            &mut fetched,
            &mut progress,
        )
        .await?;
        shards.insert(s.file.clone(), bytes);
        progress(fetched);
    }
    let device = kinora_engine::device::cpu_device();
    let model = VideoModel::from_manifest(
        &manifest,
        |file| {
            shards.remove(file).ok_or_else(|| WeightsError::Io {
                path: file.to_string(),
                message: "not fetched".into(),
            })
        },
        &device,
    )
    .map_err(|e| e.to_string())?;
    Ok(Loaded {
        model,
        words,
        guard_files,
        version: manifest.version,
        fetched,
    })
}
