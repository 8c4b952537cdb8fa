//! Integer transforms and (de)quantisation (§8.5). Every inverse here follows
//! the spec's integer arithmetic exactly, because the encoder's reconstruction
//! must equal the decoder's bit for bit (otherwise P frames drift).
//! All 4x4 arrays are raster order: index = x + 4 * y.

use super::tables::{DEQUANT_V, POS_CLASS, QUANT_MF};

/// Largest level magnitude we emit: CAVLC level_prefix may not exceed 15 in
/// Baseline (§9.2.2.1), which bounds levelCode to 4125 (|level| <= 2063).
const MAX_LEVEL: i32 = 2047;

/// Forward 4x4 core transform Cf·X·Cfᵀ (the non-normative encoder half).
pub(crate) fn forward4x4(block: &[i32; 16]) -> [i32; 16] {
    let mut tmp = [0i32; 16];
    for y in 0..4 {
        let r = &block[4 * y..4 * y + 4];
        let (s03, d03, s12, d12) = (r[0] + r[3], r[0] - r[3], r[1] + r[2], r[1] - r[2]);
        tmp[4 * y] = s03 + s12;
        tmp[4 * y + 1] = 2 * d03 + d12;
        tmp[4 * y + 2] = s03 - s12;
        tmp[4 * y + 3] = d03 - 2 * d12;
    }
    let mut out = [0i32; 16];
    for x in 0..4 {
        let c = |y: usize| tmp[x + 4 * y];
        let (s03, d03, s12, d12) = (c(0) + c(3), c(0) - c(3), c(1) + c(2), c(1) - c(2));
        out[x] = s03 + s12;
        out[x + 4] = 2 * d03 + d12;
        out[x + 8] = s03 - s12;
        out[x + 12] = d03 - 2 * d12;
    }
    out
}

/// Inverse 4x4 transform of §8.5.12.2: rows first, then columns, then
/// (x + 32) >> 6. Returns the residual.
pub(crate) fn inverse4x4(d: &[i32; 16]) -> [i32; 16] {
    let mut f = [0i32; 16];
    for y in 0..4 {
        let r = &d[4 * y..4 * y + 4];
        let e0 = r[0] + r[2];
        let e1 = r[0] - r[2];
        let e2 = (r[1] >> 1) - r[3];
        let e3 = r[1] + (r[3] >> 1);
        f[4 * y] = e0 + e3;
        f[4 * y + 1] = e1 + e2;
        f[4 * y + 2] = e1 - e2;
        f[4 * y + 3] = e0 - e3;
    }
    let mut out = [0i32; 16];
    for x in 0..4 {
        let c = |y: usize| f[x + 4 * y];
        let g0 = c(0) + c(2);
        let g1 = c(0) - c(2);
        let g2 = (c(1) >> 1) - c(3);
        let g3 = c(1) + (c(3) >> 1);
        out[x] = (g0 + g3 + 32) >> 6;
        out[x + 4] = (g1 + g2 + 32) >> 6;
        out[x + 8] = (g1 - g2 + 32) >> 6;
        out[x + 12] = (g0 - g3 + 32) >> 6;
    }
    out
}

/// 4x4 Hadamard H·X·H used for the Intra16x16 luma DC (both directions).
pub(crate) fn hadamard4x4(m: &[i32; 16]) -> [i32; 16] {
    let mut tmp = [0i32; 16];
    for y in 0..4 {
        let r = &m[4 * y..4 * y + 4];
        let (s01, d01, s23, d23) = (r[0] + r[1], r[0] - r[1], r[2] + r[3], r[2] - r[3]);
        tmp[4 * y] = s01 + s23;
        tmp[4 * y + 1] = s01 - s23;
        tmp[4 * y + 2] = d01 - d23;
        tmp[4 * y + 3] = d01 + d23;
    }
    let mut out = [0i32; 16];
    for x in 0..4 {
        let c = |y: usize| tmp[x + 4 * y];
        let (s01, d01, s23, d23) = (c(0) + c(1), c(0) - c(1), c(2) + c(3), c(2) - c(3));
        out[x] = s01 + s23;
        out[x + 4] = s01 - s23;
        out[x + 8] = d01 - d23;
        out[x + 12] = d01 + d23;
    }
    out
}

/// 2x2 transform [[1,1],[1,-1]]·X·[[1,1],[1,-1]] for chroma DC (raster c0..c3).
pub(crate) fn hadamard2x2(c: &[i32; 4]) -> [i32; 4] {
    [
        c[0] + c[1] + c[2] + c[3],
        c[0] - c[1] + c[2] - c[3],
        c[0] + c[1] - c[2] - c[3],
        c[0] - c[1] - c[2] + c[3],
    ]
}

/// Quantiser for one QP. `intra` selects the dead-zone rounding offset
/// (1/3 for intra, 1/6 for inter, as in the JM reference encoder).
#[derive(Clone, Copy)]
pub(crate) struct Quantizer {
    qp: u8,
    intra: bool,
}

impl Quantizer {
    pub(crate) fn new(qp: u8, intra: bool) -> Self {
        Self { qp, intra }
    }

    fn qbits(self) -> u32 {
        15 + u32::from(self.qp / 6)
    }

    fn offset(self, qbits: u32) -> i64 {
        if self.intra {
            (1i64 << qbits) / 3
        } else {
            (1i64 << qbits) / 6
        }
    }

    fn quant_one(self, coef: i32, mf: i32, qbits: u32) -> i32 {
        let mag = ((i64::from(coef.abs()) * i64::from(mf) + self.offset(qbits)) >> qbits) as i32;
        let mag = mag.min(MAX_LEVEL);
        if coef < 0 { -mag } else { mag }
    }

    /// Quantises a transformed 4x4 block in place; the DC (index 0) is
    /// skipped when `skip_dc` (it travels separately in Intra16x16 / chroma).
    pub(crate) fn quant4x4(self, coefs: &mut [i32; 16], skip_dc: bool) {
        let row = &QUANT_MF[usize::from(self.qp % 6)];
        let qbits = self.qbits();
        for (i, c) in coefs.iter_mut().enumerate() {
            if i == 0 && skip_dc {
                continue;
            }
            *c = self.quant_one(*c, row[POS_CLASS[i]], qbits);
        }
    }

    /// Quantises Hadamard-transformed DC coefficients (luma 4x4 after the
    /// encoder's /2 normalisation, or chroma 2x2): one extra bit of shift.
    pub(crate) fn quant_dc(self, coefs: &mut [i32]) {
        let mf = QUANT_MF[usize::from(self.qp % 6)][0];
        let qbits = self.qbits() + 1;
        for c in coefs {
            *c = self.quant_one(*c, mf, qbits);
        }
    }
}

/// Scales 4x4 levels to transform coefficients (§8.5.12.1 with flat
/// matrices: LevelScale = 16·v, so d = c·v << (qP/6) exactly). Index 0 is
/// copied untouched when `keep_dc` (already scaled DC from a DC transform).
pub(crate) fn dequant4x4(levels: &[i32; 16], qp: u8, keep_dc: bool) -> [i32; 16] {
    let row = &DEQUANT_V[usize::from(qp % 6)];
    let shift = u32::from(qp / 6);
    let mut out = [0i32; 16];
    for i in 0..16 {
        out[i] = if i == 0 && keep_dc {
            levels[0]
        } else {
            (levels[i] * row[POS_CLASS[i]]) << shift
        };
    }
    out
}

/// Intra16x16 luma DC reconstruction (§8.5.10): inverse Hadamard of the
/// levels, then scaling with rounding. Input/output raster over 4x4 blocks.
pub(crate) fn dequant_luma_dc(levels: &[i32; 16], qp: u8) -> [i32; 16] {
    let f = hadamard4x4(levels);
    let scale = 16 * DEQUANT_V[usize::from(qp % 6)][0];
    let q6 = u32::from(qp / 6);
    f.map(|v| {
        if qp >= 36 {
            (v * scale) << (q6 - 6)
        } else {
            (v * scale + (1 << (5 - q6))) >> (6 - q6)
        }
    })
}

/// Chroma DC reconstruction for 4:2:0 (§8.5.11.2).
pub(crate) fn dequant_chroma_dc(levels: &[i32; 4], qpc: u8) -> [i32; 4] {
    let f = hadamard2x2(levels);
    let scale = 16 * DEQUANT_V[usize::from(qpc % 6)][0];
    let q6 = u32::from(qpc / 6);
    f.map(|v| ((v * scale) << q6) >> 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantise_dequantise_roundtrip_is_close() {
        let mut residual = [0i32; 16];
        for (i, r) in residual.iter_mut().enumerate() {
            *r = (i as i32 * 7 % 23) - 11;
        }
        let mut coefs = forward4x4(&residual);
        Quantizer::new(4, true).quant4x4(&mut coefs, false);
        let back = inverse4x4(&dequant4x4(&coefs, 4, false));
        for i in 0..16 {
            assert!(
                (back[i] - residual[i]).abs() <= 1,
                "{back:?} vs {residual:?}"
            );
        }
    }

    #[test]
    fn hadamard_is_self_inverse_up_to_16() {
        let m: [i32; 16] = core::array::from_fn(|i| i as i32 * 3 - 20);
        let back = hadamard4x4(&hadamard4x4(&m));
        for i in 0..16 {
            assert_eq!(back[i], m[i] * 16);
        }
    }
}
