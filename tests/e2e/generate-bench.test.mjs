// Benchmark, not a limit: a 2 s and a 5 s clip generated in the page (the engine worker,
// burn's CPU backend in wasm, 8 steps, with sound), time per stage as the worker measured
// it; written to artifacts/bench-browser.json. Where `cargo xtask bench` left its native
// figures (target/bench.json, the same pipeline on the native CPU backend), prints the
// browser ÷ native ratio per stage. Asserts only that each clip came out whole.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveDist, launch, modelReady, artifactPath } from './harness.mjs';

let server;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await server.close();
});

const NATIVE = process.env.KINORA_NATIVE_BENCH ?? join(import.meta.dirname, '..', '..', 'target', 'bench.json');

async function nativeClips() {
  try {
    return JSON.parse(await readFile(NATIVE, 'utf8')).pipeline_cpu.clips;
  } catch {
    return [];
  }
}

test('a 2 s and a 5 s clip in the page, per stage (benchmark)', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    await page.goto(server.origin + '/');
    await modelReady(page);
    const simd = await page.evaluate(() => WebAssembly.validate(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11])));
    await page.locator('[data-testid="prompt"]').fill('a red ball bounces on the grass, gentle guitar chords');
    const native = await nativeClips();
    const clips = [];
    for (const seconds of [2, 5]) {
      for (const [id, value] of [['setting-seconds', String(seconds)], ['setting-steps', '8']]) {
        await page.locator(`[data-testid="${id}"]`).fill(value);
        await page.locator(`[data-testid="${id}"]`).dispatchEvent('change');
      }
      await page.locator('[data-testid="generate"]').click();
      const frames = seconds * 12;
      const done = page.locator('[data-testid="generate-status"]').filter({ hasText: new RegExp(`^Generated ${frames} frames`) });
      await done.waitFor({ timeout: 300_000 });
      const total = Number(/in ([\d.]+) s on this device/.exec(await done.innerText())[1]);
      const stages = JSON.parse(await done.getAttribute('data-stage-ms'));
      assert.ok(stages.denoise_ms > 0 && stages.decode_ms > 0, JSON.stringify(stages));
      const clip = { seconds, frames, total_s: total, ...stages };
      const twin = native.find((c) => c.seconds === seconds);
      if (twin) {
        clip.over_native = {
          total: total / twin.total_s,
          plan: stages.plan_ms / 1000 / (twin.text_s + twin.plan_s),
          denoise: stages.denoise_ms / 1000 / twin.denoise_s,
          decode: stages.decode_ms / 1000 / twin.decode_s,
          sound: stages.sound_ms / 1000 / twin.sound_s,
        };
      }
      clips.push(clip);
      const ratio = (r) => (twin ? ` (${r.toFixed(1)}× native)` : '');
      console.log(`# ${seconds} s clip in the page: ${total.toFixed(2)} s${ratio(clip.over_native?.total)} — plan ${stages.plan_ms.toFixed(0)} ms, denoise ${stages.denoise_ms.toFixed(0)} ms${ratio(clip.over_native?.denoise)}, decode ${stages.decode_ms.toFixed(0)} ms${ratio(clip.over_native?.decode)}, sound ${stages.sound_ms.toFixed(0)} ms${ratio(clip.over_native?.sound)}`);
    }
    await writeFile(await artifactPath('bench-browser.json'), JSON.stringify({ wasm_simd128_in_browser: simd, backend: 'burn flex (CPU) in wasm, engine worker', clips }, null, 2));
  } finally {
    await close();
  }
});
