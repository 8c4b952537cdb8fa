// Fused int8 dequantize + matmul:  y[M, N] = x[M, K] · dequant(w)[N, K]ᵀ
//
// The weight matrix is stored the way a linear layer holds it (one row per output
// feature) in per-block symmetric int8: every run of 32 consecutive values along K shares
// one f32 scale, value = scale · q with q in [-127, 127]. Weights are never expanded to
// f32 in memory; each workgroup dequantizes only the 64×32 tile it is about to use.
//
// Layout (see engine/src/quant.rs for the ASCII picture):
//   wq     : N·K/4 words, row-major; word j of a row holds q[4j..4j+4], little-endian bytes
//   scales : N·K/32 f32, row-major; scales[n·(K/32) + b] belongs to block b of row n
// Requirements checked on the host: K is a non-zero multiple of 32; M, N are any size.
//
// Workgroup 16×16 = 256 invocations (WebGPU's default limit, so it runs on every adapter,
// SwiftShader and lavapipe included). Each invocation owns a 4×4 block of outputs, so a
// workgroup covers a 64×64 output tile: per K step an invocation reads 4 activations and 4
// weights from workgroup memory for 16 multiply-adds (one read per multiply-add would
// leave the kernel bound by workgroup-memory traffic). The two 64×32 f32 tiles take
// 2 × 64 × 32 × 4 = 16 KiB: exactly WebGPU's guaranteed workgroup storage.

struct Params {
    m: u32,
    n: u32,
    k: u32,
    blocks_per_row: u32,
}

@group(0) @binding(0) var<storage, read> x: array<f32>;        // activations [M, K]
@group(0) @binding(1) var<storage, read> wq: array<u32>;       // packed int8 weights [N, K/4]
@group(0) @binding(2) var<storage, read> scales: array<f32>;   // block scales [N, K/32]
@group(0) @binding(3) var<storage, read_write> y: array<f32>;  // output [M, N]
@group(0) @binding(4) var<uniform> params: Params;

const TILE: u32 = 64u;         // output tile edge per workgroup
const PER_THREAD: u32 = 4u;    // output block edge per invocation
const BLOCK: u32 = 32u;        // quantization block along K
const WORDS_PER_BLOCK: u32 = 8u; // 32 int8 values / 4 per u32

var<workgroup> x_tile: array<array<f32, 32>, 64>; // [row in tile][k in block]
var<workgroup> w_tile: array<array<f32, 32>, 64>; // [col in tile][k in block], dequantized

@compute @workgroup_size(16, 16, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let row0 = wid.y * TILE;
    let col0 = wid.x * TILE;
    let flat = lid.y * 16u + lid.x; // 0..256
    var acc: array<array<f32, 4>, 4>; // zero-initialized

    // params is uniform, so this loop (and the barriers inside it) is in uniform control flow.
    for (var b = 0u; b < params.blocks_per_row; b = b + 1u) {
        let k0 = b * BLOCK;

        // Activations: 64 rows × 32 values = 2048 floats, eight per invocation.
        for (var i = 0u; i < 8u; i = i + 1u) {
            let e = flat + i * 256u;
            let r = e / BLOCK;
            let c = e % BLOCK;
            var v = 0.0;
            if (row0 + r < params.m) {
                v = x[(row0 + r) * params.k + k0 + c];
            }
            x_tile[r][c] = v;
        }

        // Weights: 64 rows × 8 words = 512 words, two per invocation, unpacked and scaled.
        for (var i = 0u; i < 2u; i = i + 1u) {
            let e = flat + i * 256u;
            let r = e / WORDS_PER_BLOCK;
            let w = e % WORDS_PER_BLOCK;
            let n = col0 + r;
            var word = 0u;
            var scale = 0.0;
            if (n < params.n) {
                word = wq[(n * params.k + k0) / 4u + w];
                scale = scales[n * params.blocks_per_row + b];
            }
            let signed_word = bitcast<i32>(word);
            for (var j = 0u; j < 4u; j = j + 1u) {
                // extractBits on i32 sign-extends: exactly the int8 value of byte j.
                w_tile[r][w * 4u + j] = f32(extractBits(signed_word, j * 8u, 8u)) * scale;
            }
        }
        workgroupBarrier();

        for (var kk = 0u; kk < BLOCK; kk = kk + 1u) {
            var a: array<f32, 4>;
            var bw: array<f32, 4>;
            for (var i = 0u; i < PER_THREAD; i = i + 1u) {
                a[i] = x_tile[lid.y * PER_THREAD + i][kk];
                bw[i] = w_tile[lid.x * PER_THREAD + i][kk];
            }
            for (var i = 0u; i < PER_THREAD; i = i + 1u) {
                for (var j = 0u; j < PER_THREAD; j = j + 1u) {
                    acc[i][j] = acc[i][j] + a[i] * bw[j];
                }
            }
        }
        workgroupBarrier();
    }

    for (var i = 0u; i < PER_THREAD; i = i + 1u) {
        let row = row0 + lid.y * PER_THREAD + i;
        for (var j = 0u; j < PER_THREAD; j = j + 1u) {
            let col = col0 + lid.x * PER_THREAD + j;
            if (row < params.m && col < params.n) {
                y[row * params.n + col] = acc[i][j];
            }
        }
    }
}
