//! Small CBOR helpers over `ciborium::Value` (map order is kept as written, so the
//! output is deterministic).

use ciborium::Value;

use super::error::CredentialError;

pub fn to_cbor(value: &Value) -> Result<Vec<u8>, CredentialError> {
    let mut out = Vec::new();
    ciborium::into_writer(value, &mut out).map_err(|e| CredentialError::Cbor(e.to_string()))?;
    Ok(out)
}

/// A text-keyed map, the shape of every C2PA structure we emit.
pub fn map(entries: Vec<(&str, Value)>) -> Value {
    Value::Map(
        entries
            .into_iter()
            .map(|(k, v)| (Value::Text(k.to_string()), v))
            .collect(),
    )
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}
