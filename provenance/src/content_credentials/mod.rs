//! Content Credentials (C2PA) for generated MP4s: signs a manifest declaring the
//! video as `trainedAlgorithmicMedia`, with generator, prompt hash and co-owners,
//! bound to every byte of the media by a `c2pa.hash.bmff.v3` hard binding and
//! signed with the device's Ed25519 key under an on-device X.509 chain.
//!
//! Written by hand (JUMBF + CBOR + COSE) rather than with the `c2pa` crate, which
//! is used only in tests to read and validate what we produce: see STATUS.md.

mod bmff;
mod cbor;
mod certificate;
mod cose;
mod error;
mod jumbf;
mod manifest;

use ed25519_dalek::SigningKey;
use sha2::{Digest, Sha256};

pub use certificate::{DeviceCertificateChain, device_certificate_chain};
pub use error::CredentialError;
pub use manifest::{
    LABEL_ACTIONS, LABEL_BMFF_HASH, LABEL_CO_OWNERS, LABEL_RECIPE, TRAINED_ALGORITHMIC_MEDIA,
};

/// What the manifest says about the video.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimInfo {
    /// The generator's name ("Kinora").
    pub generator_name: String,
    /// The generator's version.
    pub generator_version: String,
    /// Optional: omitted from the claim when empty.
    pub title: String,
    /// SHA-256 of the prompt, 64 hex digits (stored lowercase).
    pub prompt_sha256_hex: String,
    /// Cameo owner handles/keys; the co-owner assertion is omitted when empty.
    pub co_owners: Vec<String>,
}

/// Returns `mp4` with a signed C2PA manifest store embedded after `ftyp`.
///
/// Input: a complete, non-fragmented MP4 (`ftyp` first, one `moov`; `moov` before or
/// after `mdat`). The chunk offsets in `stco`/`co64` are shifted by the inserted box,
/// so the output plays exactly like the input.
pub fn sign_mp4(
    mp4: &[u8],
    info: &ClaimInfo,
    key: &SigningKey,
) -> Result<Vec<u8>, CredentialError> {
    validate(info)?;
    let chain = device_certificate_chain(key)?;
    let (manifest_uuid, instance_id) = identifiers(mp4, info, key);
    let mut inputs = manifest::ManifestInputs {
        info,
        key,
        chain: &chain,
        manifest_uuid: &manifest_uuid,
        instance_id: &instance_id,
        bmff_hash: [0; 32],
    };

    // Pass 1: a placeholder store fixes the box size, hence every final offset.
    let placeholder = manifest::build_manifest_store(&inputs)?;
    let box_len = bmff::manifest_box_len(placeholder.len());
    let mut prepared = bmff::insert_slot_after_ftyp(mp4, box_len)?;
    let slot = prepared.slot_start..prepared.slot_start + box_len;
    prepared.bytes[slot.clone()].copy_from_slice(&bmff::manifest_box(&placeholder));

    // Pass 2: hash the final layout (the C2PA box is excluded) and sign for real.
    inputs.bmff_hash = bmff::bmff_v2_hash(&prepared.bytes)?;
    let store = manifest::build_manifest_store(&inputs)?;
    if store.len() != placeholder.len() {
        return Err(CredentialError::Internal(format!(
            "manifest size changed between passes ({} -> {})",
            placeholder.len(),
            store.len()
        )));
    }
    prepared.bytes[slot].copy_from_slice(&bmff::manifest_box(&store));
    Ok(prepared.bytes)
}

fn validate(info: &ClaimInfo) -> Result<(), CredentialError> {
    if info.generator_name.is_empty() {
        return Err(CredentialError::EmptyField("generator_name"));
    }
    if info.generator_version.is_empty() {
        return Err(CredentialError::EmptyField("generator_version"));
    }
    let hash = &info.prompt_sha256_hex;
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(CredentialError::InvalidPromptHash(hash.clone()));
    }
    Ok(())
}

/// Manifest UUID and instanceID, derived from the content, claim and signer instead
/// of an RNG (none is needed in the browser). Distinct videos get distinct ids; the
/// same video signed twice by the same device gets the same ids, which is accurate.
fn identifiers(mp4: &[u8], info: &ClaimInfo, key: &SigningKey) -> (String, String) {
    let mut hasher = Sha256::new();
    hasher.update(Sha256::digest(mp4));
    hasher.update(key.verifying_key().as_bytes());
    hasher.update(info.prompt_sha256_hex.to_ascii_lowercase().as_bytes());
    let seed = hasher.finalize();
    (
        uuid_from(&seed, b"manifest"),
        format!("xmp:iid:{}", uuid_from(&seed, b"instance")),
    )
}

/// RFC 9562 version-4-shaped UUID from a hash (the randomness is the hash's).
fn uuid_from(seed: &[u8], role: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(seed);
    hasher.update(role);
    let d = hasher.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&d[..16]);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
