//! Intra macroblocks: Intra_16x16, Intra_4x4 and I_PCM analysis, RD choice and syntax.

use super::super::bitwriter::BitWriter;
use super::super::cavlc::{total_coeff, write_residual_block};
use super::super::inter::{Neighbour, sad16};
use super::super::intra::{Intra16Mode, available_luma_modes, predict_luma16};
use super::super::intra4x4::{Avail4, Edges, available_modes, predict4x4};
use super::super::tables::{BLK_X, BLK_Y, RASTER_TO_BLK, intra4x4_cbp_code_num};
use super::super::transform::{
    Quantizer, dequant_luma_dc, dequant4x4, forward4x4, hadamard4x4, inverse4x4,
};
use super::chroma_mb::{ChromaResidual, chroma_ac_nnz};
use super::{MbInfo, PictureCoder, add_block, block_diff, clip_add, satd4, to_scan};

/// Luma residual of an Intra_16x16 macroblock.
/// The intra coding chosen for a macroblock, with its RD cost.
pub(super) struct IntraCandidate {
    pub(super) choice: IntraChoice,
    pub(super) chroma: ChromaResidual,
    pub(super) cost: f64,
}

pub(super) enum IntraChoice {
    I16(Intra16Luma),
    I4(Intra4Luma),
    Pcm,
}

/// Luma of an Intra_4x4 macroblock, per luma4x4BlkIdx.
#[derive(Clone)]
pub(super) struct Intra4Luma {
    pub(super) modes: [u8; 16],
    pub(super) predicted_modes: [u8; 16],
    /// Levels in scan order.
    pub(super) levels: [[i32; 16]; 16],
    pub(super) cbp: u8,
    pub(super) recon: [u8; 256],
}

#[derive(Clone)]
pub(super) struct Intra16Luma {
    pub(super) mode: Intra16Mode,
    pub(super) dc: [i32; 16],
    /// AC levels by luma4x4BlkIdx in scan order; index 0 unused.
    pub(super) ac: [[i32; 16]; 16],
    pub(super) has_ac: bool,
    pub(super) recon: [u8; 256],
}

/// Bits of an I_PCM macroblock: 384 sample bytes plus mb_type/alignment.
pub(super) const PCM_MB_BITS: usize = 384 * 8 + 16;

impl PictureCoder<'_> {
    pub(super) fn best_intra_mode(
        &self,
        src: &[u8; 256],
        x0: usize,
        y0: usize,
    ) -> (Intra16Mode, u32) {
        let mut pred = [0u8; 256];
        available_luma_modes(x0, y0)
            .map(|mode| {
                predict_luma16(&self.recon.y, x0, y0, mode, &mut pred);
                (mode, sad16(src, &pred))
            })
            .min_by_key(|&(_, sad)| sad)
            .unwrap_or((Intra16Mode::Dc, u32::MAX))
    }

    pub(super) fn code_intra16_luma(&self, src: &[u8; 256], x0: usize, y0: usize) -> Intra16Luma {
        let (mode, _) = self.best_intra_mode(src, x0, y0);
        let mut pred = [0u8; 256];
        predict_luma16(&self.recon.y, x0, y0, mode, &mut pred);
        let quant = Quantizer::new(self.qp, true);

        let mut dc_raster = [0i32; 16];
        let mut ac_raster = [[0i32; 16]; 16]; // by raster block index
        for by in 0..4 {
            for bx in 0..4 {
                let mut coefs = forward4x4(&block_diff(src, &pred, 16, bx, by));
                dc_raster[bx + 4 * by] = coefs[0];
                quant.quant4x4(&mut coefs, true);
                coefs[0] = 0;
                ac_raster[bx + 4 * by] = coefs;
            }
        }
        // Encoder-side DC transform with the customary /2 normalisation.
        let mut dc = hadamard4x4(&dc_raster).map(|v| v / 2);
        quant.quant_dc(&mut dc);

        let dc_scaled = dequant_luma_dc(&dc, self.qp);
        let mut recon = [0u8; 256];
        for b in 0..16 {
            let (bx, by) = (b % 4, b / 4);
            let mut d = dequant4x4(&ac_raster[b], self.qp, true);
            d[0] = dc_scaled[b];
            add_block(&mut recon, &pred, 16, bx, by, &inverse4x4(&d));
        }

        let ac: [[i32; 16]; 16] =
            core::array::from_fn(|blk| to_scan(&ac_raster[BLK_X[blk] + 4 * BLK_Y[blk]]));
        let has_ac = ac.iter().any(|b| b.iter().any(|&c| c != 0));
        Intra16Luma {
            mode,
            dc: to_scan(&dc),
            ac,
            has_ac,
            recon,
        }
    }

    /// Codes an intra macroblock: the best of Intra_16x16, Intra_4x4 and I_PCM.
    pub(super) fn code_intra(
        &mut self,
        bw: &mut BitWriter,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        in_p_slice: bool,
    ) {
        let candidate = self.analyse_intra(mbx, mby, src, in_p_slice);
        self.write_intra(bw, mbx, mby, src, &candidate, in_p_slice);
    }

    /// Chooses Intra_16x16 or Intra_4x4 by rate-distortion cost: both are
    /// coded into a scratch writer and compared as SSD + lambda2 · bits.
    pub(super) fn analyse_intra(
        &mut self,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        in_p_slice: bool,
    ) -> IntraCandidate {
        let (x0, y0) = (mbx * 16, mby * 16);
        let luma16 = self.code_intra16_luma(src, x0, y0);
        // Intra_4x4 analysis reconstructs into the picture as it goes (later
        // blocks predict from earlier ones); writing the final choice
        // overwrites that.
        let luma4 = self.code_intra4x4_luma(src, mbx, mby);
        let chroma = self.code_chroma(mbx, mby, None);
        let lambda2 = self.lambda2();

        let mut trial = BitWriter::new();
        self.finish_intra(&mut trial, mbx, mby, &luma16, &chroma, in_p_slice);
        let bits16 = trial.bit_len();
        let mut trial = BitWriter::new();
        self.finish_intra4(&mut trial, mbx, mby, &luma4, &chroma, in_p_slice);
        let bits4 = trial.bit_len();
        // Raw samples are cheaper than any prediction for e.g. noise at low
        // QP; I_PCM also keeps every macroblock under the Baseline limit
        // of 3200 bits (§A.3.1) that such content could exceed.
        if bits16.min(bits4) > PCM_MB_BITS {
            return IntraCandidate {
                choice: IntraChoice::Pcm,
                chroma,
                cost: lambda2 * PCM_MB_BITS as f64,
            };
        }
        let cost16 = self.mb_ssd(mbx, mby, src, &luma16.recon, &chroma.recon) as f64
            + lambda2 * bits16 as f64;
        let cost4 =
            self.mb_ssd(mbx, mby, src, &luma4.recon, &chroma.recon) as f64 + lambda2 * bits4 as f64;
        if cost4 < cost16 {
            IntraCandidate {
                choice: IntraChoice::I4(luma4),
                chroma,
                cost: cost4,
            }
        } else {
            IntraCandidate {
                choice: IntraChoice::I16(luma16),
                chroma,
                cost: cost16,
            }
        }
    }

    pub(super) fn write_intra(
        &mut self,
        bw: &mut BitWriter,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        candidate: &IntraCandidate,
        in_p_slice: bool,
    ) {
        self.stats.intra += 1;
        match &candidate.choice {
            IntraChoice::I16(luma) => {
                self.finish_intra(bw, mbx, mby, luma, &candidate.chroma, in_p_slice)
            }
            IntraChoice::I4(luma) => {
                self.stats.intra4x4 += 1;
                self.finish_intra4(bw, mbx, mby, luma, &candidate.chroma, in_p_slice);
            }
            IntraChoice::Pcm => {
                self.stats.pcm += 1;
                self.finish_pcm(bw, mbx, mby, src, in_p_slice);
            }
        }
    }

    /// Per 4x4 block: pick the mode by SATD + lambda·mode bits, then
    /// transform, quantise and reconstruct so the next block can use it.
    pub(super) fn code_intra4x4_luma(
        &mut self,
        src: &[u8; 256],
        mbx: usize,
        mby: usize,
    ) -> Intra4Luma {
        let (x0, y0) = (mbx * 16, mby * 16);
        let lambda = self.lambda();
        let quant = Quantizer::new(self.qp, true);
        let left_mb = self.neighbour(mbx as isize - 1, mby as isize).copied();
        let top_mb = self.neighbour(mbx as isize, mby as isize - 1).copied();
        let top_right_mb_available = mby > 0 && mbx + 1 < self.mb_width;
        let mut out = Intra4Luma {
            modes: [2; 16],
            predicted_modes: [2; 16],
            levels: [[0; 16]; 16],
            cbp: 0,
            recon: [0; 256],
        };
        let mut raster_modes = [2u8; 16];
        for blk in 0..16 {
            let (bx, by) = (BLK_X[blk], BLK_Y[blk]);
            let (x, y) = (x0 + 4 * bx, y0 + 4 * by);
            let avail = Avail4 {
                left: bx > 0 || left_mb.is_some(),
                top: by > 0 || top_mb.is_some(),
                top_right: if by == 0 {
                    if bx < 3 {
                        top_mb.is_some()
                    } else {
                        top_right_mb_available
                    }
                } else {
                    bx < 3 && RASTER_TO_BLK[bx + 1 + 4 * (by - 1)] < blk
                },
            };
            let predicted = if avail.left && avail.top {
                let left_mode = if bx > 0 {
                    raster_modes[bx - 1 + 4 * by]
                } else {
                    left_mb.map_or(2, |i| i.intra4_modes[3 + 4 * by])
                };
                let top_mode = if by > 0 {
                    raster_modes[bx + 4 * (by - 1)]
                } else {
                    top_mb.map_or(2, |i| i.intra4_modes[bx + 12])
                };
                left_mode.min(top_mode)
            } else {
                2
            };

            let src_blk: [i32; 16] =
                core::array::from_fn(|i| i32::from(src[(4 * by + i / 4) * 16 + 4 * bx + i % 4]));
            let edges = Edges::gather(&self.recon.y, x, y, avail);
            let mut best = (u32::MAX, 2u8, [0u8; 16]);
            let mut pred = [0u8; 16];
            for mode in available_modes(avail) {
                predict4x4(&edges, avail, mode, &mut pred);
                let diff: [i32; 16] = core::array::from_fn(|i| src_blk[i] - i32::from(pred[i]));
                let bits = if mode == predicted { 1 } else { 4 };
                let cost = satd4(&diff) + lambda * bits;
                if cost < best.0 {
                    best = (cost, mode, pred);
                }
            }
            let (_, mode, pred) = best;
            out.modes[blk] = mode;
            out.predicted_modes[blk] = predicted;
            raster_modes[bx + 4 * by] = mode;

            let diff: [i32; 16] = core::array::from_fn(|i| src_blk[i] - i32::from(pred[i]));
            let mut coefs = forward4x4(&diff);
            quant.quant4x4(&mut coefs, false);
            let residual = if coefs.iter().any(|&c| c != 0) {
                out.cbp |= 1 << (blk / 4);
                inverse4x4(&dequant4x4(&coefs, self.qp, false))
            } else {
                [0; 16]
            };
            out.levels[blk] = to_scan(&coefs);
            let recon: [u8; 16] = core::array::from_fn(|i| clip_add(pred[i], residual[i]));
            self.recon.y.write_block(x, y, 4, &recon);
            for (i, &v) in recon.iter().enumerate() {
                out.recon[(4 * by + i / 4) * 16 + 4 * bx + i % 4] = v;
            }
        }
        out
    }

    /// Writes an I_PCM macroblock: the source samples verbatim (lossless).
    pub(super) fn finish_pcm(
        &mut self,
        bw: &mut BitWriter,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        in_p_slice: bool,
    ) {
        let mut chroma = [[0u8; 64]; 2];
        self.src.u.read_block(mbx * 8, mby * 8, 8, &mut chroma[0]);
        self.src.v.read_block(mbx * 8, mby * 8, 8, &mut chroma[1]);
        self.store_recon(mbx, mby, src, &chroma);
        bw.ue(if in_p_slice { 30 } else { 25 }); // mb_type I_PCM
        bw.align_zero(); // pcm_alignment_zero_bit
        for &sample in src.iter().chain(chroma.iter().flatten()) {
            bw.put(8, u32::from(sample));
        }
        // Neighbours see TotalCoeff 16 for every block of an I_PCM macroblock (§9.2.1).
        self.info[mby * self.mb_width + mbx] = MbInfo {
            motion: Neighbour::Intra,
            luma_nnz: [16; 16],
            chroma_nnz: [[16; 4]; 2],
            intra4_modes: [2; 16],
        };
    }

    /// Writes an Intra_4x4 macroblock (I_NxN).
    pub(super) fn finish_intra4(
        &mut self,
        bw: &mut BitWriter,
        mbx: usize,
        mby: usize,
        luma: &Intra4Luma,
        chroma: &ChromaResidual,
        in_p_slice: bool,
    ) {
        self.store_recon(mbx, mby, &luma.recon, &chroma.recon);
        let mut luma_nnz = [0u8; 16];
        let mut intra4_modes = [2u8; 16];
        for blk in 0..16 {
            let r = BLK_X[blk] + 4 * BLK_Y[blk];
            luma_nnz[r] = total_coeff(&luma.levels[blk]);
            intra4_modes[r] = luma.modes[blk];
        }
        let chroma_nnz = chroma_ac_nnz(chroma);

        bw.ue(if in_p_slice { 5 } else { 0 }); // mb_type I_NxN
        for blk in 0..16 {
            let (mode, predicted) = (luma.modes[blk], luma.predicted_modes[blk]);
            bw.flag(mode == predicted); // prev_intra4x4_pred_mode_flag
            if mode != predicted {
                bw.put(3, u32::from(if mode < predicted { mode } else { mode - 1 }));
            }
        }
        bw.ue(0); // intra_chroma_pred_mode: DC
        let cbp = luma.cbp | (chroma.cbp << 4);
        bw.ue(intra4x4_cbp_code_num(cbp));
        self.write_4x4_residual(
            bw,
            (mbx, mby),
            &luma.levels,
            luma.cbp,
            &luma_nnz,
            chroma,
            &chroma_nnz,
        );
        self.info[mby * self.mb_width + mbx] = MbInfo {
            motion: Neighbour::Intra,
            luma_nnz,
            chroma_nnz,
            intra4_modes,
        };
    }

    /// Codes an Intra_16x16 macroblock (luma already decided) and writes it.
    pub(super) fn finish_intra(
        &mut self,
        bw: &mut BitWriter,
        mbx: usize,
        mby: usize,
        luma: &Intra16Luma,
        chroma: &ChromaResidual,
        in_p_slice: bool,
    ) {
        self.store_recon(mbx, mby, &luma.recon, &chroma.recon);

        let mut luma_nnz = [0u8; 16];
        if luma.has_ac {
            for blk in 0..16 {
                luma_nnz[BLK_X[blk] + 4 * BLK_Y[blk]] = total_coeff(&luma.ac[blk][1..]);
            }
        }
        let chroma_nnz = chroma_ac_nnz(chroma);

        let mb_type =
            1 + luma.mode as u32 + 4 * u32::from(chroma.cbp) + if luma.has_ac { 12 } else { 0 };
        bw.ue(if in_p_slice { mb_type + 5 } else { mb_type });
        bw.ue(0); // intra_chroma_pred_mode: DC
        bw.se(0); // mb_qp_delta
        let nc = self.luma_nc(mbx, mby, &luma_nnz, 0, 0);
        write_residual_block(bw, &luma.dc, nc);
        if luma.has_ac {
            for blk in 0..16 {
                let nc = self.luma_nc(mbx, mby, &luma_nnz, BLK_X[blk], BLK_Y[blk]);
                write_residual_block(bw, &luma.ac[blk][1..], nc);
            }
        }
        self.write_chroma(bw, mbx, mby, chroma, &chroma_nnz);

        self.info[mby * self.mb_width + mbx] = MbInfo {
            motion: Neighbour::Intra,
            luma_nnz,
            chroma_nnz,
            intra4_modes: [2; 16],
        };
    }
}
