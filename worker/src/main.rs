//! Kinora's engine worker: the shipped models, burn and the GPU stack, in a dedicated Web
//! Worker beside the page (Trunk builds it; see `index.html`). The page sends
//! [`ToEngine`] messages and gets [`FromEngine`] ones back (`kinora-protocol`). A
//! denoising step blocks this worker, never the page, and the page's own wasm carries no
//! model code.

mod run;
mod scope;
mod selftest;
mod weights;

use kinora_engine::models::pipeline::{GeneratedVideo, VideoModel};
use kinora_protocol::{CANCEL_FLAG_MESSAGE, FromEngine, ModelInfo, RunError, ToEngine};
use kinora_safety::classifier::word_vectors::WordVectors;
use scope::{post, scope};
use serde_bytes::ByteBuf;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::sync::Arc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen_futures::spawn_local;

/// The attribute groups whose labels the page shows (camera choices, quick edits).
const LABEL_GROUPS: [&str; 4] = ["camera", "object1_colour", "object1_kind", "ground"];

/// What the worker holds between messages.
#[derive(Default)]
pub struct Engine {
    model: RefCell<Option<Rc<VideoModel>>>,
    words: RefCell<Option<Arc<WordVectors>>>,
    /// The clip made last (latents, plan, sound tokens): what Remix and Extend work on.
    current: RefCell<Option<Rc<GeneratedVideo>>>,
    /// Set by [`ToEngine::Cancel`]; the running job checks it between steps.
    cancel: Cell<bool>,
    /// The page's cancel flag in shared memory (where the page is cross-origin isolated):
    /// seen at once, even inside a synchronous stage such as the sound's windows, where
    /// the Cancel message waits until the stage ends.
    shared_cancel: RefCell<Option<js_sys::Int32Array>>,
    busy: Cell<bool>,
}

impl Engine {
    /// Whether the page asked the running job to stop.
    pub fn cancelled(&self) -> bool {
        self.cancel.get()
            || self
                .shared_cancel
                .borrow()
                .as_ref()
                .is_some_and(|flag| js_sys::Atomics::load(flag, 0).unwrap_or(0) != 0)
    }

    fn handle(self: &Rc<Self>, message: ToEngine) {
        match message {
            ToEngine::Load => spawn_local(self.clone().load()),
            ToEngine::SelfTest { shape, repeats } => spawn_local(selftest::run(shape, repeats)),
            ToEngine::Cancel => self.cancel.set(true),
            ToEngine::Run(request) => {
                if self.busy.replace(true) {
                    post(&FromEngine::Failed(RunError::Busy));
                    return;
                }
                self.cancel.set(false);
                let engine = self.clone();
                spawn_local(async move {
                    let result = run::make(&engine, &request).await;
                    engine.busy.set(false);
                    post(&match result {
                        Ok(made) => FromEngine::Made(made),
                        Err(e) => FromEngine::Failed(e),
                    });
                });
            }
        }
    }

    /// Loads the guard files and the model, hands the guard files to the page, then times
    /// a short generation for its estimate.
    async fn load(self: Rc<Self>) {
        let loaded = match weights::load(|f| post(&FromEngine::Loading(f))).await {
            Ok(loaded) => loaded,
            Err(e) => {
                post(&FromEngine::LoadFailed(e));
                return;
            }
        };
        let mut files = loaded.guard_files.into_iter().map(ByteBuf::from);
        if let (Some(convolution), Some(vectors)) = (files.next(), files.next()) {
            post(&FromEngine::Guard {
                convolution,
                vectors,
            });
        }
        let model = Rc::new(loaded.model);
        let info = ModelInfo {
            version: loaded.version,
            fps: model.config.fps,
            labels: LABEL_GROUPS
                .iter()
                .map(|g| (g.to_string(), model.config.labels(g).to_vec()))
                .collect(),
            has_sound: model.audio.is_some(),
            fetched: loaded.fetched,
            runs_on: "this device's CPU".into(),
        };
        *self.model.borrow_mut() = Some(model.clone());
        *self.words.borrow_mut() = Some(loaded.words.clone());
        post(&FromEngine::Ready(info));
        post(&FromEngine::Calibrated(
            run::calibrate(&self, &model, &loaded.words).await,
        ));
    }
}

/// The page's shared cancel flag, if `data` is the message that carries it.
fn cancel_flag(data: &wasm_bindgen::JsValue) -> Option<js_sys::SharedArrayBuffer> {
    if !data.is_object() {
        return None;
    }
    js_sys::Reflect::get(data, &CANCEL_FLAG_MESSAGE.into())
        .ok()?
        .dyn_into()
        .ok()
}

fn main() {
    console_error_panic_hook::set_once();
    let engine = Rc::new(Engine::default());
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
            let data = event.data();
            if let Some(flag) = cancel_flag(&data) {
                *engine.shared_cancel.borrow_mut() = Some(js_sys::Int32Array::new(&flag));
                return;
            }
            match kinora_protocol::js::decode::<ToEngine>(data) {
                Ok(message) => engine.handle(message),
                Err(e) => post(&FromEngine::Failed(RunError::Engine(format!(
                    "the engine got a message it does not understand: {e}"
                )))),
            }
        });
    scope().set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&FromEngine::Started);
}
