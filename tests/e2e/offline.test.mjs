// Offline use (PWA): after one visit, the app and the shipped model work with the server
// gone — the page, its wasm and the model manifest come from the service worker's cache,
// the weights from the page's own verified cache — and a clip generates. The server is
// really shut down, not just emulated away.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launch, watch, artifactPath, modelReady } from './harness.mjs';

test('after one visit, the app and the model work offline and a clip generates', async () => {
  const server = await serveDist();
  const { context, close } = await launch({ webgpu: false, serviceWorkers: 'allow' });
  try {
    const page = await context.newPage();
    const seen = watch(page);
    await page.goto(server.origin + '/');
    await modelReady(page);
    assert.equal(await page.locator('link[rel="manifest"]').count(), 1, 'web app manifest linked');
    // The worker is active and has stored the page, its wasm and the model manifest.
    const stored = await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      for (let i = 0; i < 100; i++) {
        const cache = await caches.open('kinora-shell-v1');
        const paths = (await cache.keys()).map((r) => new URL(r.url).pathname);
        if (paths.includes('/') && paths.some((p) => p.endsWith('.wasm')) && paths.includes('/models/kinora-video/manifest.json')) return paths;
        await new Promise((ok) => setTimeout(ok, 200));
      }
      return null;
    });
    assert.ok(stored, 'the service worker stored the app shell');
    console.log(`# service worker cache: ${stored.length} entries`);

    // The server goes away. A reload comes from this device alone.
    await server.close();
    await page.reload();
    const status = await modelReady(page);
    assert.match(status, /0\.0 MB downloaded/);
    await page.locator('[data-testid="prompt"]').fill('a yellow ball rolls to the right on the sand');
    await page.locator('[data-testid="setting-steps"]').fill('4');
    await page.locator('[data-testid="setting-steps"]').dispatchEvent('change');
    await page.locator('[data-testid="generate"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /^Generated/ }).waitFor({ timeout: 300_000 });
    assert.match(await page.locator('[data-testid="clip-summary"]').innerText(), /24 frames at 12 fps/);
    await page.screenshot({ path: await artifactPath('offline-generated.png'), fullPage: true });
    // No banner offers an update while offline.
    assert.equal(await page.locator('[data-testid="update-banner"]').count(), 0);
    assert.deepEqual(seen.errors.filter((e) => !/Failed to load resource|ERR_CONNECTION_REFUSED|offline use unavailable/.test(e)), []);
    const foreign = seen.requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
  } finally {
    await close();
  }
});
