//! WebGPU's own description of the adapter (`GPUAdapter.info`), read through JS
//! reflection. wgpu's browser backend leaves the adapter name empty, and the user should
//! see which GPU (or software fallback such as SwiftShader) is doing the work.

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// What the browser says about its default adapter.
pub struct BrowserAdapterInfo {
    /// `vendor architecture device description`, empty parts left out.
    pub description: String,
    /// `isFallbackAdapter`: a software implementation.
    pub is_fallback: bool,
}

fn get(target: &JsValue, key: &str) -> Option<JsValue> {
    Reflect::get(target, &JsValue::from_str(key))
        .ok()
        .filter(|v| !v.is_undefined() && !v.is_null())
}

/// Asks `navigator.gpu` for its adapter info; `None` where there is no WebGPU adapter.
pub async fn browser_adapter_info() -> Option<BrowserAdapterInfo> {
    let gpu = get(&get(&js_sys::global(), "navigator")?, "gpu")?;
    let request: Function = get(&gpu, "requestAdapter")?.dyn_into().ok()?;
    let promise: Promise = request.call0(&gpu).ok()?.dyn_into().ok()?;
    let adapter = JsFuture::from(promise).await.ok()?;
    let info = get(&adapter, "info")?;
    let description = ["vendor", "architecture", "device", "description"]
        .iter()
        .filter_map(|field| get(&info, field)?.as_string())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    // Newer browsers put isFallbackAdapter on the info, older ones on the adapter.
    let is_fallback = get(&info, "isFallbackAdapter")
        .or_else(|| get(&adapter, "isFallbackAdapter"))
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    Some(BrowserAdapterInfo {
        description,
        is_fallback,
    })
}
