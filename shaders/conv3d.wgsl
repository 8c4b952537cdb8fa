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
// Shape of the work: an invocation owns four output channels × four neighbouring pixels
// of one row of one frame (four vec4 accumulators, one per pixel, each holding the four
// channels), so each dequantized group of four weights is used four times. A workgroup
// of 8×8 covers 32 pixels × 8 rows; dispatch (⌈W/32⌉, ⌈H/8⌉, T·⌈Cout/4⌉).

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
    var w = vec4<f32>(weight(co * row + o), 0.0, 0.0, 0.0);
    if (co + 1u < params.cout) {
        w.y = weight((co + 1u) * row + o);
    }
    if (co + 2u < params.cout) {
        w.z = weight((co + 2u) * row + o);
    }
    if (co + 3u < params.cout) {
        w.w = weight((co + 3u) * row + o);
    }
    return w;
}

// Input at (ci, t, yy, xx); zero outside the frame (rows are checked by the caller).
fn input(plane: u32, yy: u32, xx: i32) -> f32 {
    if (xx < 0 || xx >= i32(params.width)) {
        return 0.0;
    }
    return x[(plane * params.height + yy) * params.width + u32(xx)];
}

fn store(co: u32, t: u32, yy: u32, xx: u32, v: vec4<f32>) {
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

@compute @workgroup_size(8, 8, 1)
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
    let groups = (params.cout + 3u) / 4u;
    let t = gid.z / groups;
    let co = (gid.z % groups) * 4u;
    let row_y = gid.y;
    let x0 = gid.x * 4u;
    if (row_y >= params.height || x0 >= params.width || t >= params.frames) {
        return;
    }
    let row = params.cin * params.kt * params.kh * params.kw;
    var b = vec4<f32>(bias[co], 0.0, 0.0, 0.0);
    if (co + 1u < params.cout) {
        b.y = bias[co + 1u];
    }
    if (co + 2u < params.cout) {
        b.z = bias[co + 2u];
    }
    if (co + 3u < params.cout) {
        b.w = bias[co + 3u];
    }
    var a0 = b;
    var a1 = b;
    var a2 = b;
    var a3 = b;
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
                for (var dx = 0u; dx < params.kw; dx++) {
                    let o = ((ci * params.kt + dt) * params.kh + dy) * params.kw + dx;
                    let w = weights4(co, o, row);
                    let xx = i32(x0 + dx) - half_w;
                    a0 += input(plane, u32(yy), xx) * w;
                    a1 += input(plane, u32(yy), xx + 1) * w;
                    a2 += input(plane, u32(yy), xx + 2) * w;
                    a3 += input(plane, u32(yy), xx + 3) * w;
                }
            }
        }
    }
    store(co, t, row_y, x0, a0);
    store(co, t, row_y, x0 + 1u, a1);
    store(co, t, row_y, x0 + 2u, a2);
    store(co, t, row_y, x0 + 3u, a3);
}
