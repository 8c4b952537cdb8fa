//! Small browser helpers: the clock, file downloads and reading picked files.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// Unix seconds now.
pub fn now() -> u64 {
    (js_sys::Date::now() / 1000.0) as u64
}

fn describe(e: wasm_bindgen::JsValue) -> String {
    e.as_string()
        .or_else(|| {
            e.dyn_ref::<js_sys::Error>()
                .map(|err| String::from(err.message()))
        })
        .unwrap_or_else(|| "browser error".into())
}

/// Offers JSON `text` as a file download named `name`.
pub fn download_text(name: &str, text: &str) -> Result<(), String> {
    let url = blob_url(text.as_bytes(), "application/json")?;
    let offered = download_url(&url, name);
    web_sys::Url::revoke_object_url(&url).map_err(describe)?;
    offered
}

/// The `<input>` an event came from.
pub fn input_of(ev: &leptos::ev::Event) -> Option<web_sys::HtmlInputElement> {
    ev.target().and_then(|t| t.dyn_into().ok())
}

/// The local time as `YYYYMMDD-HHMMSS`, for download names.
pub fn local_stamp() -> String {
    let date = js_sys::Date::new_0();
    format!(
        "{:04}{:02}{:02}-{:02}{:02}{:02}",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}

/// The first file picked in an `<input type=file>`.
pub fn picked_file(input: &web_sys::HtmlInputElement) -> Option<web_sys::File> {
    input.files().and_then(|files| files.get(0))
}

/// A picked file's text.
pub async fn file_text(file: &web_sys::File) -> Result<String, String> {
    let text = JsFuture::from(file.text()).await.map_err(describe)?;
    text.as_string().ok_or_else(|| "file is not text".into())
}

/// Decodes an image file and returns its pixels as RGBA, scaled so that the longer side
/// is at most `max_side` (appearance needs colours, not resolution).
pub async fn image_rgba(
    file: &web_sys::File,
    max_side: u32,
) -> Result<(Vec<u8>, usize, usize), String> {
    let window = web_sys::window().ok_or("no window")?;
    let bitmap: web_sys::ImageBitmap = JsFuture::from(
        window
            .create_image_bitmap_with_blob(file)
            .map_err(describe)?,
    )
    .await
    .map_err(|_| "this file is not an image the browser can decode".to_string())?
    .dyn_into()
    .map_err(|_| "not an image".to_string())?;
    let (w, h) = (bitmap.width().max(1), bitmap.height().max(1));
    let scale = (max_side as f64 / w.max(h) as f64).min(1.0);
    let (sw, sh) = (
        ((w as f64 * scale) as u32).max(1),
        ((h as f64 * scale) as u32).max(1),
    );
    let canvas: web_sys::HtmlCanvasElement = window
        .document()
        .ok_or("no document")?
        .create_element("canvas")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "no canvas".to_string())?;
    canvas.set_width(sw);
    canvas.set_height(sh);
    let ctx: web_sys::CanvasRenderingContext2d = canvas
        .get_context("2d")
        .map_err(describe)?
        .ok_or("no 2D context")?
        .dyn_into()
        .map_err(|_| "no 2D context".to_string())?;
    ctx.draw_image_with_image_bitmap_and_dw_and_dh(&bitmap, 0.0, 0.0, sw as f64, sh as f64)
        .map_err(describe)?;
    let data = ctx
        .get_image_data(0.0, 0.0, sw as f64, sh as f64)
        .map_err(describe)?;
    Ok((data.data().0, sw as usize, sh as usize))
}

/// A picked file's bytes.
pub async fn file_bytes(file: &web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = JsFuture::from(file.array_buffer())
        .await
        .map_err(describe)?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// A `blob:` URL for bytes of type `mime` (for `<video src>` and downloads); revoke it
/// when done.
pub fn blob_url(bytes: &[u8], mime: &str) -> Result<String, String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(describe)?;
    web_sys::Url::create_object_url_with_blob(&blob).map_err(describe)
}

/// Offers the resource at `url` as a download named `name`.
pub fn download_url(url: &str, name: &str) -> Result<(), String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(describe)?
        .dyn_into()
        .map_err(|_| "not an anchor".to_string())?;
    a.set_href(url);
    a.set_download(name);
    a.click();
    Ok(())
}

/// Milliseconds from a monotonic-enough clock (for speed reports).
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Describes a JS error for the UI.
pub fn js_error(e: wasm_bindgen::JsValue) -> String {
    describe(e)
}

/// Draws an RGB8 `width × height` frame into a canvas (its pixel size set to the frame's;
/// CSS scales it).
pub fn draw_rgb(canvas: &web_sys::HtmlCanvasElement, rgb: &[u8], width: usize, height: usize) {
    use wasm_bindgen::JsCast;
    if rgb.len() != width * height * 3 {
        return;
    }
    let mut rgba = Vec::with_capacity(width * height * 4);
    for p in rgb.chunks(3) {
        rgba.extend_from_slice(&[p[0], p[1], p[2], 255]);
    }
    canvas.set_width(width as u32);
    canvas.set_height(height as u32);
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    if let Ok(image) = web_sys::ImageData::new_with_u8_clamped_array_and_sh(
        wasm_bindgen::Clamped(&rgba),
        width as u32,
        height as u32,
    ) {
        let _ = ctx.put_image_data(&image, 0.0, 0.0);
    }
}
