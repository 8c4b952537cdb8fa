//! `cargo xtask strip-wasm`: Trunk's post-build hook (see `Trunk.toml`). Drops the `name`
//! custom section from the release wasm in Trunk's staging folder and rewrites the
//! subresource-integrity hashes `index.html` holds for it. Then gives the engine worker's
//! files content-hashed names (see [`hash_worker`]).
//!
//! The name section only maps function indices to symbol names for stack traces; it was
//! 6.3 MB raw, 1.1 MB gzip of the 6.6 MB gzip module. Trunk 0.21 has no switch to leave it
//! out, `strip = "symbols"` would also drop the `target_features` section wasm-bindgen
//! reads, and wasm-opt takes five minutes here.

use anyhow::{Context, Result, bail};
use base64::Engine;
use sha2::{Digest, Sha384};
use std::path::Path;

/// Strips every `*_bg.wasm` in `$TRUNK_STAGING_DIR` (release builds only; a debug build
/// keeps its names for readable panics).
pub fn strip_staged() -> Result<()> {
    if std::env::var("TRUNK_PROFILE").as_deref() != Ok("release") {
        return Ok(());
    }
    let staging = std::env::var_os("TRUNK_STAGING_DIR")
        .context("TRUNK_STAGING_DIR is not set: run this as Trunk's post_build hook")?;
    let staging = Path::new(&staging);
    let html_path = staging.join("index.html");
    let mut html = std::fs::read_to_string(&html_path)
        .with_context(|| format!("reading {}", html_path.display()))?;
    for entry in std::fs::read_dir(staging)? {
        let path = entry?.path();
        if !path.to_string_lossy().ends_with("_bg.wasm") {
            continue;
        }
        let before = std::fs::read(&path).with_context(|| format!("reading {}", path.display()))?;
        let after = without_custom_section(&before, "name")?;
        if after.len() == before.len() {
            continue;
        }
        html = html.replace(&sri(&before), &sri(&after));
        // (The worker's files are not in index.html; their names change below.)
        std::fs::write(&path, &after).with_context(|| format!("writing {}", path.display()))?;
        println!(
            "strip-wasm: {} {} → {} bytes (name section dropped)",
            path.file_name().unwrap_or_default().to_string_lossy(),
            before.len(),
            after.len()
        );
    }
    let html = hash_worker(staging, &html)?;
    std::fs::write(&html_path, html).with_context(|| format!("writing {}", html_path.display()))
}

/// The engine worker's Cargo binary name: Trunk writes `{WORKER}.js`, `{WORKER}_bg.wasm`
/// and `{WORKER}_loader.js`.
const WORKER: &str = "kinora-worker";

/// Trunk names a worker's files without a content hash (a worker is started by name), so
/// the service worker could not tell an old worker from a new one and might pair a new page
/// with an old engine. This renames them `{WORKER}-{hash}.js`, `{WORKER}-{hash}_bg.wasm`
/// and `{WORKER}-loader-{hash}.js` (the loader rewritten to load the first two) and names
/// them in `index.html` as `<link rel="kinora-worker">` tags (a rel browsers do not fetch),
/// which the page starts the worker from and the service worker caches like any hashed
/// file. Without a worker in the staging folder, `html` comes back as it was.
fn hash_worker(staging: &Path, html: &str) -> Result<String> {
    let js = staging.join(format!("{WORKER}.js"));
    let wasm = staging.join(format!("{WORKER}_bg.wasm"));
    let loader = staging.join(format!("{WORKER}_loader.js"));
    if !wasm.exists() {
        return Ok(html.to_string());
    }
    let mut hasher = sha2::Sha256::new();
    for path in [&js, &wasm] {
        hasher.update(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?);
    }
    let hash: String = hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let names = worker_names(&hash);
    std::fs::rename(&js, staging.join(&names.js))?;
    std::fs::rename(&wasm, staging.join(&names.wasm))?;
    std::fs::remove_file(&loader).with_context(|| format!("removing {}", loader.display()))?;
    std::fs::write(staging.join(&names.loader), names.loader_script())?;
    println!("strip-wasm: the engine worker is {}", names.loader);
    Ok(with_worker_links(html, &names))
}

/// The hashed names of the worker's three files.
#[derive(Debug, PartialEq)]
struct WorkerNames {
    js: String,
    wasm: String,
    loader: String,
}

fn worker_names(hash: &str) -> WorkerNames {
    WorkerNames {
        js: format!("{WORKER}-{hash}.js"),
        wasm: format!("{WORKER}-{hash}_bg.wasm"),
        loader: format!("{WORKER}-loader-{hash}.js"),
    }
}

impl WorkerNames {
    /// What Trunk's loader shim does (`--target no-modules`), with the hashed names.
    fn loader_script(&self) -> String {
        format!(
            r#"importScripts("./{}");wasm_bindgen("./{}");"#,
            self.js, self.wasm
        )
    }
}

/// `html` with the worker's files named before `</head>` (the loader first: the page
/// starts it; all three for the service worker).
fn with_worker_links(html: &str, names: &WorkerNames) -> String {
    let links: String = [
        ("loader", &names.loader),
        ("js", &names.js),
        ("wasm", &names.wasm),
    ]
    .iter()
    .map(|(part, file)| format!(r#"<link rel="{WORKER}" data-part="{part}" href="/{file}">"#))
    .collect();
    match html.find("</head>") {
        Some(at) => format!("{}{links}{}", &html[..at], &html[at..]),
        None => format!("{links}{html}"),
    }
}

/// The `sha384-…` integrity value of `bytes`, as Trunk writes it.
fn sri(bytes: &[u8]) -> String {
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(Sha384::digest(bytes))
    )
}

/// `module` without its custom sections called `name` (every other byte as it was).
pub fn without_custom_section(module: &[u8], name: &str) -> Result<Vec<u8>> {
    if module.len() < 8 || &module[..4] != b"\0asm" {
        bail!("not a wasm module");
    }
    let mut out = module[..8].to_vec();
    let mut at = 8;
    while at < module.len() {
        let start = at;
        let id = module[at];
        at += 1;
        let size = leb128(module, &mut at)?;
        let body = at;
        let end = body
            .checked_add(size)
            .filter(|&e| e <= module.len())
            .context("a section runs past the end of the module")?;
        let drop = id == 0 && {
            let mut p = body;
            let len = leb128(module, &mut p)?;
            module.get(p..p + len) == Some(name.as_bytes())
        };
        if !drop {
            out.extend_from_slice(&module[start..end]);
        }
        at = end;
    }
    Ok(out)
}

/// Reads an unsigned LEB128 number at `*at`, moving past it.
fn leb128(bytes: &[u8], at: &mut usize) -> Result<usize> {
    let mut value = 0usize;
    for shift in (0..35).step_by(7) {
        let byte = *bytes
            .get(*at)
            .context("a number runs past the end of the module")?;
        *at += 1;
        value |= usize::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    bail!("a number in the module is too long")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A module with a type section, a `name` section and a `producers` section.
    fn module() -> Vec<u8> {
        let mut m = b"\0asm\x01\0\0\0".to_vec();
        m.extend([1, 4, 1, 0x60, 0, 0]);
        m.extend([0, 7, 4]);
        m.extend(b"name");
        m.extend([1, 0]);
        m.extend([0, 10, 9]);
        m.extend(b"producers");
        m
    }

    #[test]
    fn only_the_name_section_goes() {
        let m = module();
        let stripped = without_custom_section(&m, "name").expect("strip");
        let mut expected = b"\0asm\x01\0\0\0".to_vec();
        expected.extend([1, 4, 1, 0x60, 0, 0]);
        expected.extend([0, 10, 9]);
        expected.extend(b"producers");
        assert_eq!(stripped, expected);
        assert_eq!(
            without_custom_section(&stripped, "name").expect("again"),
            stripped
        );
    }

    #[test]
    fn the_worker_is_named_by_hash_in_the_page() {
        let names = worker_names("00ff");
        assert_eq!(
            names.loader_script(),
            r#"importScripts("./kinora-worker-00ff.js");wasm_bindgen("./kinora-worker-00ff_bg.wasm");"#
        );
        let html = with_worker_links("<html><head><title>k</title></head></html>", &names);
        assert!(html.starts_with("<html><head><title>k</title><link rel=\"kinora-worker\" data-part=\"loader\" href=\"/kinora-worker-loader-00ff.js\">"));
        assert!(html.ends_with(r#"href="/kinora-worker-00ff_bg.wasm"></head></html>"#));
    }

    #[test]
    fn a_staged_worker_is_renamed_and_linked() {
        let dir = std::env::temp_dir().join(format!("kinora-hash-worker-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("kinora-worker.js"), b"js").unwrap();
        std::fs::write(dir.join("kinora-worker_bg.wasm"), b"wasm").unwrap();
        std::fs::write(dir.join("kinora-worker_loader.js"), b"old").unwrap();
        let html = hash_worker(&dir, "<head></head>").unwrap();
        let loader = html
            .split('"')
            .find(|s| s.starts_with("/kinora-worker-loader-"))
            .unwrap();
        let script = std::fs::read_to_string(dir.join(&loader[1..])).unwrap();
        let js = script.split('"').nth(1).unwrap();
        assert_eq!(std::fs::read(dir.join(&js[2..])).unwrap(), b"js");
        assert!(!dir.join("kinora-worker_loader.js").exists());
        // Nothing to do without a worker.
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        assert_eq!(hash_worker(&dir, "<head></head>").unwrap(), "<head></head>");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_broken_module_is_an_error() {
        assert!(without_custom_section(b"nope", "name").is_err());
        let mut m = module();
        m.truncate(m.len() - 3);
        assert!(without_custom_section(&m, "name").is_err());
    }
}
