// The product shell in a real headless Chromium: loads clean, runs the kernel
// self-test on WebGPU (SwiftShader) and on the CPU fallback, stays on its origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveDist, launch, watch, blockForeign, selfTestResult, artifactPath } from './harness.mjs';

// `cargo xtask bench` runs the same kernels natively on SwiftShader, the adapter the
// page gets here, and leaves them in this file; the test then prints browser ÷ native.
const NATIVE_SWIFTSHADER = process.env.KINORA_NATIVE_SWIFTSHADER
  ?? join(import.meta.dirname, '..', '..', 'target', 'bench-swiftshader.json');

async function nativeInt8(shape) {
  try {
    const rows = JSON.parse(await readFile(NATIVE_SWIFTSHADER, 'utf8')).kernels;
    return rows.find((r) => r.shape.join('x') === shape.join('x'))?.int8_wgsl_gflops;
  } catch {
    return undefined;
  }
}

let server;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await server.close();
});

test('with WebGPU: no console errors, self-test passes on the WebGPU adapter, nothing leaves the origin', async () => {
  const { context, close } = await launch({ webgpu: true });
  try {
    const page = await context.newPage();
    const seen = watch(page);
    // Any request to another origin is aborted and recorded: the page must make none.
    const foreign = await blockForeign(page, server.origin);
    await page.goto(server.origin + '/');
    await assert.doesNotReject(page.locator('h1', { hasText: 'Kinora' }).waitFor());

    const backend = page.locator('[data-testid="backend"]:not([data-kind="detecting"])');
    await backend.waitFor({ timeout: 60_000 });
    assert.equal(await backend.getAttribute('data-kind'), 'webgpu', await backend.innerText());

    const result = await selfTestResult(page);
    console.log('WebGPU self-test:', result.text.replace(/\s+/g, ' '));
    console.log('  ', (await page.locator('[data-testid="gflops"]').innerText()), 'GFLOP/s');
    assert.equal(result.state, 'pass', result.text);
    assert.match(await page.locator('[data-testid="selftest-backend"]').innerText(), /WebGpu/i);
    const gflops = Number(await page.locator('[data-testid="gflops"]').innerText());
    assert.ok(gflops > 0, `GFLOP/s should be measured, got ${gflops}`);
    const cases = await page.locator('[data-testid="selftest-cases"] li').allInnerTexts();
    for (const kernel of ['int8 matmul', 'int4 matmul', 'attention', 'int8 conv3d', 'int4 conv3d']) {
      assert.ok(cases.some((c) => c.startsWith(kernel)), `${kernel} checked: ${cases.join('; ')}`);
    }
    // The backend choice is measured, not assumed: the same matmul on the CPU backend.
    const cpu = Number(await page.locator('[data-testid="cpu-gflops"]').innerText());
    assert.ok(cpu > 0, `CPU GFLOP/s should be measured, got ${cpu}`);
    console.log('backend choice:', await page.locator('[data-testid="backend-choice"]').innerText());
    // Benchmark, not a limit: the same int8 kernel, same shape, natively on SwiftShader.
    const shape = [256, 256, 512];
    const native = await nativeInt8(shape);
    const line = native
      ? `browser ${gflops.toFixed(3)} GFLOP/s ÷ native ${native.toFixed(3)} = ${(gflops / native).toFixed(2)}×`
      : `browser ${gflops.toFixed(3)} GFLOP/s (no native SwiftShader figure: run cargo xtask bench)`;
    console.log('int8 matmul 256×256×512 on SwiftShader:', line);
    await writeFile(await artifactPath('bench-kernel-browser.json'),
      JSON.stringify({ shape, browser_gflops: gflops, native_gflops: native ?? null }, null, 2));

    // Generate waits for the model (generate.test.mjs covers the whole generation).
    await page.locator('[data-testid="model-status"]').filter({ hasText: /ready/ }).waitFor({ timeout: 120_000 });
    assert.equal(await page.locator('[data-testid="generate"]').isDisabled(), false);

    await page.screenshot({ path: await artifactPath('shell-webgpu.png'), fullPage: true });

    assert.deepEqual(seen.errors, [], 'console errors');
    assert.deepEqual(foreign, [], 'requests to other origins');
    for (const url of seen.requests) {
      assert.ok(url.startsWith(server.origin) || url.startsWith('data:') || url.startsWith('blob:'), url);
    }
  } finally {
    await close();
  }
});

test('without WebGPU: the page says so and the same self-test passes on the CPU fallback', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const seen = watch(page);
    await page.goto(server.origin + '/');
    const backend = page.locator('[data-testid="backend"]:not([data-kind="detecting"])');
    await backend.waitFor({ timeout: 60_000 });
    assert.equal(await backend.getAttribute('data-kind'), 'cpu');
    assert.match(await backend.innerText(), /CPU fallback — no WebGPU/);

    const result = await selfTestResult(page);
    console.log('CPU self-test:', result.text.replace(/\s+/g, ' '));
    console.log('  ', (await page.locator('[data-testid="gflops"]').innerText()), 'GFLOP/s');
    assert.equal(result.state, 'pass', result.text);
    assert.match(await page.locator('[data-testid="selftest-backend"]').innerText(), /CPU/);
    await page.screenshot({ path: await artifactPath('shell-cpu.png'), fullPage: true });
    assert.deepEqual(seen.errors, [], 'console errors');
  } finally {
    await close();
  }
});
