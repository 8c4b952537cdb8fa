//! The engine worker, seen from the page. The models, burn and the GPU stack run in a
//! dedicated Web Worker (`worker/`, loaded from `kinora-worker_loader.js`); the page only
//! sends requests and shows what comes back (`kinora-protocol`). One worker per page,
//! started at mount: it loads the guard files and the model at once.
//!
//! Replies that describe the engine (loading, ready, the self-test) land in signals any
//! panel reads; a run's replies go to that run's channel. If the worker dies (its module
//! fails to load, a panic inside it) the page says so and the running job ends with that
//! message; what the person made stays in the page.

use crate::browser::{js_error, now_ms};
use futures::channel::mpsc;
use kinora_protocol::{
    Backend, CANCEL_FLAG_MESSAGE, Fetched, FromEngine, ModelInfo, RunError, RunRequest,
    SelfTestSummary, Speed, ToEngine,
};
use kinora_safety::classifier::PromptClassifier;
use leptos::prelude::*;
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};

/// Trunk's loader for the worker's module (`data-type="worker"` in `index.html`), as a
/// debug build names it. A release build's files carry a content hash, and `index.html`
/// names the loader in a `<link rel="kinora-worker" data-part="loader">` (xtask's
/// `strip-wasm` hook).
const DEBUG_WORKER_URL: &str = "./kinora-worker_loader.js";

/// Where this build's worker loader is.
fn worker_url() -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector(r#"link[rel="kinora-worker"][data-part="loader"]"#)
                .ok()
                .flatten()
        })
        .and_then(|link| link.get_attribute("href"))
        .unwrap_or_else(|| DEBUG_WORKER_URL.to_string())
}

/// Where the model stands.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelState {
    /// Bytes so far, and ms since loading began.
    Loading(Fetched, f64),
    /// Loaded: what it is, and the line the page shows.
    Ready(ModelInfo, String),
    Failed(String),
}

impl ModelState {
    /// The loaded model's description.
    pub fn info(&self) -> Option<&ModelInfo> {
        match self {
            ModelState::Ready(info, _) => Some(info),
            _ => None,
        }
    }
}

pub fn megabytes(bytes: usize) -> String {
    format!("{:.1} MB", bytes as f64 / 1e6)
}

/// The page's handle on the engine worker (Copy; provided as context).
#[derive(Clone, Copy)]
pub struct Engine {
    client: StoredValue<Rc<Client>, LocalStorage>,
    pub model: RwSignal<ModelState>,
    /// The device's measured speed (for the estimate before Generate).
    pub speed: RwSignal<Option<Speed>>,
    pub backend: RwSignal<Option<Backend>>,
    pub self_test: RwSignal<Option<Result<SelfTestSummary, String>>>,
}

/// The worker and what waits on it.
struct Client {
    worker: Option<web_sys::Worker>,
    /// Requests made before the worker listens.
    queue: RefCell<Option<Vec<JsValue>>>,
    /// The running job's replies.
    run: RefCell<Option<mpsc::UnboundedSender<FromEngine>>>,
    /// A cancel flag shared with the worker (cross-origin isolated pages only): the worker
    /// sees it even inside a synchronous stage, where a Cancel message would wait.
    cancel_flag: Option<js_sys::Int32Array>,
}

impl Client {
    fn post(&self, value: &JsValue) -> Result<(), String> {
        let worker = self
            .worker
            .as_ref()
            .ok_or("the engine worker did not start")?;
        worker.post_message(value).map_err(js_error)
    }

    /// Sends now, or once the worker listens.
    fn send_value(&self, value: JsValue) -> Result<(), String> {
        if let Some(queue) = self.queue.borrow_mut().as_mut() {
            queue.push(value);
            return Ok(());
        }
        self.post(&value)
    }

    fn send(&self, message: ToEngine) -> Result<(), String> {
        self.send_value(kinora_protocol::js::encode(&message)?)
    }

    /// Raises (or lowers) the shared cancel flag, where there is one.
    fn flag_cancel(&self, raised: bool) {
        if let Some(flag) = &self.cancel_flag {
            let _ = js_sys::Atomics::store(flag, 0, i32::from(raised));
        }
    }

    /// Ends the running job (if any) with `message`.
    fn fail_run(&self, error: RunError) {
        if let Some(run) = self.run.borrow_mut().take() {
            let _ = run.unbounded_send(FromEngine::Failed(error));
        }
    }
}

/// A 4-byte shared flag, where the page is cross-origin isolated (SharedArrayBuffer needs
/// it: Trunk's `[serve.headers]` and the e2e server send COOP/COEP).
fn shared_flag() -> Option<js_sys::Int32Array> {
    let isolated = js_sys::Reflect::get(&js_sys::global(), &"crossOriginIsolated".into())
        .ok()?
        .is_truthy();
    isolated.then(|| js_sys::Int32Array::new(&js_sys::SharedArrayBuffer::new(4)))
}

impl Engine {
    /// Starts the worker and asks it to load the model.
    pub fn spawn() -> Engine {
        let model = RwSignal::new(ModelState::Loading(Fetched::default(), 0.0));
        let speed = RwSignal::new(None);
        let backend = RwSignal::new(None);
        let self_test = RwSignal::new(None);
        let worker = web_sys::Worker::new(&worker_url());
        if let Err(e) = &worker {
            model.set(ModelState::Failed(format!(
                "The engine could not start in this browser ({}). Nothing you made is affected.",
                js_error(e.clone())
            )));
        }
        let client = Rc::new(Client {
            worker: worker.ok(),
            queue: RefCell::new(Some(Vec::new())),
            run: RefCell::new(None),
            cancel_flag: shared_flag(),
        });
        if let Some(flag) = &client.cancel_flag {
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &CANCEL_FLAG_MESSAGE.into(), &flag.buffer());
            let _ = client.send_value(message.into());
        }
        let engine = Engine {
            client: StoredValue::new_local(client.clone()),
            model,
            speed,
            backend,
            self_test,
        };
        if let Some(worker) = &client.worker {
            let started = now_ms();
            let weak = Rc::downgrade(&client);
            let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
                move |event: web_sys::MessageEvent| {
                    let Some(client) = weak.upgrade() else { return };
                    match kinora_protocol::js::decode::<FromEngine>(event.data()) {
                        Ok(reply) => engine.receive(&client, reply, started),
                        Err(e) => web_sys::console::error_1(
                            &format!("a reply from the engine the page does not understand: {e}")
                                .into(),
                        ),
                    }
                },
            );
            worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
            on_message.forget();
            let weak = Rc::downgrade(&client);
            let on_error = Closure::<dyn FnMut(web_sys::ErrorEvent)>::new(
                move |event: web_sys::ErrorEvent| {
                    event.prevent_default();
                    let why = event.message();
                    web_sys::console::warn_1(&format!("engine worker: {why}").into());
                    let stopped = format!(
                        "The engine stopped ({why}). Reload the page to start it again; nothing you made is lost."
                    );
                    if !matches!(model.get_untracked(), ModelState::Failed(_)) {
                        model.set(ModelState::Failed(stopped.clone()));
                    }
                    if let Some(client) = weak.upgrade() {
                        client.fail_run(RunError::Engine(stopped));
                    }
                },
            );
            worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
            on_error.forget();
        }
        engine.send(ToEngine::Load);
        engine
    }

    fn send(&self, message: ToEngine) {
        if let Err(e) = self.client.with_value(|c| c.send(message)) {
            web_sys::console::error_1(&format!("the engine cannot be reached: {e}").into());
        }
    }

    /// Asks for the kernel self-test (its answers land in `backend` and `self_test`).
    pub fn self_test(&self, shape: (usize, usize, usize), repeats: u32) {
        self.send(ToEngine::SelfTest { shape, repeats });
    }

    /// Starts a run; its stages, progress, previews and its end come through the channel
    /// (which closes after `Made` or `Failed`).
    pub fn run(&self, request: RunRequest) -> mpsc::UnboundedReceiver<FromEngine> {
        let (sender, receiver) = mpsc::unbounded();
        self.client.with_value(|c| {
            c.fail_run(RunError::Busy);
            c.flag_cancel(false);
            *c.run.borrow_mut() = Some(sender);
            if let Err(e) = c.send(ToEngine::Run(request)) {
                c.fail_run(RunError::Engine(format!(
                    "the engine cannot be reached: {e}"
                )));
            }
        });
        receiver
    }

    /// Stops the running job at its next step.
    pub fn cancel(&self) {
        self.client.with_value(|c| c.flag_cancel(true));
        self.send(ToEngine::Cancel);
    }

    fn receive(&self, client: &Client, reply: FromEngine, started: f64) {
        match reply {
            FromEngine::Started => {
                let queued = client.queue.borrow_mut().take().unwrap_or_default();
                for value in queued {
                    if let Err(e) = client.post(&value) {
                        web_sys::console::error_1(&format!("engine: {e}").into());
                    }
                }
            }
            FromEngine::Loading(f) => self.model.set(ModelState::Loading(f, now_ms() - started)),
            FromEngine::Guard {
                convolution,
                vectors,
            } => match PromptClassifier::from_fetched(&convolution, &vectors) {
                // The full classifier from here on (until now the n-gram model compiled in).
                Ok(classifier) => {
                    PromptClassifier::install(classifier);
                }
                Err(e) => web_sys::console::warn_1(
                    &format!("the guardrails' files do not decode ({e}); the compiled-in check stays")
                        .into(),
                ),
            },
            FromEngine::Ready(info) => {
                let f = info.fetched;
                let line = format!(
                    "Model {} ready in {:.1} s: {} from this device's cache, {} downloaded (SHA-256 checked). It runs on {}, in a worker beside the page.",
                    info.version,
                    (now_ms() - started) / 1000.0,
                    megabytes(f.cached),
                    megabytes(f.network),
                    info.runs_on
                );
                self.model.set(ModelState::Ready(info, line));
            }
            FromEngine::LoadFailed(e) => self.model.set(ModelState::Failed(format!(
                "The video model could not be loaded: {e}. Reload to try again; nothing you made is affected."
            ))),
            // None: the calibration gave way to a run, whose own timings then set it.
            FromEngine::Calibrated(Some(speed)) => self.speed.set(Some(speed)),
            FromEngine::Calibrated(None) => {}
            FromEngine::Backend(b) => self.backend.set(Some(b)),
            FromEngine::SelfTest(r) => self.self_test.set(Some(r)),
            run_reply => {
                let ends = matches!(run_reply, FromEngine::Made(_) | FromEngine::Failed(_));
                let mut run = client.run.borrow_mut();
                if let Some(sender) = run.as_ref() {
                    let _ = sender.unbounded_send(run_reply);
                }
                if ends {
                    run.take();
                }
            }
        }
    }
}
