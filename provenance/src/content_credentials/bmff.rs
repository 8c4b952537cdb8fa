//! Just enough ISO BMFF (MP4) handling to embed a C2PA manifest box:
//! walking top-level boxes, inserting the `uuid` ContentProvenanceBox right
//! after `ftyp` (C2PA's placement rule: after `ftyp`, before the first `mdat`),
//! patching the absolute chunk offsets (`stco`/`co64`) that the insertion moves,
//! and computing the `c2pa.hash.bmff` v2/v3 hash over the result.

use sha2::{Digest, Sha256};

use super::error::CredentialError;

/// User type of the C2PA ContentProvenanceBox (`d8fec3d6-1b0e-483c-9297-5828877ec481`).
pub const C2PA_BOX_UUID: [u8; 16] = [
    0xd8, 0xfe, 0xc3, 0xd6, 0x1b, 0x0e, 0x48, 0x3c, 0x92, 0x97, 0x58, 0x28, 0x87, 0x7e, 0xc4, 0x81,
];

/// Top-level boxes the hard binding leaves out, besides the C2PA box itself.
/// `ftyp` and `mfra` mirror the defaults of the reference implementation; `free`/`skip`
/// are deliberately NOT excluded, so even padding edits are detected.
pub const EXCLUDED_TOP_LEVEL_TYPES: [&[u8; 4]; 2] = [b"ftyp", b"mfra"];

/// One box header as found in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BoxSpan {
    pub box_type: [u8; 4],
    /// Absolute offset of the first header byte.
    pub offset: usize,
    /// Total size including the header.
    pub size: usize,
    /// Size of the header (8, 16 with largesize; the `uuid` user type is payload here).
    pub header_len: usize,
}

impl BoxSpan {
    pub fn end(&self) -> usize {
        self.offset + self.size
    }
    pub fn payload_start(&self) -> usize {
        self.offset + self.header_len
    }
}

/// Lists the boxes laid out back to back in `data[start..end]`.
pub fn child_boxes(data: &[u8], start: usize, end: usize) -> Result<Vec<BoxSpan>, CredentialError> {
    let mut boxes = Vec::new();
    let mut pos = start;
    while pos < end {
        let header = data
            .get(pos..pos + 8)
            .filter(|_| pos + 8 <= end)
            .ok_or_else(|| malformed(format!("truncated box header at {pos}")))?;
        let size32 = u32::from_be_bytes([header[0], header[1], header[2], header[3]]);
        let box_type = [header[4], header[5], header[6], header[7]];
        let (size, header_len) = match size32 {
            0 => (end - pos, 8), // "extends to the end of the enclosing container"
            1 => {
                let large = data
                    .get(pos + 8..pos + 16)
                    .filter(|_| pos + 16 <= end)
                    .ok_or_else(|| malformed(format!("truncated largesize at {pos}")))?;
                let mut bytes = [0u8; 8];
                bytes.copy_from_slice(large);
                let size = usize::try_from(u64::from_be_bytes(bytes))
                    .map_err(|_| malformed(format!("box at {pos} larger than memory")))?;
                (size, 16)
            }
            n => (n as usize, 8),
        };
        if size < header_len || size > end - pos {
            return Err(malformed(format!(
                "box {:?} at {pos} has size {size}, outside its container",
                String::from_utf8_lossy(&box_type)
            )));
        }
        boxes.push(BoxSpan {
            box_type,
            offset: pos,
            size,
            header_len,
        });
        pos += size;
    }
    Ok(boxes)
}

/// True for a top-level `uuid` box carrying the C2PA user type.
pub fn is_c2pa_box(data: &[u8], span: &BoxSpan) -> bool {
    span.box_type == *b"uuid"
        && data.get(span.offset + 8..span.offset + 24) == Some(&C2PA_BOX_UUID[..])
}

/// Builds the ContentProvenanceBox: FullBox(version 0, flags 0), purpose "manifest",
/// 8-byte offset of the first auxiliary `merkle` box (0: none), then the JUMBF store.
pub fn manifest_box(jumbf_store: &[u8]) -> Vec<u8> {
    const PURPOSE: &[u8] = b"manifest\0";
    let size = 8 + 16 + 4 + PURPOSE.len() + 8 + jumbf_store.len();
    let mut out = Vec::with_capacity(size);
    // Manifest stores are kilobytes; the 32-bit size form is always enough.
    out.extend_from_slice(&(size as u32).to_be_bytes());
    out.extend_from_slice(b"uuid");
    out.extend_from_slice(&C2PA_BOX_UUID);
    out.extend_from_slice(&[0, 0, 0, 0]);
    out.extend_from_slice(PURPOSE);
    out.extend_from_slice(&0u64.to_be_bytes());
    out.extend_from_slice(jumbf_store);
    out
}

/// Size of [`manifest_box`] for a store of `store_len` bytes.
pub fn manifest_box_len(store_len: usize) -> usize {
    8 + 16 + 4 + 9 + 8 + store_len
}

/// The input MP4 with a zero-filled slot of `slot_len` bytes inserted right after
/// `ftyp`, and every chunk offset shifted so the media still decodes.
pub struct PreparedMp4 {
    pub bytes: Vec<u8>,
    /// Where the manifest box goes (`bytes[slot_start..slot_start + slot_len]`).
    pub slot_start: usize,
}

/// Validates the layout and inserts the slot.
pub fn insert_slot_after_ftyp(mp4: &[u8], slot_len: usize) -> Result<PreparedMp4, CredentialError> {
    let top = child_boxes(mp4, 0, mp4.len())?;
    let ftyp = top
        .first()
        .filter(|b| b.box_type == *b"ftyp")
        .ok_or_else(|| malformed("first box is not `ftyp`".to_string()))?;
    check_top_level_layout(mp4, &top)?;

    let shift = slot_len;
    let mut bytes = Vec::with_capacity(mp4.len() + slot_len);
    bytes.extend_from_slice(&mp4[..ftyp.end()]);
    bytes.resize(ftyp.end() + slot_len, 0);
    bytes.extend_from_slice(&mp4[ftyp.end()..]);

    // Every top-level box after ftyp moved by `shift`; offsets inside `moov` that point
    // into the file (chunk offsets) must move with them.
    for span in top.iter().filter(|b| b.box_type == *b"moov") {
        let moved = BoxSpan {
            offset: span.offset + shift,
            ..*span
        };
        shift_chunk_offsets(&mut bytes, &moved, shift as u64)?;
    }
    Ok(PreparedMp4 {
        bytes,
        slot_start: ftyp.end(),
    })
}

fn check_top_level_layout(mp4: &[u8], top: &[BoxSpan]) -> Result<(), CredentialError> {
    if top.iter().any(|b| is_c2pa_box(mp4, b)) {
        return Err(CredentialError::AlreadySigned);
    }
    // These carry absolute offsets we do not rewrite; refusing is safer than
    // producing a file whose index points at the wrong bytes.
    for kind in [b"moof", b"sidx", b"mfra", b"meta"] {
        if top.iter().any(|b| b.box_type == *kind) {
            return Err(CredentialError::UnsupportedMp4(format!(
                "top-level `{}` box (fragmented MP4 or item-based file)",
                String::from_utf8_lossy(kind)
            )));
        }
    }
    if top.iter().filter(|b| b.box_type == *b"moov").count() != 1 {
        return Err(CredentialError::UnsupportedMp4(
            "expected exactly one `moov` box".to_string(),
        ));
    }
    if top
        .last()
        .is_some_and(|b| b.box_type == *b"uuid" && b.size == 0)
    {
        return Err(malformed("size-0 trailing uuid box".to_string()));
    }
    Ok(())
}

/// Adds `shift` to every entry of each `moov/trak/mdia/minf/stbl/{stco,co64}`.
fn shift_chunk_offsets(
    bytes: &mut [u8],
    moov: &BoxSpan,
    shift: u64,
) -> Result<(), CredentialError> {
    for trak in children_of_type(bytes, moov, b"trak")? {
        for mdia in children_of_type(bytes, &trak, b"mdia")? {
            for minf in children_of_type(bytes, &mdia, b"minf")? {
                for stbl in children_of_type(bytes, &minf, b"stbl")? {
                    for table in child_boxes(bytes, stbl.payload_start(), stbl.end())? {
                        match &table.box_type {
                            b"stco" => patch_offset_table(bytes, &table, 4, shift)?,
                            b"co64" => patch_offset_table(bytes, &table, 8, shift)?,
                            b"saio" => {
                                return Err(CredentialError::UnsupportedMp4(
                                    "`saio` (encrypted/aux sample info) offsets".to_string(),
                                ));
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
    }
    Ok(())
}

fn children_of_type(
    bytes: &[u8],
    parent: &BoxSpan,
    kind: &[u8; 4],
) -> Result<Vec<BoxSpan>, CredentialError> {
    Ok(child_boxes(bytes, parent.payload_start(), parent.end())?
        .into_iter()
        .filter(|b| b.box_type == *kind)
        .collect())
}

/// `stco`/`co64`: FullBox header (4 bytes), entry_count (u32), then entries.
fn patch_offset_table(
    bytes: &mut [u8],
    table: &BoxSpan,
    entry_len: usize,
    shift: u64,
) -> Result<(), CredentialError> {
    let count_at = table.payload_start() + 4;
    let count = read_u32(bytes, count_at, table.end())? as usize;
    let first = count_at + 4;
    let needed = count
        .checked_mul(entry_len)
        .and_then(|n| n.checked_add(first))
        .filter(|&last| last <= table.end())
        .ok_or_else(|| malformed("chunk offset table larger than its box".to_string()))?;
    debug_assert!(needed <= bytes.len());
    for i in 0..count {
        let at = first + i * entry_len;
        if entry_len == 4 {
            let old = u64::from(read_u32(bytes, at, table.end())?);
            let new = u32::try_from(old + shift).map_err(|_| {
                CredentialError::UnsupportedMp4(
                    "32-bit chunk offset would overflow; remux with co64".to_string(),
                )
            })?;
            bytes[at..at + 4].copy_from_slice(&new.to_be_bytes());
        } else {
            let mut raw = [0u8; 8];
            raw.copy_from_slice(&bytes[at..at + 8]);
            let new = u64::from_be_bytes(raw)
                .checked_add(shift)
                .ok_or_else(|| malformed("64-bit chunk offset overflow".to_string()))?;
            bytes[at..at + 8].copy_from_slice(&new.to_be_bytes());
        }
    }
    Ok(())
}

fn read_u32(bytes: &[u8], at: usize, limit: usize) -> Result<u32, CredentialError> {
    if at + 4 > limit {
        return Err(malformed(format!("truncated field at {at}")));
    }
    let b = &bytes[at..at + 4];
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

/// The `c2pa.hash.bmff` v2/v3 flat hash: for every top-level box that is not excluded,
/// in file order, hash its absolute offset as a big-endian u64 followed by its bytes.
/// Hashing the offset (new in v2) makes moving boxes around detectable too.
pub fn bmff_v2_hash(file: &[u8]) -> Result<[u8; 32], CredentialError> {
    let mut hasher = Sha256::new();
    for span in child_boxes(file, 0, file.len())? {
        let excluded = is_c2pa_box(file, &span)
            || EXCLUDED_TOP_LEVEL_TYPES
                .iter()
                .any(|t| span.box_type == **t);
        if excluded {
            continue;
        }
        hasher.update((span.offset as u64).to_be_bytes());
        hasher.update(&file[span.offset..span.end()]);
    }
    Ok(hasher.finalize().into())
}

fn malformed(msg: String) -> CredentialError {
    CredentialError::MalformedMp4(msg)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bx(kind: &[u8; 4], payload: &[u8]) -> Vec<u8> {
        let mut out = ((8 + payload.len()) as u32).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(payload);
        out
    }

    /// ftyp, moov(trak/mdia/minf/stbl/{stco,co64}), mdat — offsets point into mdat.
    fn tiny_mp4(stco: &[u32], co64: &[u64]) -> Vec<u8> {
        let mut stco_payload = vec![0, 0, 0, 0];
        stco_payload.extend_from_slice(&(stco.len() as u32).to_be_bytes());
        stco.iter()
            .for_each(|o| stco_payload.extend_from_slice(&o.to_be_bytes()));
        let mut co64_payload = vec![0, 0, 0, 0];
        co64_payload.extend_from_slice(&(co64.len() as u32).to_be_bytes());
        co64.iter()
            .for_each(|o| co64_payload.extend_from_slice(&o.to_be_bytes()));
        let stbl = bx(
            b"stbl",
            &[bx(b"stco", &stco_payload), bx(b"co64", &co64_payload)].concat(),
        );
        let trak = bx(b"trak", &bx(b"mdia", &bx(b"minf", &stbl)));
        [
            bx(b"ftyp", b"isom\0\0\0\0isom"),
            bx(b"moov", &trak),
            bx(b"mdat", &[7; 64]),
        ]
        .concat()
    }

    fn read_be(bytes: &[u8], at: usize, len: usize) -> u64 {
        bytes[at..at + len]
            .iter()
            .fold(0, |acc, b| (acc << 8) | u64::from(*b))
    }

    #[test]
    fn insertion_shifts_both_32_and_64_bit_chunk_offsets() {
        let input = tiny_mp4(&[100, 120], &[110]);
        let out = insert_slot_after_ftyp(&input, 50).unwrap();
        assert_eq!(out.slot_start, 20);
        assert_eq!(out.bytes.len(), input.len() + 50);
        let stco = out.bytes.windows(4).position(|w| w == b"stco").unwrap() - 4;
        assert_eq!(read_be(&out.bytes, stco + 16, 4), 150);
        assert_eq!(read_be(&out.bytes, stco + 20, 4), 170);
        let co64 = out.bytes.windows(4).position(|w| w == b"co64").unwrap() - 4;
        assert_eq!(read_be(&out.bytes, co64 + 16, 8), 160);
    }

    #[test]
    fn stco_overflow_is_refused_not_wrapped() {
        let input = tiny_mp4(&[u32::MAX - 10], &[]);
        assert!(matches!(
            insert_slot_after_ftyp(&input, 50),
            Err(CredentialError::UnsupportedMp4(_))
        ));
    }

    #[test]
    fn largesize_boxes_parse() {
        let mut big = 1u32.to_be_bytes().to_vec();
        big.extend_from_slice(b"free");
        big.extend_from_slice(&24u64.to_be_bytes());
        big.extend_from_slice(&[0; 8]);
        let spans = child_boxes(&big, 0, big.len()).unwrap();
        assert_eq!(spans.len(), 1);
        assert_eq!((spans[0].size, spans[0].header_len), (24, 16));
    }

    #[test]
    fn hash_covers_offsets_and_skips_only_ftyp_and_the_c2pa_box() {
        let file = insert_slot_after_ftyp(&tiny_mp4(&[], &[]), 0)
            .unwrap()
            .bytes;
        let base = bmff_v2_hash(&file).unwrap();

        let mut ftyp_changed = file.clone();
        ftyp_changed[12] ^= 1; // inside ftyp: excluded
        assert_eq!(bmff_v2_hash(&ftyp_changed).unwrap(), base);

        let mut mdat_changed = file.clone();
        let last = mdat_changed.len() - 1;
        mdat_changed[last] ^= 1;
        assert_ne!(bmff_v2_hash(&mdat_changed).unwrap(), base);

        // No chunk offsets to patch, so moov/mdat bytes are identical and only their
        // offsets differ: the v2 offset markers must still change the hash.
        let len = manifest_box_len(0);
        let with_box = insert_slot_after_ftyp(&tiny_mp4(&[], &[]), len).unwrap();
        let mut shifted = with_box.bytes;
        let slot = with_box.slot_start..with_box.slot_start + len;
        shifted[slot].copy_from_slice(&manifest_box(&[0; 0]));
        assert!(is_c2pa_box(
            &shifted,
            &child_boxes(&shifted, 0, shifted.len()).unwrap()[1]
        ));
        assert_ne!(bmff_v2_hash(&shifted).unwrap(), base);
    }

    #[test]
    fn refuses_fragmented_and_already_signed_files() {
        let fragmented = [tiny_mp4(&[], &[]), bx(b"moof", &[])].concat();
        assert!(matches!(
            insert_slot_after_ftyp(&fragmented, 8),
            Err(CredentialError::UnsupportedMp4(_))
        ));
        let input = tiny_mp4(&[], &[]);
        let signed = [&input[..20], &manifest_box(&[]), &input[20..]].concat();
        assert!(matches!(
            insert_slot_after_ftyp(&signed, 8),
            Err(CredentialError::AlreadySigned)
        ));
    }
}
