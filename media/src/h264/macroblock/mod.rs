//! Per-macroblock analysis, residual coding and reconstruction for one
//! picture. Reconstruction mirrors the decoder exactly (same integer
//! dequantisation and inverse transforms), so the reference never drifts.

mod chroma_mb;
mod inter_mb;
mod intra_mb;

use chroma_mb::ChromaResidual;

use super::bitwriter::BitWriter;
use super::cavlc::{predict_nc, write_residual_block};
use super::inter::{Neighbour, motion_search, predict_mv, predict_skip_mv};
use super::picture::Picture;
use super::subpel::HalfPelPlanes;
use super::tables::{BLK_X, BLK_Y, ZIGZAG};
use super::transform::hadamard4x4;

/// What later macroblocks need to know about a coded one.
#[derive(Clone, Copy)]
pub(crate) struct MbInfo {
    pub(crate) motion: Neighbour,
    /// TotalCoeff per luma 4x4 block, raster (x + 4y) inside the macroblock.
    pub(crate) luma_nnz: [u8; 16],
    /// TotalCoeff of chroma AC blocks, [Cb, Cr] × raster 2x2.
    pub(crate) chroma_nnz: [[u8; 4]; 2],
    /// Intra4x4PredMode per raster 4x4 block; 2 (DC) for other macroblock
    /// types, which is what neighbours must assume for them (§8.3.1.1).
    pub(crate) intra4_modes: [u8; 16],
}

impl MbInfo {
    const EMPTY: MbInfo = MbInfo {
        motion: Neighbour::Unavailable,
        luma_nnz: [0; 16],
        chroma_nnz: [[0; 4]; 2],
        intra4_modes: [2; 16],
    };
}

/// Encoding state for one picture.
pub(crate) struct PictureCoder<'a> {
    pub(crate) src: &'a Picture,
    pub(crate) recon: &'a mut Picture,
    /// Previous reconstructed picture (and its half-sample planes for the
    /// motion search); `None` codes an I slice.
    pub(crate) reference: Option<(&'a Picture, &'a HalfPelPlanes)>,
    pub(crate) mb_width: usize,
    pub(crate) mb_height: usize,
    pub(crate) qp: u8,
    info: Vec<MbInfo>,
    skip_run: u32,
    stats: MbStats,
}

/// How the macroblocks of a picture were coded (diagnostics).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MbStats {
    /// Intra macroblocks.
    pub intra: u32,
    /// Inter (P_L0_16x16) macroblocks.
    pub inter: u32,
    /// Skipped macroblocks.
    pub skip: u32,
    /// Intra macroblocks (counted in `intra`) coded as Intra_4x4.
    pub intra4x4: u32,
    /// Intra macroblocks (counted in `intra`) coded as raw I_PCM.
    pub pcm: u32,
    /// Inter macroblocks whose vector has a fractional (sub-sample) part.
    pub fractional_mv: u32,
}

fn clip_add(pred: u8, residual: i32) -> u8 {
    (i32::from(pred) + residual).clamp(0, 255) as u8
}

fn to_scan(raster: &[i32; 16]) -> [i32; 16] {
    core::array::from_fn(|k| raster[ZIGZAG[k]])
}

/// Residual of 4x4 block (bx, by) of an n-wide macroblock-sized array.
fn block_diff(src: &[u8], pred: &[u8], n: usize, bx: usize, by: usize) -> [i32; 16] {
    core::array::from_fn(|i| {
        let idx = (by * 4 + i / 4) * n + bx * 4 + i % 4;
        i32::from(src[idx]) - i32::from(pred[idx])
    })
}

/// Adds a decoded residual block to the prediction in `recon`.
fn add_block(recon: &mut [u8], pred: &[u8], n: usize, bx: usize, by: usize, residual: &[i32; 16]) {
    for (i, &r) in residual.iter().enumerate() {
        let idx = (by * 4 + i / 4) * n + bx * 4 + i % 4;
        recon[idx] = clip_add(pred[idx], r);
    }
}

impl<'a> PictureCoder<'a> {
    pub(crate) fn new(
        src: &'a Picture,
        recon: &'a mut Picture,
        reference: Option<(&'a Picture, &'a HalfPelPlanes)>,
        qp: u8,
    ) -> Self {
        let mb_width = src.y.width / 16;
        let mb_height = src.y.height / 16;
        Self {
            src,
            recon,
            reference,
            mb_width,
            mb_height,
            qp,
            info: vec![MbInfo::EMPTY; mb_width * mb_height],
            skip_run: 0,
            stats: MbStats::default(),
        }
    }

    /// Codes every macroblock into `bw` (after the slice header) and
    /// finishes the slice data.
    pub(crate) fn code_picture(&mut self, bw: &mut BitWriter) -> MbStats {
        for mby in 0..self.mb_height {
            for mbx in 0..self.mb_width {
                self.code_macroblock(bw, mbx, mby);
            }
        }
        if self.skip_run > 0 {
            bw.ue(self.skip_run);
        }
        self.stats
    }

    fn neighbour(&self, mbx: isize, mby: isize) -> Option<&MbInfo> {
        if mbx < 0 || mby < 0 || mbx as usize >= self.mb_width {
            return None;
        }
        self.info.get(mby as usize * self.mb_width + mbx as usize)
    }

    fn motion_of(&self, mbx: isize, mby: isize) -> Neighbour {
        self.neighbour(mbx, mby)
            .map_or(Neighbour::Unavailable, |i| i.motion)
    }

    /// Neighbours A, B and C (C falls back to D) for mv prediction.
    fn mv_neighbours(&self, mbx: usize, mby: usize) -> (Neighbour, Neighbour, Neighbour) {
        let (x, y) = (mbx as isize, mby as isize);
        let a = self.motion_of(x - 1, y);
        let b = self.motion_of(x, y - 1);
        let mut c = self.motion_of(x + 1, y - 1);
        if c == Neighbour::Unavailable {
            c = self.motion_of(x - 1, y - 1);
        }
        (a, b, c)
    }

    fn lambda(&self) -> u32 {
        // x264's lambda for SAD costs, roughly 0.85 · 2^((QP-12)/6).
        (0.85 * 2f64.powf((f64::from(self.qp) - 12.0) / 6.0))
            .round()
            .max(1.0) as u32
    }

    fn code_macroblock(&mut self, bw: &mut BitWriter, mbx: usize, mby: usize) {
        let (x0, y0) = (mbx * 16, mby * 16);
        let mut src_luma = [0u8; 256];
        self.src.y.read_block(x0, y0, 16, &mut src_luma);

        let Some((reference, halfpel)) = self.reference else {
            self.code_intra(bw, mbx, mby, &src_luma, false);
            return;
        };

        let (a, b, c) = self.mv_neighbours(mbx, mby);
        let skip_mv = predict_skip_mv(a, b, c);
        let mvp = predict_mv(a, b, c);

        // Early P_Skip when the skip vector leaves nothing to code even
        // without decimation (so the skip is a near-exact match).
        let (skip_luma, skip_chroma) =
            self.code_inter_residual(reference, &src_luma, (mbx, mby), skip_mv, false);
        if skip_luma.cbp == 0 && skip_chroma.cbp == 0 {
            self.commit_skip(mbx, mby, skip_mv, &skip_luma, &skip_chroma);
            return;
        }

        let lambda = self.lambda();
        let search = motion_search(
            &src_luma,
            halfpel,
            (x0, y0),
            mvp,
            &[mvp, skip_mv],
            lambda,
            16,
        );

        let (luma, chroma) =
            self.code_inter_residual(reference, &src_luma, (mbx, mby), search.mv, true);
        if search.mv == skip_mv && luma.cbp == 0 && chroma.cbp == 0 {
            self.commit_skip(mbx, mby, skip_mv, &luma, &chroma);
            return;
        }

        // Intra is analysed only when its best 16x16 prediction is roughly
        // competitive (SAD); then the two are compared by RD cost.
        let (_, intra_sad) = self.best_intra_mode(&src_luma, x0, y0);
        if intra_sad < search.cost + search.cost / 2 {
            let mut trial = BitWriter::new();
            self.write_inter(&mut trial, (mbx, mby), search.mv, mvp, &luma, &chroma);
            let inter_cost = self.mb_ssd(mbx, mby, &src_luma, &luma.recon, &chroma.recon) as f64
                + self.lambda2() * trial.bit_len() as f64;
            let intra = self.analyse_intra(mbx, mby, &src_luma, true);
            if intra.cost < inter_cost {
                bw.ue(self.skip_run);
                self.skip_run = 0;
                self.write_intra(bw, mbx, mby, &src_luma, &intra, true);
                return;
            }
        }

        bw.ue(self.skip_run);
        self.skip_run = 0;
        self.stats.inter += 1;
        if search.mv.x & 3 != 0 || search.mv.y & 3 != 0 {
            self.stats.fractional_mv += 1;
        }
        self.write_inter(bw, (mbx, mby), search.mv, mvp, &luma, &chroma);
    }

    /// x264's lambda for SSD-based rate-distortion costs: 0.85 · 2^((QP-12)/3).
    fn lambda2(&self) -> f64 {
        0.85 * 2f64.powf((f64::from(self.qp) - 12.0) / 3.0)
    }

    /// Sum of squared errors of a macroblock reconstruction (luma + chroma).
    fn mb_ssd(
        &self,
        mbx: usize,
        mby: usize,
        src: &[u8; 256],
        luma: &[u8; 256],
        chroma: &[[u8; 64]; 2],
    ) -> u64 {
        let sq = |a: u8, b: u8| u64::from(a.abs_diff(b)).pow(2);
        let mut ssd: u64 = src.iter().zip(luma).map(|(&a, &b)| sq(a, b)).sum();
        for (plane, rec) in [&self.src.u, &self.src.v].into_iter().zip(chroma) {
            let mut block = [0u8; 64];
            plane.read_block(mbx * 8, mby * 8, 8, &mut block);
            ssd += block.iter().zip(rec).map(|(&a, &b)| sq(a, b)).sum::<u64>();
        }
        ssd
    }

    /// The residual of a macroblock whose luma is coded as sixteen 4x4 blocks (Intra_4x4
    /// and P_L0_16x16 share it, §7.3.5.3): mb_qp_delta, the blocks of each coded 8x8
    /// quadrant, then chroma. Nothing when neither luma nor chroma has coefficients.
    #[allow(clippy::too_many_arguments)]
    fn write_4x4_residual(
        &self,
        bw: &mut BitWriter,
        (mbx, mby): (usize, usize),
        levels: &[[i32; 16]; 16],
        luma_cbp: u8,
        luma_nnz: &[u8; 16],
        chroma: &ChromaResidual,
        chroma_nnz: &[[u8; 4]; 2],
    ) {
        if luma_cbp == 0 && chroma.cbp == 0 {
            return;
        }
        bw.se(0); // mb_qp_delta
        for (blk, block) in levels.iter().enumerate() {
            if luma_cbp & (1 << (blk / 4)) != 0 {
                let nc = self.luma_nc(mbx, mby, luma_nnz, BLK_X[blk], BLK_Y[blk]);
                write_residual_block(bw, block, nc);
            }
        }
        self.write_chroma(bw, mbx, mby, chroma, chroma_nnz);
    }

    /// nC for luma 4x4 block (bx, by) of the current macroblock (§9.2.1).
    fn luma_nc(&self, mbx: usize, mby: usize, nnz: &[u8; 16], bx: usize, by: usize) -> i32 {
        let left = if bx > 0 {
            Some(nnz[bx - 1 + 4 * by])
        } else {
            self.neighbour(mbx as isize - 1, mby as isize)
                .map(|i| i.luma_nnz[3 + 4 * by])
        };
        let top = if by > 0 {
            Some(nnz[bx + 4 * (by - 1)])
        } else {
            self.neighbour(mbx as isize, mby as isize - 1)
                .map(|i| i.luma_nnz[bx + 12])
        };
        predict_nc(left, top)
    }

    fn store_recon(&mut self, mbx: usize, mby: usize, luma: &[u8; 256], chroma: &[[u8; 64]; 2]) {
        self.recon.y.write_block(mbx * 16, mby * 16, 16, luma);
        self.recon.u.write_block(mbx * 8, mby * 8, 8, &chroma[0]);
        self.recon.v.write_block(mbx * 8, mby * 8, 8, &chroma[1]);
    }
}

/// Sum of absolute Hadamard-transformed differences of a 4x4 block, halved
/// (x264's SATD): a better proxy for coded size than SAD.
fn satd4(diff: &[i32; 16]) -> u32 {
    hadamard4x4(diff)
        .iter()
        .map(|v| v.unsigned_abs())
        .sum::<u32>()
        / 2
}
