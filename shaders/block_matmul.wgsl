// Fused block-quantized dequantize + matmul:  y[M, N] = x[M, K] · dequant(w)[N, K]ᵀ
//
// The weight matrix is stored the way a linear layer holds it (one row per output
// feature), per block of 32 values along K: one f32 scale per block and the values as
// signed BITS-bit integers packed into u32 words, lowest bits first (BITS = 8: four per
// word; BITS = 4: eight per word). value = scale · q. Weights are never expanded to f32
// in memory: each invocation unpacks the words it is about to multiply.
//
// Layout (see engine/src/quant.rs for the ASCII picture):
//   x      : M·K/4 vec4 (row-major activations, read four values of K at a time)
//   wq     : N·K·BITS/32 words, row-major
//   scales : N·K/32 f32, row-major; scales[n·(K/32) + b] belongs to block b of row n
// Requirements checked on the host: K is a non-zero multiple of 32; M, N are any size.
//
// Shape of the work: an invocation owns an 8×8 block of outputs, held in sixteen vec4
// registers (eight rows × two groups of four columns), and a workgroup of 16×4
// invocations covers 128 rows × 32 columns. No workgroup memory and no barriers: on
// Mesa's lavapipe (a CPU rasterizer, what CI has) staging tiles through workgroup
// memory and indexing private arrays were each slower than re-reading x from the
// cache, and keeping every accumulator in a named vec4 (rather than an array a
// compiler may leave in memory) was what made the kernel fast: 6–7× the earlier tiled
// kernel and 1.0–1.6× burn's f32 matmul on the same device (`cargo xtask bench`).
// Four weight columns form a mat4x4, so `x_row * w` is four dot products in one
// expression.

override BITS: u32 = 8u;
// Values per word, words per block of 32, and vec4s of K per word.
override PER_WORD: u32 = 32u / BITS;
override WORDS_PER_BLOCK: u32 = BITS;
override QUADS_PER_WORD: u32 = PER_WORD / 4u;

struct Params {
    m: u32,
    n: u32,
    k: u32,
    blocks_per_row: u32,
}

@group(0) @binding(0) var<storage, read> x: array<vec4<f32>>;  // activations [M, K]
@group(0) @binding(1) var<storage, read> wq: array<u32>;        // packed weights
@group(0) @binding(2) var<storage, read> scales: array<f32>;    // block scales [N, K/32]
@group(0) @binding(3) var<storage, read_write> y: array<f32>;   // output [M, N]
@group(0) @binding(4) var<uniform> params: Params;

// The 4 values of quad `h` of a word, sign-extended (extractBits on i32 does that).
fn unpack(word: i32, h: u32) -> vec4<f32> {
    let o = h * 4u * BITS;
    return vec4<f32>(
        f32(extractBits(word, o, BITS)),
        f32(extractBits(word, o + BITS, BITS)),
        f32(extractBits(word, o + 2u * BITS, BITS)),
        f32(extractBits(word, o + 3u * BITS, BITS)),
    );
}

// Quad `h` of word `w` of block `block` (blocks counted over the whole matrix).
fn weights(block: u32, w: u32, h: u32) -> vec4<f32> {
    return unpack(bitcast<i32>(wq[block * WORDS_PER_BLOCK + w]), h);
}

fn store(row: u32, col0: u32, lo: vec4<f32>, hi: vec4<f32>) {
    if (row >= params.m) {
        return;
    }
    let v = array<f32, 8>(lo.x, lo.y, lo.z, lo.w, hi.x, hi.y, hi.z, hi.w);
    for (var c = 0u; c < 8u; c++) {
        if (col0 + c < params.n) {
            y[row * params.n + col0 + c] = v[c];
        }
    }
}

@compute @workgroup_size(16, 4, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let row0 = (wid.y * 16u + lid.x) * 8u;
    let col0 = (wid.x * 4u + lid.y) * 8u;
    let k4 = params.k / 4u;
    let bpr = params.blocks_per_row;
    // Rows and columns past the edge read the last real one (always in bounds) and are
    // never stored.
    let last_row = params.m - 1u;
    let r0 = min(row0, last_row) * k4;
    let r1 = min(row0 + 1u, last_row) * k4;
    let r2 = min(row0 + 2u, last_row) * k4;
    let r3 = min(row0 + 3u, last_row) * k4;
    let r4 = min(row0 + 4u, last_row) * k4;
    let r5 = min(row0 + 5u, last_row) * k4;
    let r6 = min(row0 + 6u, last_row) * k4;
    let r7 = min(row0 + 7u, last_row) * k4;
    let last_col = vec4<u32>(params.n - 1u);
    let lo = min(vec4<u32>(col0) + vec4<u32>(0u, 1u, 2u, 3u), last_col) * bpr;
    let hi = min(vec4<u32>(col0) + vec4<u32>(4u, 5u, 6u, 7u), last_col) * bpr;

    // a<row><l|h>: outputs of columns col0..col0+3 (l) and col0+4..col0+7 (h).
    var a0l = vec4<f32>(); var a0h = vec4<f32>(); var a1l = vec4<f32>(); var a1h = vec4<f32>();
    var a2l = vec4<f32>(); var a2h = vec4<f32>(); var a3l = vec4<f32>(); var a3h = vec4<f32>();
    var a4l = vec4<f32>(); var a4h = vec4<f32>(); var a5l = vec4<f32>(); var a5h = vec4<f32>();
    var a6l = vec4<f32>(); var a6h = vec4<f32>(); var a7l = vec4<f32>(); var a7h = vec4<f32>();
    for (var b = 0u; b < bpr; b++) {
        // One block's sums in integer units; its scales are applied once at the end.
        var p0l = vec4<f32>(); var p0h = vec4<f32>(); var p1l = vec4<f32>(); var p1h = vec4<f32>();
        var p2l = vec4<f32>(); var p2h = vec4<f32>(); var p3l = vec4<f32>(); var p3h = vec4<f32>();
        var p4l = vec4<f32>(); var p4h = vec4<f32>(); var p5l = vec4<f32>(); var p5h = vec4<f32>();
        var p6l = vec4<f32>(); var p6h = vec4<f32>(); var p7l = vec4<f32>(); var p7h = vec4<f32>();
        let bl = lo + vec4<u32>(b);
        let bh = hi + vec4<u32>(b);
        for (var w = 0u; w < WORDS_PER_BLOCK; w++) {
            for (var h = 0u; h < QUADS_PER_WORD; h++) {
                let kq = b * 8u + w * QUADS_PER_WORD + h;
                let wl = mat4x4<f32>(weights(bl.x, w, h), weights(bl.y, w, h),
                                     weights(bl.z, w, h), weights(bl.w, w, h));
                let wh = mat4x4<f32>(weights(bh.x, w, h), weights(bh.y, w, h),
                                     weights(bh.z, w, h), weights(bh.w, w, h));
                let x0 = x[r0 + kq]; p0l += x0 * wl; p0h += x0 * wh;
                let x1 = x[r1 + kq]; p1l += x1 * wl; p1h += x1 * wh;
                let x2 = x[r2 + kq]; p2l += x2 * wl; p2h += x2 * wh;
                let x3 = x[r3 + kq]; p3l += x3 * wl; p3h += x3 * wh;
                let x4 = x[r4 + kq]; p4l += x4 * wl; p4h += x4 * wh;
                let x5 = x[r5 + kq]; p5l += x5 * wl; p5h += x5 * wh;
                let x6 = x[r6 + kq]; p6l += x6 * wl; p6h += x6 * wh;
                let x7 = x[r7 + kq]; p7l += x7 * wl; p7h += x7 * wh;
            }
        }
        let sl = vec4<f32>(scales[bl.x], scales[bl.y], scales[bl.z], scales[bl.w]);
        let sh = vec4<f32>(scales[bh.x], scales[bh.y], scales[bh.z], scales[bh.w]);
        a0l += sl * p0l; a0h += sh * p0h; a1l += sl * p1l; a1h += sh * p1h;
        a2l += sl * p2l; a2h += sh * p2h; a3l += sl * p3l; a3h += sh * p3h;
        a4l += sl * p4l; a4h += sh * p4h; a5l += sl * p5l; a5h += sh * p5h;
        a6l += sl * p6l; a6h += sh * p6h; a7l += sl * p7l; a7h += sh * p7h;
    }
    store(row0, col0, a0l, a0h);
    store(row0 + 1u, col0, a1l, a1h);
    store(row0 + 2u, col0, a2l, a2h);
    store(row0 + 3u, col0, a3l, a3h);
    store(row0 + 4u, col0, a4l, a4h);
    store(row0 + 5u, col0, a5l, a5h);
    store(row0 + 6u, col0, a6l, a6h);
    store(row0 + 7u, col0, a7l, a7h);
}
