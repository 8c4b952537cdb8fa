//! Bindings to `js/webcodecs.js`: the browser's H.264 encoder and Web Share. Kept in
//! JavaScript because WebCodecs in web-sys is behind an unstable cfg flag, and this small
//! module is easier to read than the reflection it would take.

use js_sys::{Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

#[wasm_bindgen(module = "/js/webcodecs.js")]
extern "C" {
    #[wasm_bindgen(js_name = h264Codec)]
    fn h264_codec_js(width: u32, height: u32, fps: u32, bitrate: u32) -> Promise;

    /// One WebCodecs H.264 encoding session.
    pub type H264Session;
    #[wasm_bindgen(constructor, catch)]
    fn new(
        codec: &str,
        width: u32,
        height: u32,
        fps: u32,
        bitrate: u32,
        keyframe_interval: u32,
    ) -> Result<H264Session, JsValue>;
    #[wasm_bindgen(method, catch, js_name = encode)]
    fn encode_js(this: &H264Session, i420: &[u8], index: u32) -> Result<Promise, JsValue>;
    #[wasm_bindgen(method, catch, js_name = finish)]
    fn finish_js(this: &H264Session) -> Result<Promise, JsValue>;
    /// Closes the encoder (after an error or a cancel).
    #[wasm_bindgen(method)]
    pub fn close(this: &H264Session);

    #[wasm_bindgen(js_name = canShareFile)]
    fn can_share_file_js(bytes: &[u8], name: &str) -> bool;
    #[wasm_bindgen(js_name = shareFile)]
    fn share_file_js(bytes: &[u8], name: &str, title: &str) -> Promise;
    #[wasm_bindgen(js_name = nextTick)]
    fn next_tick_js() -> Promise;
    #[wasm_bindgen(js_name = sleep)]
    fn sleep_js(ms: f64) -> Promise;
}

/// Waits `ms` milliseconds without blocking the page.
pub async fn sleep_ms(ms: f64) {
    let _ = JsFuture::from(sleep_js(ms)).await;
}

fn describe(e: JsValue) -> String {
    crate::browser::js_error(e)
}

/// The H.264 codec string WebCodecs can encode at this size, or `None`.
pub async fn h264_codec(width: u32, height: u32, fps: u32, bitrate: u32) -> Option<String> {
    JsFuture::from(h264_codec_js(width, height, fps, bitrate))
        .await
        .ok()
        .and_then(|v| v.as_string())
}

impl H264Session {
    /// Start an encoder.
    pub fn start(
        codec: &str,
        width: u32,
        height: u32,
        fps: u32,
        bitrate: u32,
        keyframe_interval: u32,
    ) -> Result<Self, String> {
        H264Session::new(codec, width, height, fps, bitrate, keyframe_interval).map_err(describe)
    }

    /// Encode frame `index` (I420 planes back to back); waits while the queue is long.
    pub async fn encode(&self, i420: &[u8], index: u32) -> Result<(), String> {
        JsFuture::from(self.encode_js(i420, index).map_err(describe)?)
            .await
            .map(|_| ())
            .map_err(describe)
    }

    /// Flush and return `(annexb, keyframe)` access units in presentation order.
    pub async fn finish(&self) -> Result<Vec<(Vec<u8>, bool)>, String> {
        let chunks = JsFuture::from(self.finish_js().map_err(describe)?)
            .await
            .map_err(describe)?;
        let chunks: js_sys::Array = chunks.dyn_into().map_err(|_| "no chunk list".to_string())?;
        chunks
            .iter()
            .map(|c| {
                let data: Uint8Array = Reflect::get(&c, &"data".into())
                    .map_err(describe)?
                    .dyn_into()
                    .map_err(|_| "chunk without data".to_string())?;
                let key = Reflect::get(&c, &"key".into())
                    .map_err(describe)?
                    .as_bool()
                    .unwrap_or(false);
                Ok((data.to_vec(), key))
            })
            .collect()
    }
}

/// Whether this browser can share a video file through the system share sheet.
pub fn can_share_file(bytes: &[u8], name: &str) -> bool {
    can_share_file_js(bytes, name)
}

/// Open the share sheet with the file.
pub async fn share_file(bytes: &[u8], name: &str, title: &str) -> Result<(), String> {
    JsFuture::from(share_file_js(bytes, name, title))
        .await
        .map(|_| ())
        .map_err(describe)
}

/// Let the browser paint (progress bars) before the next piece of work.
pub async fn next_tick() {
    let _ = JsFuture::from(next_tick_js()).await;
}
