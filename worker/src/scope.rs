//! The worker's global scope: posting to the page, yielding to the event loop, errors.

use kinora_protocol::FromEngine;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// This dedicated worker's global scope.
pub fn scope() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends `message` to the page. Byte fields go as `Uint8Array`s; a message that cannot be
/// encoded (none of ours) or posted is logged, since there is no one else to tell.
pub fn post(message: &FromEngine) {
    let sent = kinora_protocol::js::encode(message)
        .and_then(|value| scope().post_message(&value).map_err(js_error));
    if let Err(e) = sent {
        web_sys::console::error_1(&format!("the engine worker could not post: {e}").into());
    }
}

/// Lets the worker's event loop run (a Cancel that arrived is handled) before the next
/// piece of work.
pub async fn next_tick() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = scope().set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    let _ = JsFuture::from(promise).await;
}

/// Milliseconds since the worker started (monotonic).
pub fn now_ms() -> f64 {
    scope()
        .performance()
        .map_or_else(js_sys::Date::now, |p| p.now())
}

/// A JS exception in words.
pub fn js_error(e: JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|err| String::from(err.message()))
        })
        .unwrap_or_else(|| "browser error".into())
}
