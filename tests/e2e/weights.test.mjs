// The engine worker never runs on bad weights: a shard that arrives damaged is fetched
// once more and the model loads; one damaged twice is reported in words and Generate
// stays off; a damaged copy in the device's cache is dropped and fetched afresh. (The
// shard requests come from the engine worker; Playwright's page routes see them.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launch, watch, blockForeign, modelReady } from './harness.mjs';

let server;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await server.close();
});

const SHARD = /\/models\/kinora-video\/[^/]+\.bin$/;

/** Serves the video model's shards with one byte flipped, `times` times. */
async function damageShards(page, times) {
  const seen = { requests: 0, damaged: 0 };
  await page.route(SHARD, async (route) => {
    seen.requests += 1;
    if (seen.damaged >= times) return route.continue();
    seen.damaged += 1;
    const response = await route.fetch();
    const body = Buffer.from(await response.body());
    body[body.length >> 1] ^= 0x5a;
    return route.fulfill({ response, body });
  });
  return seen;
}

test('a damaged shard is fetched again; damaged twice, the page says so and never runs on it', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    // Damaged once: the second copy is good, the model loads and generates.
    let page = await context.newPage();
    let seen = watch(page);
    let foreign = await blockForeign(page, server.origin);
    let shards = await damageShards(page, 1);
    await page.goto(server.origin + '/');
    console.log('damaged once:', await modelReady(page));
    assert.equal(shards.damaged, 1);
    assert.equal(shards.requests, 2, 'the damaged shard is fetched exactly once more');
    assert.equal(await page.locator('[data-testid="generate"]').isDisabled(), false);
    assert.deepEqual(seen.errors, []);
    assert.deepEqual(foreign, []);

    // A damaged copy in this device's cache: dropped, fetched afresh, and the model loads.
    await page.evaluate(async () => {
      for (const name of await caches.keys()) {
        if (!name.startsWith('kinora-models-')) continue;
        const cache = await caches.open(name);
        for (const request of await cache.keys()) {
          const bytes = new Uint8Array(await (await cache.match(request)).arrayBuffer());
          bytes[bytes.length >> 1] ^= 0x5a;
          await cache.put(request, new Response(bytes));
        }
      }
    });
    await page.close();
    page = await context.newPage();
    seen = watch(page);
    foreign = await blockForeign(page, server.origin);
    shards = await damageShards(page, 0);
    await page.goto(server.origin + '/');
    const recovered = await modelReady(page);
    console.log('damaged in the cache:', recovered);
    assert.equal(shards.requests, 1, 'the damaged cached copy is fetched again from the network');
    assert.match(recovered, /[1-9][\d.]* MB downloaded/);
    await page.close();

    // Damaged every time, with nothing cached: a clear message, Generate stays off.
    page = await context.newPage();
    foreign = await blockForeign(page, server.origin);
    shards = await damageShards(page, Infinity);
    await page.goto(server.origin + '/');
    await page.evaluate(async () => {
      for (const name of await caches.keys()) await caches.delete(name);
    });
    await page.reload();
    const failed = page.locator('[data-testid="model-status"]').filter({ hasText: /could not be loaded/ });
    await failed.waitFor({ timeout: 120_000 });
    const message = await failed.innerText();
    console.log('damaged twice:', message);
    assert.match(message, /arrived damaged twice .*SHA-256 does not match the manifest.*Reload to try again/);
    assert.equal(await page.locator('[data-testid="generate"]').isDisabled(), true);
    assert.deepEqual(foreign, []);
  } finally {
    await close();
  }
});
