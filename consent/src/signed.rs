//! Signed consent files: grants and revocations.
//!
//! A file is `{"kinora": "grant"|"revocation", "version": 1, "payload": {…},
//! "signature": "<base64url>"}`. The signature is Ed25519 by the cameo owner's key over
//! a domain tag plus the payload's JSON bytes. Payload structs reject unknown fields and
//! re-serialize deterministically (fixed field order, integers and strings only), so
//! any edit to a signed file breaks its signature.

use super::ConsentError;
use super::appearance::Appearance;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, Verifier, VerifyingKey};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

const FORMAT_VERSION: u32 = 1;
const GRANT_DOMAIN: &[u8] = b"kinora/grant/v1\0";
const REVOCATION_DOMAIN: &[u8] = b"kinora/revocation/v1\0";

/// What a grant lets the grantee do with the cameo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Use {
    /// New clips featuring the cameo.
    Generate,
    /// Remixes of clips featuring it.
    Remix,
    /// Extensions of clips featuring it.
    Extend,
}

impl std::fmt::Display for Use {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Use::Generate => "generating",
            Use::Remix => "remixing",
            Use::Extend => "extending",
        })
    }
}

/// A cameo's identity: derived from its owner's key and handle, so nobody else can
/// issue grants under it.
pub fn cameo_id(owner_key: &VerifyingKey, handle: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"kinora/cameo/v1\0");
    h.update(owner_key.as_bytes());
    h.update(handle.as_bytes());
    B64.encode(&h.finalize()[..16])
}

/// Encodes a public key for files and UI.
pub fn encode_key(key: &VerifyingKey) -> String {
    B64.encode(key.as_bytes())
}

/// Decodes a public key from a file.
pub fn decode_key(text: &str) -> Result<VerifyingKey, ConsentError> {
    let bytes: [u8; 32] = B64
        .decode(text)
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| ConsentError::Malformed("bad public key".into()))?;
    VerifyingKey::from_bytes(&bytes).map_err(|_| ConsentError::Malformed("bad public key".into()))
}

/// What the owner grants.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantPayload {
    /// Random id of this grant (revocations can name it).
    pub grant_id: String,
    /// The cameo ([`cameo_id`] of owner key and handle).
    pub cameo_id: String,
    /// The handle prompts use (`@handle`).
    pub handle: String,
    /// Owner's public key.
    pub owner_key: String,
    /// Public key of the device the grant is for.
    pub grantee_key: String,
    /// Allowed uses.
    pub scope: Vec<Use>,
    /// Unix seconds: valid from.
    pub issued_at: u64,
    /// Unix seconds: valid until (exclusive).
    pub expires_at: u64,
    /// The likeness conditioning the grantee may use.
    pub appearance: Appearance,
}

/// What the owner revokes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RevocationPayload {
    /// The cameo.
    pub cameo_id: String,
    /// Owner's public key.
    pub owner_key: String,
    /// Unix seconds: every grant issued at or before this instant is void.
    pub revoked_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<P> {
    kinora: String,
    version: u32,
    payload: P,
    signature: String,
}

/// A payload with the owner's signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signed<P> {
    /// The signed content.
    pub payload: P,
    signature: Signature,
}

/// A signed grant.
pub type SignedGrant = Signed<GrantPayload>;
/// A signed revocation.
pub type SignedRevocation = Signed<RevocationPayload>;

/// Payloads that can be signed: their file kind, signing domain and signer.
pub trait Payload: Serialize + for<'de> Deserialize<'de> + Clone {
    /// `"grant"` or `"revocation"`.
    const KIND: &'static str;
    /// Domain-separation tag, so a grant signature never verifies as a revocation.
    const DOMAIN: &'static [u8];
    /// The owner key field.
    fn owner_key(&self) -> &str;
    /// The cameo id field.
    fn cameo_id(&self) -> &str;
}

impl Payload for GrantPayload {
    const KIND: &'static str = "grant";
    const DOMAIN: &'static [u8] = GRANT_DOMAIN;
    fn owner_key(&self) -> &str {
        &self.owner_key
    }
    fn cameo_id(&self) -> &str {
        &self.cameo_id
    }
}

impl Payload for RevocationPayload {
    const KIND: &'static str = "revocation";
    const DOMAIN: &'static [u8] = REVOCATION_DOMAIN;
    fn owner_key(&self) -> &str {
        &self.owner_key
    }
    fn cameo_id(&self) -> &str {
        &self.cameo_id
    }
}

fn message<P: Payload>(payload: &P) -> Vec<u8> {
    let mut m = P::DOMAIN.to_vec();
    // Serializing a derived struct of strings, integers and enums cannot fail.
    m.extend(serde_json::to_vec(payload).unwrap_or_default());
    m
}

impl<P: Payload> Signed<P> {
    /// Signs `payload` with the owner's key.
    pub fn sign(payload: P, owner: &SigningKey) -> Self {
        let signature = owner.sign(&message(&payload));
        Self { payload, signature }
    }

    /// Checks the signature against the owner key named in the payload, and that the
    /// cameo id belongs to that key (for grants: with the handle; see [`cameo_id`]).
    pub fn verify(&self) -> Result<VerifyingKey, ConsentError> {
        let owner = decode_key(self.payload.owner_key())?;
        owner
            .verify(&message(&self.payload), &self.signature)
            .map_err(|_| ConsentError::BadSignature)?;
        Ok(owner)
    }

    /// The file text.
    pub fn to_json(&self) -> String {
        let envelope = Envelope {
            kinora: P::KIND.to_string(),
            version: FORMAT_VERSION,
            payload: self.payload.clone(),
            signature: B64.encode(self.signature.to_bytes()),
        };
        serde_json::to_string_pretty(&envelope).unwrap_or_default()
    }

    /// Parses a file. Does not verify: call [`Self::verify`] (the vault always does).
    pub fn from_json(text: &str) -> Result<Self, ConsentError> {
        let envelope: Envelope<P> =
            serde_json::from_str(text).map_err(|e| ConsentError::Malformed(e.to_string()))?;
        if envelope.kinora != P::KIND || envelope.version != FORMAT_VERSION {
            return Err(ConsentError::Malformed(format!(
                "expected a version {FORMAT_VERSION} {} file, got a version {} {}",
                P::KIND,
                envelope.version,
                envelope.kinora
            )));
        }
        let bytes: [u8; 64] = B64
            .decode(&envelope.signature)
            .ok()
            .and_then(|b| b.try_into().ok())
            .ok_or_else(|| ConsentError::Malformed("bad signature encoding".into()))?;
        Ok(Self {
            payload: envelope.payload,
            signature: Signature::from_bytes(&bytes),
        })
    }
}

impl SignedGrant {
    /// [`Signed::verify`] plus: the cameo id is the owner's for this handle.
    pub fn verify_grant(&self) -> Result<VerifyingKey, ConsentError> {
        let owner = self.verify()?;
        if cameo_id(&owner, &self.payload.handle) != self.payload.cameo_id {
            return Err(ConsentError::BadSignature);
        }
        Ok(owner)
    }
}
