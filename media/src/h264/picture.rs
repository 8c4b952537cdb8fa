//! Macroblock-aligned YUV 4:2:0 pictures (source copies and reconstructions).

/// One 8-bit plane stored without row padding (stride == width).
#[derive(Clone)]
pub(crate) struct Plane {
    pub(crate) width: usize,
    pub(crate) height: usize,
    pub(crate) data: Vec<u8>,
}

impl Plane {
    pub(crate) fn new(width: usize, height: usize) -> Self {
        Self {
            width,
            height,
            data: vec![0; width * height],
        }
    }

    /// Copies a `src_w`×`src_h` plane (rows `src_stride` apart) and fills the
    /// rest by edge replication, so padding costs few bits and crops away.
    pub(crate) fn fill_replicated(
        &mut self,
        src: &[u8],
        src_w: usize,
        src_h: usize,
        src_stride: usize,
    ) {
        for y in 0..self.height {
            let sy = y.min(src_h - 1);
            let src_row = &src[sy * src_stride..sy * src_stride + src_w];
            let row = &mut self.data[y * self.width..(y + 1) * self.width];
            row[..src_w].copy_from_slice(src_row);
            let edge = src_row[src_w - 1];
            row[src_w..].fill(edge);
        }
    }

    #[inline]
    pub(crate) fn at(&self, x: usize, y: usize) -> u8 {
        self.data[y * self.width + x]
    }

    /// Sample at a possibly out-of-range position, clamped to the picture as
    /// inter prediction requires (§8.4.2.2, Clip3 on the reference coordinates).
    #[inline]
    pub(crate) fn at_clamped(&self, x: isize, y: isize) -> u8 {
        let cx = x.clamp(0, self.width as isize - 1) as usize;
        let cy = y.clamp(0, self.height as isize - 1) as usize;
        self.data[cy * self.width + cx]
    }

    /// Copies an n×n block at (x, y) into `out` (row-major, n wide).
    pub(crate) fn read_block(&self, x: usize, y: usize, n: usize, out: &mut [u8]) {
        for row in 0..n {
            let start = (y + row) * self.width + x;
            out[row * n..row * n + n].copy_from_slice(&self.data[start..start + n]);
        }
    }

    /// Writes an n×n block (row-major, n wide) at (x, y).
    pub(crate) fn write_block(&mut self, x: usize, y: usize, n: usize, block: &[u8]) {
        for row in 0..n {
            let start = (y + row) * self.width + x;
            self.data[start..start + n].copy_from_slice(&block[row * n..row * n + n]);
        }
    }

    /// Copies the top-left `w`×`h` region into a tightly packed vector.
    pub(crate) fn cropped(&self, w: usize, h: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(w * h);
        for y in 0..h {
            out.extend_from_slice(&self.data[y * self.width..y * self.width + w]);
        }
        out
    }
}

/// A 4:2:0 picture whose luma dimensions are multiples of 16.
#[derive(Clone)]
pub(crate) struct Picture {
    pub(crate) y: Plane,
    pub(crate) u: Plane,
    pub(crate) v: Plane,
}

impl Picture {
    pub(crate) fn new(mb_width: usize, mb_height: usize) -> Self {
        Self {
            y: Plane::new(mb_width * 16, mb_height * 16),
            u: Plane::new(mb_width * 8, mb_height * 8),
            v: Plane::new(mb_width * 8, mb_height * 8),
        }
    }
}
