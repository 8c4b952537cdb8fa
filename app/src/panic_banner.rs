//! A panic must not leave a silently dead page: log it to the console (with the Rust
//! message, via `console_error_panic_hook`) and show a readable banner in the page.

use wasm_bindgen::JsCast;

/// Installs the panic hook. Call before anything else.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        show(&format!(
            "Kinora hit an internal error and stopped: {info}. Reload the page to start again; \
             nothing was sent anywhere."
        ));
    }));
}

fn show(message: &str) {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(body) = document.body() else {
        return;
    };
    if let Ok(banner) = document.create_element("div") {
        banner.set_class_name("panic-banner");
        let _ = banner.set_attribute("role", "alert");
        let _ = banner.set_attribute("data-testid", "panic-banner");
        banner.set_text_content(Some(message));
        if let Ok(node) = banner.dyn_into::<web_sys::HtmlElement>() {
            let _ = body.prepend_with_node_1(&node);
        }
    }
}
