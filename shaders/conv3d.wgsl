// Causal 3D convolution with block-quantized weights: the video VAE's `CausalConv3d`
// (engine/src/models/vae.rs) at stride 1.
//
//   y[co, t, i, j] = bias[co] + Σ_{ci, dt, dy, dx} w[co, ci, dt, dy, dx]
//                                · x[ci, max(t + dt − (KT − 1), 0), i + dy − KH/2, j + dx − KW/2]
//
// Time is padded on the past side by repeating the first frame (a still start, as the
// model pads it); space is padded with zeros (odd KH, KW, "same" size).
//
// The weights are stored the way the model manifest stores a convolution kernel: the
// `[Cout, Cin, KT, KH, KW]` tensor flattened row-major and quantized per block of 32
// *consecutive values of the flattened tensor* (a block may span two output channels
// when Cin·KT·KH·KW is not a multiple of 32, as for the 48-channel 1×3×3 layers), each
// block an f32 scale and 32 signed BITS-bit integers packed into u32 words, lowest bits
// first. So value `f` of the flat tensor is word f / PER_WORD, field f % PER_WORD, times
// scale f / 32: no per-row layout is assumed, and the shipped shards are used as stored.
//
// Shape of the work: an invocation owns eight output channels × eight neighbouring pixels
// of one row of one frame (sixteen named vec4 accumulators: per pixel, two groups of four
// channels), so each dequantized weight is used eight times and each input value eight
// times. Named registers, not arrays: on lavapipe that is what made the matmul fast, and
// it took this kernel from 0.2–0.4× to ~1× burn's f32 conv3d on the same device. The
// invocations are numbered channels fastest, then pixel octets, rows and frames, so
// neighbours read the same input pixels; 64 per workgroup, dispatched as (x, y) groups
// with x·y·64 ≥ T·H·⌈W/8⌉·⌈Cout/8⌉ (see `engine/src/kernels/conv3d.rs`). Reads outside
// the frame are clamped and zeroed without branching.

override BITS: u32 = 8u;
override PER_WORD: u32 = 32u / BITS;

struct Params {
    cin: u32,
    cout: u32,
    frames: u32,
    height: u32,
    width: u32,
    kt: u32,
    kh: u32,
    kw: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;         // input [Cin, T, H, W]
@group(0) @binding(1) var<storage, read> wq: array<u32>;        // packed flat weights
@group(0) @binding(2) var<storage, read> scales: array<f32>;    // one per 32 flat values
@group(0) @binding(3) var<storage, read> bias: array<f32>;      // [Cout] (zeros: no bias)
@group(0) @binding(4) var<storage, read_write> y: array<f32>;   // output [Cout, T, H, W]
@group(0) @binding(5) var<uniform> params: Params;

// Flat weight `f`, dequantized (extractBits on i32 sign-extends).
fn weight(f: u32) -> f32 {
    let word = bitcast<i32>(wq[f / PER_WORD]);
    return f32(extractBits(word, (f % PER_WORD) * BITS, BITS)) * scales[f / 32u];
}

// Weight `o` of the rows of output channels co … co + 3 (`row` values per channel);
// zero for channels past the last.
fn weights4(co: u32, o: u32, row: u32) -> vec4<f32> {
    let last = params.cout - 1u;
    return vec4<f32>(
        select(0.0, weight(min(co, last) * row + o), co <= last),
        select(0.0, weight(min(co + 1u, last) * row + o), co + 1u <= last),
        select(0.0, weight(min(co + 2u, last) * row + o), co + 2u <= last),
        select(0.0, weight(min(co + 3u, last) * row + o), co + 3u <= last),
    );
}

// Bias of output channels co … co + 3 (zero past the last).
fn bias4(co: u32) -> vec4<f32> {
    let last = params.cout - 1u;
    return vec4<f32>(
        select(0.0, bias[min(co, last)], co <= last),
        select(0.0, bias[min(co + 1u, last)], co + 1u <= last),
        select(0.0, bias[min(co + 2u, last)], co + 2u <= last),
        select(0.0, bias[min(co + 3u, last)], co + 3u <= last),
    );
}

// Input at column `xx` of the row starting at `base`; zero outside the frame.
fn px(base: u32, xx: i32) -> f32 {
    let w = i32(params.width);
    return select(0.0, x[base + u32(clamp(xx, 0, w - 1))], xx >= 0 && xx < w);
}

fn store4(co: u32, t: u32, yy: u32, xx: u32, v: vec4<f32>) {
    if (xx >= params.width) {
        return;
    }
    let plane = params.frames * params.height * params.width;
    let at = (t * params.height + yy) * params.width + xx;
    let c = array<f32, 4>(v.x, v.y, v.z, v.w);
    for (var k = 0u; k < 4u; k++) {
        if (co + k < params.cout) {
            y[(co + k) * plane + at] = c[k];
        }
    }
}

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(global_invocation_id) gid: vec3<u32>,
    @builtin(num_workgroups) groups_launched: vec3<u32>,
) {
    let index = gid.x + gid.y * groups_launched.x * 64u;
    let quads = (params.cout + 7u) / 8u;
    let octets = (params.width + 7u) / 8u;
    if (index >= params.frames * params.height * octets * quads) {
        return;
    }
    let co = (index % quads) * 8u;
    var rest = index / quads;
    let x0 = (rest % octets) * 8u;
    rest = rest / octets;
    let row_y = rest % params.height;
    let t = rest / params.height;
    let row = params.cin * params.kt * params.kh * params.kw;
    let b = bias4(co);
    let c = bias4(co + 4u);
    var a0 = b;
    var a1 = b;
    var a2 = b;
    var a3 = b;
    var a4 = b;
    var a5 = b;
    var a6 = b;
    var a7 = b;
    var b0 = c;
    var b1 = c;
    var b2 = c;
    var b3 = c;
    var b4 = c;
    var b5 = c;
    var b6 = c;
    var b7 = c;
    let half_h = i32(params.kh / 2u);
    let half_w = i32(params.kw / 2u);
    for (var ci = 0u; ci < params.cin; ci++) {
        for (var dt = 0u; dt < params.kt; dt++) {
            // Frames before the first repeat the first.
            let ts = u32(max(i32(t + dt) - i32(params.kt - 1u), 0));
            let plane = ci * params.frames + ts;
            for (var dy = 0u; dy < params.kh; dy++) {
                let yy = i32(row_y + dy) - half_h;
                if (yy < 0 || yy >= i32(params.height)) {
                    continue;
                }
                let base = (plane * params.height + u32(yy)) * params.width;
                let o0 = ((ci * params.kt + dt) * params.kh + dy) * params.kw;
                for (var dx = 0u; dx < params.kw; dx++) {
                    let w = weights4(co, o0 + dx, row);
                    let v = weights4(co + 4u, o0 + dx, row);
                    let xs = i32(x0 + dx) - half_w;
                    let p0 = px(base, xs);
                    let p1 = px(base, xs + 1);
                    let p2 = px(base, xs + 2);
                    let p3 = px(base, xs + 3);
                    let p4 = px(base, xs + 4);
                    let p5 = px(base, xs + 5);
                    let p6 = px(base, xs + 6);
                    let p7 = px(base, xs + 7);
                    a0 += p0 * w;
                    a1 += p1 * w;
                    a2 += p2 * w;
                    a3 += p3 * w;
                    a4 += p4 * w;
                    a5 += p5 * w;
                    a6 += p6 * w;
                    a7 += p7 * w;
                    b0 += p0 * v;
                    b1 += p1 * v;
                    b2 += p2 * v;
                    b3 += p3 * v;
                    b4 += p4 * v;
                    b5 += p5 * v;
                    b6 += p6 * v;
                    b7 += p7 * v;
                }
            }
        }
    }
    store4(co, t, row_y, x0, a0);
    store4(co, t, row_y, x0 + 1u, a1);
    store4(co, t, row_y, x0 + 2u, a2);
    store4(co, t, row_y, x0 + 3u, a3);
    store4(co, t, row_y, x0 + 4u, a4);
    store4(co, t, row_y, x0 + 5u, a5);
    store4(co, t, row_y, x0 + 6u, a6);
    store4(co, t, row_y, x0 + 7u, a7);
    store4(co + 4u, t, row_y, x0, b0);
    store4(co + 4u, t, row_y, x0 + 1u, b1);
    store4(co + 4u, t, row_y, x0 + 2u, b2);
    store4(co + 4u, t, row_y, x0 + 3u, b3);
    store4(co + 4u, t, row_y, x0 + 4u, b4);
    store4(co + 4u, t, row_y, x0 + 5u, b5);
    store4(co + 4u, t, row_y, x0 + 6u, b6);
    store4(co + 4u, t, row_y, x0 + 7u, b7);
}
