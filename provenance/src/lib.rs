//! kinora-provenance: marking a clip as AI-generated in the three ways the industry
//! uses, beyond the visible corner label (`kinora_media::label`, which depends on this
//! crate, not the other way round):
//! - [`watermark`]: an invisible keyed mark in the luma of every frame, with a detector
//!   that still finds it after re-encoding and resizing;
//! - [`content_credentials`]: a signed C2PA manifest inside the MP4
//!   (`digitalSourceType` = trainedAlgorithmicMedia, generator, prompt hash, co-owners).
//!
//! Pure Rust, no tensors; wasm and native. Each part has its own error type
//! ([`watermark::WatermarkError`], [`content_credentials::CredentialError`]).
#![deny(missing_docs)]

pub mod content_credentials;
pub mod watermark;

use content_credentials::ClaimInfo;
use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};
use watermark::WatermarkKey;

/// The product's watermark key. It is derived from a public string on purpose: the mark
/// says "made by Kinora's generator", and anyone with Kinora (or this source) must be able
/// to check it without a server. The cost, stated plainly: someone who reads this source
/// can also try to scrub or forge the mark; the C2PA signature is what binds a file to a
/// device key.
pub fn product_watermark_key() -> WatermarkKey {
    WatermarkKey(Sha256::digest(b"kinora/invisible-watermark/v1").into())
}

/// Hex SHA-256 of the prompt as typed (so the manifest can prove which prompt made a clip
/// without revealing it).
pub fn prompt_sha256_hex(prompt: &str) -> String {
    Sha256::digest(prompt.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Who made a clip and from what: the signed manifest's claim, and the key that signs it.
#[derive(Debug, Clone)]
pub struct Provenance {
    /// Generator, title (the prompt, shortened), prompt hash and cameo co-owners.
    pub claim: ClaimInfo,
    /// This device's signing key.
    pub signing_key: SigningKey,
}

impl Provenance {
    /// Provenance for a clip made from `prompt` on this device.
    pub fn for_prompt(prompt: &str, co_owners: Vec<String>, signing_key: SigningKey) -> Self {
        let title: String = prompt.chars().take(80).collect();
        Provenance {
            claim: ClaimInfo {
                generator_name: "Kinora".into(),
                generator_version: env!("CARGO_PKG_VERSION").into(),
                title,
                prompt_sha256_hex: prompt_sha256_hex(prompt),
                co_owners,
            },
            signing_key,
        }
    }
}
