//! COSE_Sign1 (RFC 9052) with a detached payload, as C2PA's claim signature.

use ciborium::Value;
use ed25519_dalek::{Signer, SigningKey};

use super::cbor::to_cbor;
use super::error::CredentialError;

/// COSE algorithm id for EdDSA.
const ALG_EDDSA: i64 = -8;
/// COSE header labels.
const HEADER_ALG: i64 = 1;
const HEADER_X5CHAIN: i64 = 33;
/// CBOR tag of COSE_Sign1.
const TAG_COSE_SIGN1: u64 = 18;

/// Signs `payload` (the claim's CBOR bytes) and returns the tagged COSE_Sign1 with
/// the payload detached (`nil`): C2PA validators re-attach the claim themselves.
/// The certificate chain sits in the *protected* header so it is covered by the
/// signature, as C2PA 2.x requires.
pub fn sign_detached(
    payload: &[u8],
    key: &SigningKey,
    x5chain: &[&[u8]],
) -> Result<Vec<u8>, CredentialError> {
    let protected = to_cbor(&Value::Map(vec![
        (Value::from(HEADER_ALG), Value::from(ALG_EDDSA)),
        (
            Value::from(HEADER_X5CHAIN),
            Value::Array(x5chain.iter().map(|c| Value::Bytes(c.to_vec())).collect()),
        ),
    ]))?;

    // Sig_structure = ["Signature1", protected, external_aad, payload]
    let to_be_signed = to_cbor(&Value::Array(vec![
        Value::Text("Signature1".to_string()),
        Value::Bytes(protected.clone()),
        Value::Bytes(Vec::new()),
        Value::Bytes(payload.to_vec()),
    ]))?;
    let signature = key.sign(&to_be_signed);

    to_cbor(&Value::Tag(
        TAG_COSE_SIGN1,
        Box::new(Value::Array(vec![
            Value::Bytes(protected),
            Value::Map(Vec::new()),
            Value::Null,
            Value::Bytes(signature.to_bytes().to_vec()),
        ])),
    ))
}
