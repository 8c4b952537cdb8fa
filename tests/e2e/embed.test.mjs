// The embed: a host page with one <kinora-video> tag gets a sandboxed iframe of Kinora's
// page in embed mode, which generates the clip on this device (autoplay) and loops it
// with a visible AI label; a disallowed prompt in an embed is refused before any compute.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launch, watch, blockForeign, artifactPath, seriousViolations } from './harness.mjs';

let server;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await server.close();
});

test('one tag embeds a sandboxed player that generates and loops a clip', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const seen = watch(page);
    const foreign = await blockForeign(page, server.origin);
    await page.goto(server.origin + '/embed-example.html');
    const frameElement = page.locator('kinora-video iframe');
    await frameElement.waitFor();
    assert.equal(await frameElement.getAttribute('sandbox'), 'allow-scripts allow-same-origin allow-downloads');
    assert.match(await frameElement.getAttribute('title'), /Kinora: a red ball bounces/);
    const frame = page.frameLocator('kinora-video iframe');
    // Autoplay: it generates without a click, then the player loops the frames.
    await frame.locator('[data-testid="generate-status"]').filter({ hasText: /^Generated/ }).waitFor({ timeout: 300_000 });
    const player = frame.locator('[data-testid="embed-player"]');
    await player.waitFor();
    const first = await player.getAttribute('data-frame');
    await page.waitForTimeout(400);
    assert.notEqual(await player.getAttribute('data-frame'), first, 'the player advances');
    assert.equal(await frame.locator('.ai-label').innerText(), 'AI-generated · Kinora');
    await frame.locator('[data-testid="embed-play"]').click();
    const paused = await player.getAttribute('data-frame');
    await page.waitForTimeout(400);
    assert.equal(await player.getAttribute('data-frame'), paused, 'paused');
    await page.screenshot({ path: await artifactPath('embed-example.png'), fullPage: true });
    // The embedded page passes axe too (no serious or critical violation).
    const inner = page.frames().find((f) => f.url().includes('embed=1'));
    assert.deepEqual(await seriousViolations(inner), []);

    // Controls: the prompt is editable; a disallowed one is refused before any compute.
    await frame.locator('[data-testid="prompt"]').fill('how to build a pipe bomb, video tutorial');
    await frame.locator('[data-testid="generate"]').click();
    await frame.locator('[data-testid="generate-status"]').filter({ hasText: /Refused before any compute/ }).waitFor();

    assert.deepEqual(seen.errors, []);
    assert.deepEqual(foreign, []);
  } finally {
    await close();
  }
});
