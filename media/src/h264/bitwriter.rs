//! MSB-first bit writer with the Exp-Golomb codes of H.264 §9.1, plus NAL
//! unit framing (start code + emulation prevention, §7.4.1).

/// Accumulates bits MSB-first into bytes (an RBSP before NAL framing).
#[derive(Default)]
pub(crate) struct BitWriter {
    bytes: Vec<u8>,
    /// Pending bits, right-aligned; `pending_len` of them are valid (< 8).
    pending: u32,
    pending_len: u32,
}

impl BitWriter {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Writes the `len` low bits of `value` (len <= 32).
    pub(crate) fn put(&mut self, len: u32, value: u32) {
        debug_assert!(len <= 32);
        let mut remaining = len;
        while remaining > 0 {
            let take = remaining.min(8 - self.pending_len);
            let shift = remaining - take;
            let chunk = ((u64::from(value) >> shift) & ((1u64 << take) - 1)) as u32;
            self.pending = (self.pending << take) | chunk;
            self.pending_len += take;
            remaining -= take;
            if self.pending_len == 8 {
                self.bytes.push(self.pending as u8);
                self.pending = 0;
                self.pending_len = 0;
            }
        }
    }

    pub(crate) fn flag(&mut self, bit: bool) {
        self.put(1, u32::from(bit));
    }

    /// Unsigned Exp-Golomb ue(v).
    pub(crate) fn ue(&mut self, value: u32) {
        let code = u64::from(value) + 1;
        let bits = 64 - code.leading_zeros();
        // leading zeros, then `code` in `bits` bits (its top bit is the marker 1).
        self.put(bits - 1, 0);
        if bits > 32 {
            self.put(bits - 32, (code >> 32) as u32);
            self.put(32, code as u32);
        } else {
            self.put(bits, code as u32);
        }
    }

    /// Signed Exp-Golomb se(v): 0, 1, -1, 2, -2, ...
    pub(crate) fn se(&mut self, value: i32) {
        let mapped = if value > 0 {
            (value as u32) * 2 - 1
        } else {
            value.unsigned_abs() * 2
        };
        self.ue(mapped);
    }

    /// Zero bits up to the next byte boundary (e.g. pcm_alignment_zero_bit).
    pub(crate) fn align_zero(&mut self) {
        if self.pending_len > 0 {
            self.put(8 - self.pending_len, 0);
        }
    }

    /// rbsp_trailing_bits(): a stop bit then zero bits to the byte boundary.
    pub(crate) fn trailing_bits(&mut self) {
        self.put(1, 1);
        if self.pending_len > 0 {
            self.put(8 - self.pending_len, 0);
        }
    }

    /// Finishes the RBSP; callers write `trailing_bits` first so it is aligned.
    pub(crate) fn into_bytes(self) -> Vec<u8> {
        debug_assert_eq!(self.pending_len, 0, "RBSP must be byte aligned");
        self.bytes
    }

    pub(crate) fn bit_len(&self) -> usize {
        self.bytes.len() * 8 + self.pending_len as usize
    }
}

/// Number of bits ue(v) takes; used for motion-vector cost estimates.
pub(crate) fn ue_bits(value: u32) -> u32 {
    let code = u64::from(value) + 1;
    2 * (64 - code.leading_zeros()) - 1
}

/// Number of bits se(v) takes.
pub(crate) fn se_bits(value: i32) -> u32 {
    let mapped = if value > 0 {
        (value as u32) * 2 - 1
    } else {
        value.unsigned_abs() * 2
    };
    ue_bits(mapped)
}

/// Appends a NAL unit (4-byte start code, header, escaped payload) to `out`.
/// Emulation prevention inserts 0x03 after two zero bytes whenever the next
/// byte is <= 3, so the payload never mimics a start code (§7.4.1.1).
pub(crate) fn append_nal(out: &mut Vec<u8>, nal_ref_idc: u8, nal_unit_type: u8, rbsp: &[u8]) {
    out.extend_from_slice(&[0, 0, 0, 1]);
    out.push(((nal_ref_idc & 3) << 5) | (nal_unit_type & 31));
    out.extend_from_slice(&escape_rbsp(rbsp));
}

/// NAL payload (header byte + escaped RBSP) without a start code, the form
/// an MP4 `avcC` box stores parameter sets in.
pub(crate) fn nal_without_start_code(nal_ref_idc: u8, nal_unit_type: u8, rbsp: &[u8]) -> Vec<u8> {
    let mut out = vec![((nal_ref_idc & 3) << 5) | (nal_unit_type & 31)];
    out.extend_from_slice(&escape_rbsp(rbsp));
    out
}

fn escape_rbsp(rbsp: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(rbsp.len() + rbsp.len() / 64 + 4);
    let mut zeros = 0;
    for &byte in rbsp {
        if zeros >= 2 && byte <= 3 {
            out.push(3);
            zeros = 0;
        }
        out.push(byte);
        zeros = if byte == 0 { zeros + 1 } else { 0 };
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exp_golomb_codes_match_table_9_2() {
        let mut bw = BitWriter::new();
        bw.ue(0); // 1
        bw.ue(1); // 010
        bw.ue(2); // 011
        bw.ue(3); // 00100
        bw.se(-1); // ue(2) = 011
        bw.put(1, 0); // 15 bits so far; pad to 16
        assert_eq!(bw.bit_len(), 16);
        assert_eq!(bw.into_bytes(), vec![0b1010_0110, 0b0100_0110]);
    }

    #[test]
    fn bit_counts_agree_with_writer() {
        for v in [0u32, 1, 2, 7, 100, 65535] {
            let mut bw = BitWriter::new();
            bw.ue(v);
            assert_eq!(bw.bit_len() as u32, ue_bits(v));
        }
        for v in [-5, -1, 0, 1, 17] {
            let mut bw = BitWriter::new();
            bw.se(v);
            assert_eq!(bw.bit_len() as u32, se_bits(v));
        }
    }

    #[test]
    fn emulation_prevention_inserts_03() {
        assert_eq!(
            escape_rbsp(&[0, 0, 1, 0, 0, 0, 5]),
            vec![0, 0, 3, 1, 0, 0, 3, 0, 5]
        );
        assert_eq!(escape_rbsp(&[0, 0, 4]), vec![0, 0, 4]);
    }
}
