//! JUMBF (ISO/IEC 19566-5) boxes as C2PA uses them: a superbox `jumb` holding a
//! description box `jumd` (type UUID, toggles, label, optional salt) and content.

/// JUMBF type UUIDs used by C2PA (all share the ISO suffix 0011-0010-8000-00AA00389B71).
pub mod types {
    const fn c2pa_uuid(tag: [u8; 4]) -> [u8; 16] {
        [
            tag[0], tag[1], tag[2], tag[3], 0x00, 0x11, 0x00, 0x10, 0x80, 0x00, 0x00, 0xaa, 0x00,
            0x38, 0x9b, 0x71,
        ]
    }
    pub const MANIFEST_STORE: [u8; 16] = c2pa_uuid(*b"c2pa");
    pub const MANIFEST: [u8; 16] = c2pa_uuid(*b"c2ma");
    pub const ASSERTION_STORE: [u8; 16] = c2pa_uuid(*b"c2as");
    pub const CLAIM: [u8; 16] = c2pa_uuid(*b"c2cl");
    pub const SIGNATURE: [u8; 16] = c2pa_uuid(*b"c2cs");
    pub const CBOR: [u8; 16] = c2pa_uuid(*b"cbor");
}

/// Toggle bits of the description box: requestable | label present.
const TOGGLES_LABELLED: u8 = 0x03;
/// … plus "private box present" (the C2PA salt box `c2sh`).
const TOGGLES_LABELLED_PRIVATE: u8 = 0x13;

/// Serialises a plain ISO box: 32-bit size, 4CC, payload.
pub fn plain_box(box_type: &[u8; 4], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + payload.len());
    out.extend_from_slice(&((8 + payload.len()) as u32).to_be_bytes());
    out.extend_from_slice(box_type);
    out.extend_from_slice(payload);
    out
}

/// The payload of a superbox: its `jumd` followed by its content boxes. C2PA hashes
/// exactly these bytes (the superbox minus its own 8-byte header) for hashed URIs.
pub fn superbox_payload(
    type_uuid: &[u8; 16],
    label: &str,
    salt: Option<&[u8]>,
    contents: &[Vec<u8>],
) -> Vec<u8> {
    let mut jumd = Vec::with_capacity(16 + 1 + label.len() + 1 + 32);
    jumd.extend_from_slice(type_uuid);
    jumd.push(if salt.is_some() {
        TOGGLES_LABELLED_PRIVATE
    } else {
        TOGGLES_LABELLED
    });
    jumd.extend_from_slice(label.as_bytes());
    jumd.push(0);
    if let Some(salt) = salt {
        jumd.extend_from_slice(&plain_box(b"c2sh", salt));
    }
    let mut payload = plain_box(b"jumd", &jumd);
    for content in contents {
        payload.extend_from_slice(content);
    }
    payload
}

/// Wraps a superbox payload in its `jumb` header.
pub fn superbox(payload: &[u8]) -> Vec<u8> {
    plain_box(b"jumb", payload)
}

/// A CBOR content box (`cbor`), the content of assertion, claim and signature boxes.
pub fn cbor_box(cbor: &[u8]) -> Vec<u8> {
    plain_box(b"cbor", cbor)
}
