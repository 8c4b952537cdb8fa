//! Chroma of every macroblock type: DC/AC residual, reconstruction and syntax.

use super::super::bitwriter::BitWriter;
use super::super::cavlc::{NC_CHROMA_DC, predict_nc, total_coeff, write_residual_block};
use super::super::inter::{Mv, predict_chroma};
use super::super::intra::predict_chroma_dc;
use super::super::picture::{Picture, Plane};
use super::super::tables::chroma_qp;
use super::super::transform::{
    Quantizer, dequant_chroma_dc, dequant4x4, forward4x4, hadamard2x2, inverse4x4,
};
use super::inter_mb::decimate_score;
use super::{PictureCoder, add_block, block_diff, to_scan};

/// Residual levels of both chroma components, in scan order.
pub(super) struct ChromaResidual {
    pub(super) dc: [[i32; 4]; 2],
    /// AC levels per component and 4x4 block; scan index 0 is unused (DC).
    pub(super) ac: [[[i32; 16]; 4]; 2],
    pub(super) cbp: u8,
    pub(super) recon: [[u8; 64]; 2],
}

pub(super) fn chroma_ac_nnz(chroma: &ChromaResidual) -> [[u8; 4]; 2] {
    core::array::from_fn(|comp| core::array::from_fn(|blk| total_coeff(&chroma.ac[comp][blk][1..])))
}

impl PictureCoder<'_> {
    /// Chroma residual for both components: intra DC prediction when
    /// `inter` is `None`, otherwise motion-compensated prediction.
    pub(super) fn code_chroma(
        &self,
        mbx: usize,
        mby: usize,
        inter: Option<(&Picture, Mv, bool)>,
    ) -> ChromaResidual {
        let qpc = chroma_qp(self.qp);
        let quant = Quantizer::new(qpc, inter.is_none());
        let (xc, yc) = (mbx * 8, mby * 8);
        let mut out = ChromaResidual {
            dc: [[0; 4]; 2],
            ac: [[[0; 16]; 4]; 2],
            cbp: 0,
            recon: [[0; 64]; 2],
        };
        for comp in 0..2 {
            let (src_plane, recon_plane): (&Plane, &Plane) = if comp == 0 {
                (&self.src.u, &self.recon.u)
            } else {
                (&self.src.v, &self.recon.v)
            };
            let mut src = [0u8; 64];
            src_plane.read_block(xc, yc, 8, &mut src);
            let mut pred = [0u8; 64];
            match inter {
                None => predict_chroma_dc(recon_plane, xc, yc, &mut pred),
                Some((reference, mv, _)) => {
                    let plane = if comp == 0 {
                        &reference.u
                    } else {
                        &reference.v
                    };
                    predict_chroma(plane, xc, yc, mv, &mut pred);
                }
            }
            let mut dc = [0i32; 4];
            let mut ac_raster = [[0i32; 16]; 4];
            for blk in 0..4 {
                let mut coefs = forward4x4(&block_diff(&src, &pred, 8, blk & 1, blk >> 1));
                dc[blk] = coefs[0];
                quant.quant4x4(&mut coefs, true);
                coefs[0] = 0;
                ac_raster[blk] = coefs;
            }
            // Inter chroma AC made only of scattered +-1 levels is dropped
            // (x264's chroma decimation threshold).
            if matches!(inter, Some((_, _, true))) {
                let score: u32 = ac_raster
                    .iter()
                    .map(|b| decimate_score(&to_scan(b)[1..]))
                    .sum();
                if score < 7 {
                    ac_raster = [[0; 16]; 4];
                }
            }
            let mut dc_levels = hadamard2x2(&dc);
            quant.quant_dc(&mut dc_levels);
            let dc_scaled = dequant_chroma_dc(&dc_levels, qpc);
            for blk in 0..4 {
                let mut d = dequant4x4(&ac_raster[blk], qpc, true);
                d[0] = dc_scaled[blk];
                add_block(
                    &mut out.recon[comp],
                    &pred,
                    8,
                    blk & 1,
                    blk >> 1,
                    &inverse4x4(&d),
                );
                out.ac[comp][blk] = to_scan(&ac_raster[blk]);
            }
            out.dc[comp] = dc_levels;
        }
        let any_ac = out.ac.iter().flatten().any(|b| b.iter().any(|&c| c != 0));
        let any_dc = out.dc.iter().flatten().any(|&c| c != 0);
        out.cbp = if any_ac { 2 } else { u8::from(any_dc) };
        out
    }

    pub(super) fn write_chroma(
        &self,
        bw: &mut BitWriter,
        mbx: usize,
        mby: usize,
        chroma: &ChromaResidual,
        nnz: &[[u8; 4]; 2],
    ) {
        if chroma.cbp == 0 {
            return;
        }
        for dc in &chroma.dc {
            write_residual_block(bw, dc, NC_CHROMA_DC);
        }
        if chroma.cbp < 2 {
            return;
        }
        for (comp, comp_nnz) in nnz.iter().enumerate() {
            for blk in 0..4 {
                let (bx, by) = (blk & 1, blk >> 1);
                let left = if bx > 0 {
                    Some(comp_nnz[blk - 1])
                } else {
                    self.neighbour(mbx as isize - 1, mby as isize)
                        .map(|i| i.chroma_nnz[comp][1 + 2 * by])
                };
                let top = if by > 0 {
                    Some(comp_nnz[blk - 2])
                } else {
                    self.neighbour(mbx as isize, mby as isize - 1)
                        .map(|i| i.chroma_nnz[comp][bx + 2])
                };
                write_residual_block(bw, &chroma.ac[comp][blk][1..], predict_nc(left, top));
            }
        }
    }
}
