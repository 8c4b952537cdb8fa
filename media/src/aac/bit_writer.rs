//! MSB-first bit writer, the bit order of every AAC/ADTS syntax element.

pub(super) struct BitWriter {
    bytes: Vec<u8>,
    /// Bits not yet flushed to `bytes`, right-aligned; fewer than 8 between calls.
    pending: u64,
    pending_len: u32,
}

impl BitWriter {
    pub(super) fn with_capacity(bytes: usize) -> Self {
        Self {
            bytes: Vec::with_capacity(bytes),
            pending: 0,
            pending_len: 0,
        }
    }

    /// Appends the low `len` bits of `value` (len <= 32), most significant first.
    pub(super) fn write(&mut self, value: u32, len: u32) {
        debug_assert!(len <= 32);
        if len == 0 {
            return;
        }
        let masked = u64::from(value) & ((1u64 << len) - 1);
        self.pending = (self.pending << len) | masked;
        self.pending_len += len;
        while self.pending_len >= 8 {
            self.pending_len -= 8;
            self.bytes.push((self.pending >> self.pending_len) as u8);
        }
        self.pending &= (1u64 << self.pending_len) - 1;
    }

    pub(super) fn write_bool(&mut self, bit: bool) {
        self.write(u32::from(bit), 1);
    }

    pub(super) fn bit_len(&self) -> usize {
        self.bytes.len() * 8 + self.pending_len as usize
    }

    /// Pads with zero bits up to the next byte boundary.
    pub(super) fn byte_align(&mut self) {
        let rem = self.pending_len % 8;
        if rem != 0 {
            self.write(0, 8 - rem);
        }
    }

    /// Returns the bytes written; callers byte-align first.
    pub(super) fn into_bytes(mut self) -> Vec<u8> {
        self.byte_align();
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::BitWriter;

    #[test]
    fn packs_msb_first_across_bytes() {
        let mut w = BitWriter::with_capacity(4);
        w.write(0b101, 3);
        w.write(0xFFF, 12);
        w.write(0, 1);
        assert_eq!(w.bit_len(), 16);
        assert_eq!(w.into_bytes(), vec![0b1011_1111, 0b1111_1110]);
    }

    #[test]
    fn byte_align_pads_with_zeros() {
        let mut w = BitWriter::with_capacity(1);
        w.write(1, 1);
        w.byte_align();
        assert_eq!(w.bit_len(), 8);
        assert_eq!(w.into_bytes(), vec![0x80]);
    }
}
