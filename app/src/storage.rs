//! A tiny key-value store on IndexedDB (database `kinora`, store `kv`): the consent vault
//! lives here, on this device only. Requests are wrapped in promises and awaited, so
//! nothing blocks the page.

use js_sys::Promise;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransactionMode};

const DB: &str = "kinora";
const STORE: &str = "kv";

fn describe(e: JsValue) -> String {
    e.as_string()
        .or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()))
        .unwrap_or_else(|| "unknown IndexedDB error".into())
}

/// Resolves with the request's result, or rejects with its error.
fn settle(request: &IdbRequest) -> JsFuture {
    let req = request.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let ok = req.clone();
        let on_success = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call1(&JsValue::NULL, &ok.result().unwrap_or(JsValue::UNDEFINED));
        });
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB request failed"),
            );
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise)
}

async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .ok_or("no window")?
        .indexed_db()
        .map_err(describe)?
        .ok_or("this browser has no IndexedDB (private mode?)")?;
    let open: IdbOpenDbRequest = factory.open_with_u32(DB, 1).map_err(describe)?;
    let upgrading = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
            let _ = db.create_object_store(STORE);
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = settle(&open).await.map_err(describe)?;
    db.dyn_into::<IdbDatabase>().map_err(describe)
}

/// Reads a string value.
pub async fn get(key: &str) -> Result<Option<String>, String> {
    let db = open().await?;
    let store = db
        .transaction_with_str(STORE)
        .and_then(|t| t.object_store(STORE))
        .map_err(describe)?;
    let value = settle(&store.get(&JsValue::from_str(key)).map_err(describe)?)
        .await
        .map_err(describe)?;
    Ok(value.as_string())
}

/// Writes a string value (durably: resolves when the write succeeded).
pub async fn put(key: &str, value: &str) -> Result<(), String> {
    let db = open().await?;
    let store = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .and_then(|t| t.object_store(STORE))
        .map_err(describe)?;
    settle(
        &store
            .put_with_key(&JsValue::from_str(value), &JsValue::from_str(key))
            .map_err(describe)?,
    )
    .await
    .map_err(describe)?;
    Ok(())
}
