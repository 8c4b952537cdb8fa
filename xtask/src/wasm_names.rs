//! `cargo xtask strip-wasm`: Trunk's post-build hook (see `Trunk.toml`). Drops the `name`
//! custom section from the release wasm in Trunk's staging folder and rewrites the
//! subresource-integrity hashes `index.html` holds for it.
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
        std::fs::write(&path, &after).with_context(|| format!("writing {}", path.display()))?;
        println!(
            "strip-wasm: {} {} → {} bytes (name section dropped)",
            path.file_name().unwrap_or_default().to_string_lossy(),
            before.len(),
            after.len()
        );
    }
    std::fs::write(&html_path, html).with_context(|| format!("writing {}", html_path.display()))
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
    fn a_broken_module_is_an_error() {
        assert!(without_custom_section(b"nope", "name").is_err());
        let mut m = module();
        m.truncate(m.len() - 3);
        assert!(without_custom_section(&m, "name").is_err());
    }
}
