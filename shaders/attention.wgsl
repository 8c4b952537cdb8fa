// Scaled dot-product attention with an additive key bias, computed without ever holding
// the score matrix:  out[g, i] = Σ_j softmax_j(q[g, i] · k[g, j] · scale + bias[g / heads, j]) v[g, j]
//
// Each invocation owns one query row of one head group g (g = batch · heads + head) and
// walks the keys four at a time with the online softmax of FlashAttention: it keeps the
// running maximum, the running sum of exponentials and the weighted sum of values, and
// rescales them when a larger score arrives. Memory per query is O(head dim) whatever
// the number of keys, so long sequences (a 10 s clip's tokens) never allocate N × M
// scores, and the result matches softmax(q kᵀ) v to float rounding.
//
// Layout (row-major f32):
//   q    : [G, N, D]   k, v : [G, M, D]   bias : [G / heads, M]   out : [G, N, D]
// D (the head width) is the HEAD_QUADS override × 4, at most 32: the query and the
// accumulator live in eight named vec4 registers (see block_matmul.wgsl for why named
// registers rather than arrays); quads past HEAD_QUADS are compiled out.
//
// Workgroup 64 query rows of one head group: every invocation of a workgroup reads the
// same key and value rows at the same time, which a GPU serves as one broadcast load and
// lavapipe as one scalar load.

override HEAD_QUADS: u32 = 8u;

struct Params {
    n: u32,        // queries per group
    m: u32,        // keys per group
    heads: u32,    // groups per bias row
    scale: f32,    // 1 / sqrt(D)
}

@group(0) @binding(0) var<storage, read> q: array<vec4<f32>>;
@group(0) @binding(1) var<storage, read> k: array<vec4<f32>>;
@group(0) @binding(2) var<storage, read> v: array<vec4<f32>>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> out: array<vec4<f32>>;
@group(0) @binding(5) var<uniform> params: Params;

// Quad `i` of row `row` (in quads) of a [.., D] tensor; quads past the head width are 0.
fn quad(t: u32, row: u32, i: u32) -> vec4<f32> {
    if (i >= HEAD_QUADS) {
        return vec4<f32>();
    }
    switch t {
        case 0u: { return q[row * HEAD_QUADS + i]; }
        case 1u: { return k[row * HEAD_QUADS + i]; }
        default: { return v[row * HEAD_QUADS + i]; }
    }
}

// q · k of key row `key` (in rows of the k tensor).
fn score(key: u32, q0: vec4<f32>, q1: vec4<f32>, q2: vec4<f32>, q3: vec4<f32>,
         q4: vec4<f32>, q5: vec4<f32>, q6: vec4<f32>, q7: vec4<f32>) -> f32 {
    return dot(q0, quad(1u, key, 0u)) + dot(q1, quad(1u, key, 1u))
         + dot(q2, quad(1u, key, 2u)) + dot(q3, quad(1u, key, 3u))
         + dot(q4, quad(1u, key, 4u)) + dot(q5, quad(1u, key, 5u))
         + dot(q6, quad(1u, key, 6u)) + dot(q7, quad(1u, key, 7u));
}

@compute @workgroup_size(64, 1, 1)
fn main(
    @builtin(workgroup_id) wid: vec3<u32>,
    @builtin(local_invocation_id) lid: vec3<u32>,
) {
    let g = wid.y;
    let i = wid.x * 64u + lid.x;
    // A row past the end computes row n-1 again (in bounds) and stores nothing.
    let qrow = g * params.n + min(i, params.n - 1u);
    let s = params.scale;
    let q0 = s * quad(0u, qrow, 0u); let q1 = s * quad(0u, qrow, 1u);
    let q2 = s * quad(0u, qrow, 2u); let q3 = s * quad(0u, qrow, 3u);
    let q4 = s * quad(0u, qrow, 4u); let q5 = s * quad(0u, qrow, 5u);
    let q6 = s * quad(0u, qrow, 6u); let q7 = s * quad(0u, qrow, 7u);
    let key0 = g * params.m;
    let bias0 = (g / params.heads) * params.m;

    // Running maximum, running Σ exp(score - maximum), and Σ exp(score - maximum) · v.
    var best = -3.0e38;
    var total = 0.0;
    var o0 = vec4<f32>(); var o1 = vec4<f32>(); var o2 = vec4<f32>(); var o3 = vec4<f32>();
    var o4 = vec4<f32>(); var o5 = vec4<f32>(); var o6 = vec4<f32>(); var o7 = vec4<f32>();
    for (var j0 = 0u; j0 < params.m; j0 += 4u) {
        // Four keys per step (the last step repeats key m-1 with weight 0).
        let last = params.m - 1u;
        let j = vec4<u32>(j0, min(j0 + 1u, last), min(j0 + 2u, last), min(j0 + 3u, last));
        let live = vec4<bool>(true, j0 + 1u <= last, j0 + 2u <= last, j0 + 3u <= last);
        let sc = vec4<f32>(
            score(key0 + j.x, q0, q1, q2, q3, q4, q5, q6, q7) + bias[bias0 + j.x],
            score(key0 + j.y, q0, q1, q2, q3, q4, q5, q6, q7) + bias[bias0 + j.y],
            score(key0 + j.z, q0, q1, q2, q3, q4, q5, q6, q7) + bias[bias0 + j.z],
            score(key0 + j.w, q0, q1, q2, q3, q4, q5, q6, q7) + bias[bias0 + j.w],
        );
        let step_best = max(max(sc.x, sc.y), max(sc.z, sc.w));
        let new_best = max(best, step_best);
        let keep = exp(best - new_best);
        let p = select(vec4<f32>(), exp(sc - vec4<f32>(new_best)), live);
        total = total * keep + p.x + p.y + p.z + p.w;
        best = new_best;
        let r0 = key0 + j.x; let r1 = key0 + j.y; let r2 = key0 + j.z; let r3 = key0 + j.w;
        o0 = o0 * keep + p.x * quad(2u, r0, 0u) + p.y * quad(2u, r1, 0u) + p.z * quad(2u, r2, 0u) + p.w * quad(2u, r3, 0u);
        o1 = o1 * keep + p.x * quad(2u, r0, 1u) + p.y * quad(2u, r1, 1u) + p.z * quad(2u, r2, 1u) + p.w * quad(2u, r3, 1u);
        o2 = o2 * keep + p.x * quad(2u, r0, 2u) + p.y * quad(2u, r1, 2u) + p.z * quad(2u, r2, 2u) + p.w * quad(2u, r3, 2u);
        o3 = o3 * keep + p.x * quad(2u, r0, 3u) + p.y * quad(2u, r1, 3u) + p.z * quad(2u, r2, 3u) + p.w * quad(2u, r3, 3u);
        o4 = o4 * keep + p.x * quad(2u, r0, 4u) + p.y * quad(2u, r1, 4u) + p.z * quad(2u, r2, 4u) + p.w * quad(2u, r3, 4u);
        o5 = o5 * keep + p.x * quad(2u, r0, 5u) + p.y * quad(2u, r1, 5u) + p.z * quad(2u, r2, 5u) + p.w * quad(2u, r3, 5u);
        o6 = o6 * keep + p.x * quad(2u, r0, 6u) + p.y * quad(2u, r1, 6u) + p.z * quad(2u, r2, 6u) + p.w * quad(2u, r3, 6u);
        o7 = o7 * keep + p.x * quad(2u, r0, 7u) + p.y * quad(2u, r1, 7u) + p.z * quad(2u, r2, 7u) + p.w * quad(2u, r3, 7u);
    }
    if (i >= params.n) {
        return;
    }
    let inv = 1.0 / total;
    let base = (g * params.n + i) * HEAD_QUADS;
    out[base] = o0 * inv;
    if (HEAD_QUADS > 1u) { out[base + 1u] = o1 * inv; }
    if (HEAD_QUADS > 2u) { out[base + 2u] = o2 * inv; }
    if (HEAD_QUADS > 3u) { out[base + 3u] = o3 * inv; }
    if (HEAD_QUADS > 4u) { out[base + 4u] = o4 * inv; }
    if (HEAD_QUADS > 5u) { out[base + 5u] = o5 * inv; }
    if (HEAD_QUADS > 6u) { out[base + 6u] = o6 * inv; }
    if (HEAD_QUADS > 7u) { out[base + 7u] = o7 * inv; }
}
