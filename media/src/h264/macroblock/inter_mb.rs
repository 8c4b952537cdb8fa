//! Inter macroblocks: P_L0_16x16 residual with decimation, P_Skip, and syntax.

use super::super::bitwriter::BitWriter;
use super::super::cavlc::total_coeff;
use super::super::inter::{Mv, Neighbour, predict_luma};
use super::super::picture::Picture;
use super::super::tables::{BLK_X, BLK_Y, inter_cbp_code_num};
use super::super::transform::{Quantizer, dequant4x4, forward4x4, inverse4x4};
use super::chroma_mb::{ChromaResidual, chroma_ac_nnz};
use super::{MbInfo, PictureCoder, add_block, block_diff, to_scan};

/// Luma residual of an inter macroblock: 16 blocks of 16 levels, by luma4x4BlkIdx.
pub(super) struct InterLuma {
    pub(super) levels: [[i32; 16]; 16],
    pub(super) cbp: u8,
    pub(super) recon: [u8; 256],
}

/// x264's decimation score of a block in scan order: 9 (keep) if any level
/// exceeds 1, else a sum favouring +-1s preceded by short zero runs.
pub(super) fn decimate_score(levels: &[i32]) -> u32 {
    const RUN_SCORE: [u32; 16] = [3, 2, 2, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    let mut score = 0;
    let mut run = 0;
    let Some(last) = levels.iter().rposition(|&c| c != 0) else {
        return 0;
    };
    for &c in levels[..=last].iter().rev() {
        if c == 0 {
            run += 1;
            continue;
        }
        if c.abs() > 1 {
            return 9;
        }
        score += RUN_SCORE[run];
        run = 0;
    }
    score
}

impl PictureCoder<'_> {
    pub(super) fn commit_skip(
        &mut self,
        mbx: usize,
        mby: usize,
        mv: Mv,
        luma: &InterLuma,
        chroma: &ChromaResidual,
    ) {
        self.store_recon(mbx, mby, &luma.recon, &chroma.recon);
        self.info[mby * self.mb_width + mbx] = MbInfo {
            motion: Neighbour::Inter(mv),
            ..MbInfo::EMPTY
        };
        self.skip_run += 1;
        self.stats.skip += 1;
    }

    /// Transforms/quantises luma and chroma residuals for a motion vector,
    /// optionally dropping residual that is not worth its bits (decimation).
    pub(super) fn code_inter_residual(
        &self,
        reference: &Picture,
        src: &[u8; 256],
        (mbx, mby): (usize, usize),
        mv: Mv,
        decimate: bool,
    ) -> (InterLuma, ChromaResidual) {
        let (x0, y0) = (mbx * 16, mby * 16);
        let mut pred = [0u8; 256];
        predict_luma(&reference.y, x0, y0, mv, &mut pred);
        let quant = Quantizer::new(self.qp, false);
        let mut raster = [[0i32; 16]; 16];
        for (blk, coefs) in raster.iter_mut().enumerate() {
            *coefs = forward4x4(&block_diff(src, &pred, 16, BLK_X[blk], BLK_Y[blk]));
            quant.quant4x4(coefs, false);
        }
        let levels: [[i32; 16]; 16] = core::array::from_fn(|blk| to_scan(&raster[blk]));

        // Decimation (as x264 does): a few isolated +-1 levels cost more bits
        // than the distortion they remove, so drop such 8x8 blocks, and all of
        // the luma when the macroblock total is small (often enabling P_Skip).
        let mut keep = [false; 4];
        let mut mb_score = 0;
        for (b8, k) in keep.iter_mut().enumerate() {
            let score: u32 = (0..4).map(|i| decimate_score(&levels[b8 * 4 + i])).sum();
            *k = !decimate || score >= 4;
            if *k {
                mb_score += score;
            }
        }
        if decimate && mb_score < 6 {
            keep = [false; 4];
        }

        let mut recon = pred;
        let mut cbp = 0u8;
        let mut final_levels = [[0i32; 16]; 16];
        for blk in 0..16 {
            if !keep[blk / 4] || levels[blk].iter().all(|&c| c == 0) {
                continue;
            }
            cbp |= 1 << (blk / 4);
            final_levels[blk] = levels[blk];
            let residual = inverse4x4(&dequant4x4(&raster[blk], self.qp, false));
            add_block(&mut recon, &pred, 16, BLK_X[blk], BLK_Y[blk], &residual);
        }
        let levels = final_levels;
        let chroma = self.code_chroma(mbx, mby, Some((reference, mv, decimate)));
        (InterLuma { levels, cbp, recon }, chroma)
    }

    pub(super) fn write_inter(
        &mut self,
        bw: &mut BitWriter,
        (mbx, mby): (usize, usize),
        mv: Mv,
        mvp: Mv,
        luma: &InterLuma,
        chroma: &ChromaResidual,
    ) {
        self.store_recon(mbx, mby, &luma.recon, &chroma.recon);
        let mut luma_nnz = [0u8; 16];
        for blk in 0..16 {
            luma_nnz[BLK_X[blk] + 4 * BLK_Y[blk]] = total_coeff(&luma.levels[blk]);
        }
        let chroma_nnz = chroma_ac_nnz(chroma);

        bw.ue(0); // mb_type P_L0_16x16 (ref_idx absent: one active reference)
        bw.se(mv.x - mvp.x);
        bw.se(mv.y - mvp.y);
        let cbp = luma.cbp | (chroma.cbp << 4);
        bw.ue(inter_cbp_code_num(cbp));
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
            motion: Neighbour::Inter(mv),
            luma_nnz,
            chroma_nnz,
            intra4_modes: [2; 16],
        };
    }
}
