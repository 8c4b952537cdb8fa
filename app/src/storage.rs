//! This device's storage on IndexedDB (database `kinora`): a small key-value store `kv`
//! (the consent vault) and the gallery — `clip_meta` (id → JSON description, cheap to
//! list) and `clip_data` (id → the MP4 bytes, or their sealed form). Requests are wrapped
//! in promises and awaited, so nothing blocks the page.
//!
//! Other tabs of this page on the same device keep their own copies in memory, so every
//! committed write is announced on a `BroadcastChannel`; [`on_other_tab_write`] hears
//! the other tabs' announcements (`tabs` follows them).

use js_sys::{Array, Promise, Uint8Array};
use thiserror::Error;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    BroadcastChannel, IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction,
    IdbTransactionMode,
};

const DB: &str = "kinora";
/// Version 2 added the gallery's two stores.
const DB_VERSION: u32 = 2;
const KV: &str = "kv";
const CLIP_META: &str = "clip_meta";
const CLIP_DATA: &str = "clip_data";

/// Why this device's storage could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StorageError {
    /// Not in a browser window.
    #[error("no window")]
    NoWindow,
    /// No IndexedDB at all.
    #[error("this browser has no IndexedDB (private mode?)")]
    Unavailable,
    /// IndexedDB refused a request or transaction (its own words).
    #[error("{0}")]
    IndexedDb(String),
}

fn describe(e: JsValue) -> StorageError {
    StorageError::IndexedDb(
        e.as_string()
            .or_else(|| js_sys::JSON::stringify(&e).ok().and_then(|s| s.as_string()))
            .unwrap_or_else(|| "unknown IndexedDB error".into()),
    )
}

thread_local! {
    /// `None` where the browser has no BroadcastChannel: tabs then only meet at saves,
    /// which still merge.
    static CHANNEL: Option<BroadcastChannel> = BroadcastChannel::new("kinora-storage").ok();
}

/// Tells the other tabs that this one committed a write.
fn announce_write() {
    CHANNEL.with(|c| {
        if let Some(c) = c {
            let _ = c.post_message(&JsValue::from_str("written"));
        }
    });
}

/// Calls `heard` whenever another tab of this page commits a write, for the rest of the
/// page's life (a tab does not hear its own writes).
pub fn on_other_tab_write(mut heard: impl FnMut() + 'static) {
    CHANNEL.with(|c| {
        let Some(c) = c else { return };
        let on_message =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_: web_sys::MessageEvent| {
                heard()
            });
        c.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        // The page lives as long as the tab; so does the handler.
        on_message.forget();
    });
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

/// Resolves once the transaction committed (its writes are durable), rejects if it
/// failed or was aborted (then none of its writes happened).
fn committed(tx: &IdbTransaction) -> JsFuture {
    let tx = tx.clone();
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let failed = reject.clone();
        let on_error = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = failed.call1(&JsValue::NULL, &JsValue::from_str("IndexedDB write failed"));
        });
        let on_abort = Closure::once_into_js(move |_: web_sys::Event| {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB write aborted (storage full?)"),
            );
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise)
}

async fn open() -> Result<IdbDatabase, StorageError> {
    let factory = web_sys::window()
        .ok_or(StorageError::NoWindow)?
        .indexed_db()
        .map_err(describe)?
        .ok_or(StorageError::Unavailable)?;
    let open: IdbOpenDbRequest = factory.open_with_u32(DB, DB_VERSION).map_err(describe)?;
    let upgrading = open.clone();
    let on_upgrade = Closure::once_into_js(move |_: web_sys::Event| {
        if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
            // Create only what is missing: a version-1 database keeps its vault.
            let names = db.object_store_names();
            for store in [KV, CLIP_META, CLIP_DATA] {
                if !names.contains(store) {
                    let _ = db.create_object_store(store);
                }
            }
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    // Another tab with an older page holds the old version open: say so instead of
    // waiting forever.
    let on_blocked = Closure::once_into_js(move |_: web_sys::Event| {
        web_sys::console::warn_1(&JsValue::from_str(
            "Kinora's storage is being upgraded; close other Kinora tabs to continue.",
        ));
    });
    open.set_onblocked(Some(on_blocked.unchecked_ref()));
    let db = settle(&open)
        .await
        .map_err(describe)?
        .dyn_into::<IdbDatabase>()
        .map_err(describe)?;
    // And let a newer page upgrade past this one: close when asked.
    let closing = db.clone();
    let on_version_change = Closure::once_into_js(move |_: web_sys::Event| closing.close());
    db.set_onversionchange(Some(on_version_change.unchecked_ref()));
    Ok(db)
}

fn transaction(
    db: &IdbDatabase,
    stores: &[&str],
    mode: IdbTransactionMode,
) -> Result<IdbTransaction, StorageError> {
    let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
    db.transaction_with_str_sequence_and_mode(&names, mode)
        .map_err(describe)
}

/// Runs one read request (`read` makes it from the store) on `store` and awaits it.
async fn read(
    store: &str,
    request: impl FnOnce(&IdbObjectStore) -> Result<IdbRequest, JsValue>,
) -> Result<JsValue, StorageError> {
    let db = open().await?;
    let store = transaction(&db, &[store], IdbTransactionMode::Readonly)?
        .object_store(store)
        .map_err(describe)?;
    settle(&request(&store).map_err(describe)?)
        .await
        .map_err(describe)
}

/// Reads a string value.
pub async fn get(key: &str) -> Result<Option<String>, StorageError> {
    let value = read(KV, |s| s.get(&JsValue::from_str(key))).await?;
    Ok(value.as_string())
}

/// Writes a string value; resolves once it is committed.
pub async fn put(key: &str, value: &str) -> Result<(), StorageError> {
    let db = open().await?;
    let tx = transaction(&db, &[KV], IdbTransactionMode::Readwrite)?;
    let queued = tx
        .object_store(KV)
        .and_then(|s| s.put_with_key(&JsValue::from_str(value), &JsValue::from_str(key)));
    finish(&tx, queued).await
}

/// Waits for the transaction to commit — or, when queuing one of its requests failed,
/// aborts it so that none of its writes happen ("both or neither") — and tells the other
/// tabs about a committed write.
async fn finish<T>(tx: &IdbTransaction, queued: Result<T, JsValue>) -> Result<(), StorageError> {
    if let Err(e) = queued {
        let _ = tx.abort();
        return Err(describe(e));
    }
    committed(tx).await.map_err(describe)?;
    announce_write();
    Ok(())
}

/// Stores a clip's description and bytes together (both or neither).
pub async fn put_clip(id: &str, meta_json: &str, bytes: &[u8]) -> Result<(), StorageError> {
    let db = open().await?;
    let tx = transaction(&db, &[CLIP_META, CLIP_DATA], IdbTransactionMode::Readwrite)?;
    let key = JsValue::from_str(id);
    let queued = tx
        .object_store(CLIP_DATA)
        .and_then(|s| s.put_with_key(&Uint8Array::from(bytes), &key))
        .and_then(|_| tx.object_store(CLIP_META))
        .and_then(|s| s.put_with_key(&JsValue::from_str(meta_json), &key));
    finish(&tx, queued).await
}

/// Every stored clip's description (the bytes stay on disk).
pub async fn clip_metas() -> Result<Vec<String>, StorageError> {
    let all = read(CLIP_META, IdbObjectStore::get_all).await?;
    Ok(Array::from(&all)
        .iter()
        .filter_map(|v| v.as_string())
        .collect())
}

/// One clip's stored bytes.
pub async fn clip_bytes(id: &str) -> Result<Option<Vec<u8>>, StorageError> {
    let value = read(CLIP_DATA, |s| s.get(&JsValue::from_str(id))).await?;
    Ok(value.dyn_into::<Uint8Array>().ok().map(|a| a.to_vec()))
}

/// Deletes clips (description and bytes) in one transaction.
pub async fn delete_clips(ids: &[String]) -> Result<(), StorageError> {
    if ids.is_empty() {
        return Ok(());
    }
    let db = open().await?;
    let tx = transaction(&db, &[CLIP_META, CLIP_DATA], IdbTransactionMode::Readwrite)?;
    let queued = [CLIP_META, CLIP_DATA].iter().try_for_each(|store| {
        let store = tx.object_store(store)?;
        ids.iter()
            .try_for_each(|id| store.delete(&JsValue::from_str(id)).map(|_| ()))
    });
    finish(&tx, queued).await
}
