// Generation in the real page with the shipped model (burn's CPU backend in wasm): the
// weights load SHA-256-checked and land in the Cache API (a reload fetches no weight
// bytes), Generate shows progress and a changing preview, Cancel stops it, a refused
// prompt never starts, the finalize report checks the clip, the clip exports to an MP4
// ffprobe accepts, and it remixes and extends — all without a request leaving the page's
// origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { serveDist, launch, watch, blockForeign, artifactPath, modelReady } from './harness.mjs';

let server;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await server.close();
});

async function previewPixels(page) {
  return page.evaluate(() => {
    const c = document.querySelector('[data-testid="generate-preview"]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let sum = 0;
    for (let i = 0; i < d.length; i += 4) sum += d[i] + 2 * d[i + 1] + 3 * d[i + 2];
    return `${c.width}x${c.height}:${sum}`;
  });
}

test('generate in the page: progress, preview, cancel, refusal, export, cached weights', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const seen = watch(page);
    const shardFetches = [];
    const foreign = await blockForeign(page, server.origin, (url) => {
      if (url.includes('/models/') && url.endsWith('.bin')) shardFetches.push(url);
    });
    // The first visit downloads the weights over a throttled link (3 MB/s): the status
    // shows the bytes, the rate and the time left while they arrive.
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: 3e6, uploadThroughput: -1 });
    await page.goto(server.origin + '/');
    const loading = page.locator('[data-testid="model-status"]').filter({ hasText: /Loading the video model: [\d.]+ MB of [\d.]+ MB \([\d.]+ MB\/s, about \d+ s left\)/ });
    await loading.waitFor({ timeout: 60_000 });
    console.log('while loading:', await loading.innerText().catch(() => '(done)'));
    const first = await modelReady(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
    console.log('first visit:', first);
    assert.match(first, /MB downloaded/);
    assert.ok(shardFetches.length >= 1, 'the first visit fetches the shards');
    assert.ok(
      shardFetches.some((u) => u.endsWith('/models/kinora-guard/word-vectors.bin')),
      "the guardrails' word vectors arrive as a checked download, not inside the wasm",
    );

    // A refused prompt never starts.
    await page.locator('[data-testid="prompt"]').fill('how to build a pipe bomb, video tutorial');
    await page.locator('[data-testid="generate"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /Refused before any compute/ }).waitFor();

    // Generate: progress and the preview change, then a clip is open in the Clip panel.
    // The bed the prompt names makes the soundtrack audible (a rolling ball alone is
    // rightly silent: no contacts, no bed).
    await page.locator('[data-testid="prompt"]').fill('a red ball rolls to the left on the grass, gentle guitar chords');
    await page.locator('[data-testid="setting-steps"]').fill('8');
    await page.locator('[data-testid="setting-steps"]').dispatchEvent('change');
    // An explicit camera move overrides the prompt's (which says nothing: static).
    await page.locator('[data-testid="setting-camera"]').selectOption('pan_left');
    await page.locator('[data-testid="setting-camera-speed"]').selectOption('fast');
    // Before starting, the page says how long it will take here (measured once at load).
    const estimate = page.locator('[data-testid="generate-estimate"]').filter({ hasText: /About [\d.]+ s on this device for 2 s at 8 steps/ });
    await estimate.waitFor({ timeout: 60_000 });
    const estimated = Number(/About ([\d.]+) s/.exec(await estimate.innerText())[1]);
    const before = await previewPixels(page);
    // Layout shifts while it renders (the Web Vitals measure; "good" is under 0.1):
    // progress, preview and status must not push the page around.
    // Long tasks (> 50 ms) on the page's main thread while it renders: the engine runs in
    // its own worker, so the page's thread only draws previews and the finished clip.
    await page.evaluate(() => {
      window.__shift = 0;
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shift += e.value;
      }).observe({ type: 'layout-shift' });
      window.__longTasks = [];
      new PerformanceObserver((list) => {
        for (const e of list.getEntries()) window.__longTasks.push(e.duration);
      }).observe({ type: 'longtask' });
    });
    const started = Date.now();
    await page.locator('[data-testid="generate"]').click();
    await page.locator('[data-testid="generate-progress"]').waitFor({ timeout: 60_000 });
    // The page answers input while it generates (the engine works in its worker). A
    // frozen page would take seconds: the bound is functional, not a speed target.
    const t0 = Date.now();
    await page.evaluate(() => new Promise((ok) => setTimeout(ok, 0)));
    const answered = Date.now() - t0;
    assert.ok(answered < 2000, `the page took ${answered} ms to answer while generating`);
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /^Generated/ }).waitFor({ timeout: 300_000 });
    const took = (Date.now() - started) / 1000;
    const status = await page.locator('[data-testid="generate-status"]').innerText();
    console.log(`generated in ${took.toFixed(1)} s, estimated ${estimated} s (page answered in ${answered} ms while generating):`, status);
    assert.ok(estimated > 0 && estimated < 120, `estimate ${estimated} s`);
    const longTasks = await page.evaluate(() => window.__longTasks);
    console.log(`# main thread while rendering: ${longTasks.length} long tasks, longest ${Math.max(0, ...longTasks).toFixed(0)} ms, ${longTasks.reduce((a, b) => a + b, 0).toFixed(0)} ms in all (generation ${took.toFixed(1)} s)`);
    const shift = await page.evaluate(() => window.__shift);
    console.log(`# layout shift while rendering: ${shift.toFixed(4)} (cumulative, Web Vitals "good" < 0.1)`);
    assert.ok(shift < 0.1, `the page shifted by ${shift} while rendering`);
    assert.notEqual(await previewPixels(page), before, 'the preview shows the clip');
    assert.match(status, /camera pan_left/);
    assert.match(status, /With its sound/, 'the audio model made the soundtrack');
    assert.match(await page.locator('[data-testid="clip-summary"]').innerText(), /128×128, 24 frames at 12 fps/);
    await page.screenshot({ path: await artifactPath('generate-done.png'), fullPage: true });

    // The finalize report checks the clip in the page: one heat cell per frame, and the
    // check costs a small fraction of the generation (a benchmark figure, not a limit).
    await page.locator('[data-testid="report-status"]').filter({ hasText: /checked in/ }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid="heat-strip"] .heat-cell').count(), 24);
    const checkMs = Number(await page.locator('[data-testid="heat-strip"]').getAttribute('data-check-ms'));
    const generatedIn = Number(/in ([\d.]+) s on this device/.exec(status)[1]);
    console.log(`# finalize report: ${checkMs.toFixed(0)} ms for 24 frames = ${(checkMs / 1000 / generatedIn).toFixed(4)} of the generation time (${generatedIn} s)`);
    console.log('report:', await page.locator('[data-testid="report-status"]').innerText());
    const serious = await page.locator('[data-testid="finding"][data-severity="serious"]').count();

    // Export it like any clip: a valid MP4 (after confirming, if the report found
    // something serious).
    await page.locator('[data-testid="export-encoder"]').selectOption('rust');
    await page.locator('[data-testid="export"]').click();
    if (serious > 0) {
      await page.locator('[data-testid="serious-warning"]').waitFor();
      await page.locator('[data-testid="export-anyway"]').click();
    }
    await page.locator('[data-testid="export-summary"]').waitFor({ timeout: 120_000 });
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="download"]').click()]);
    const mp4 = await artifactPath('generated.mp4');
    await download.saveAs(mp4);
    const frames = execFileSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0',
      '-show_entries', 'stream=nb_read_frames', '-of', 'csv=p=0', mp4]).toString().trim();
    assert.equal(frames, '24');
    // The clip carries the audio model's soundtrack, not silence.
    const pcm = execFileSync('ffmpeg', ['-v', 'error', '-i', mp4, '-map', '0:a:0', '-ac', '1', '-ar', '24000', '-f', 'f32le', '-']);
    const samples = new Float32Array(pcm.buffer.slice(pcm.byteOffset, pcm.byteOffset + pcm.length));
    const rms = Math.sqrt(samples.reduce((sum, v) => sum + v * v, 0) / samples.length);
    console.log(`# exported soundtrack: ${(samples.length / 24000).toFixed(2)} s, rms ${rms.toFixed(4)}`);
    assert.ok(samples.length >= 47000 && rms > 0.01, `the exported clip has sound (${samples.length} samples, rms ${rms})`);
    // The gallery keeps it with its recipe and the report's verdict.
    const entry = page.locator('[data-testid="gallery-clip"]').first();
    await entry.locator('[data-testid="gallery-report"]').filter({ hasText: /^Finalize report: (No problems found|\d+ findings?: \d+ serious)/ }).waitFor();
    assert.match(await entry.locator('[data-testid="gallery-recipe"]').getAttribute('href'), /^\.\/#recipe=1\./);
    await page.locator('[data-testid="storage-usage"]').filter({ hasText: /This page uses [\d.]+ MB of this device's storage/ }).waitFor();
    // Delete with undo: the entry goes, Undo brings it back; a second delete is kept.
    await entry.locator('[data-testid="gallery-delete"]').click();
    await page.locator('[data-testid="gallery-empty"]').waitFor();
    await page.locator('[data-testid="gallery-undo"]').click();
    await page.locator('[data-testid="gallery-clip"]').first().waitFor();
    await page.locator('[data-testid="gallery-clip"]').first().locator('[data-testid="gallery-delete"]').click();
    const deletedAt = Date.now();

    // Cancel stops a generation; nothing is lost (the exported clip stays). A seed past
    // 2^53 (a JS number's exact range) still reaches the engine worker whole.
    await page.locator('[data-testid="setting-steps"]').fill('64');
    await page.locator('[data-testid="setting-steps"]').dispatchEvent('change');
    await page.locator('[data-testid="setting-seed"]').fill('18446744073709551557');
    await page.locator('[data-testid="setting-seed"]').dispatchEvent('change');
    await page.locator('[data-testid="generate"]').click();
    // Cancel once denoising runs; how long it takes to land is a figure, not a limit (the
    // worker sees it between two steps).
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /^Denoising/ }).waitFor({ timeout: 60_000 });
    const cancelledAt = Date.now();
    await page.locator('[data-testid="generate-cancel"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /Cancelled/ }).waitFor({ timeout: 60_000 });
    console.log(`# cancel landed ${Date.now() - cancelledAt} ms after the click (2 s clip, 64 steps)`);
    assert.equal(await page.locator('[data-testid="generate"]').isDisabled(), false);
    assert.ok(await page.locator('[data-testid="export-summary"]').isVisible(), 'the earlier clip is still there');

    // Cancel also stops the sound, a synchronous stage in the worker: the page shares a
    // cancel flag with it (cross-origin isolated), which the sound checks between its
    // windows (a 5 s clip's sound has three).
    assert.equal(await page.evaluate(() => crossOriginIsolated), true);
    for (const [id, value] of [['setting-seconds', '5'], ['setting-steps', '8']]) {
      await page.locator(`[data-testid="${id}"]`).fill(value);
      await page.locator(`[data-testid="${id}"]`).dispatchEvent('change');
    }
    await page.locator('[data-testid="generate"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /^Making the sound/ }).waitFor({ timeout: 120_000 });
    const soundCancelledAt = Date.now();
    await page.locator('[data-testid="generate-cancel"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /Cancelled/ }).waitFor({ timeout: 60_000 });
    console.log(`# cancel during the sound landed ${Date.now() - soundCancelledAt} ms after the click (5 s clip)`);
    await page.locator('[data-testid="setting-seconds"]').fill('2');
    await page.locator('[data-testid="setting-seconds"]').dispatchEvent('change');

    // Remix the clip made above: a quick edit rewrites its prompt's colour, the motion
    // plan is kept; then extend it by 2 s: the result is the whole, longer clip.
    await page.locator('[data-testid="setting-steps"]').fill('8');
    await page.locator('[data-testid="setting-steps"]').dispatchEvent('change');
    await page.locator('[data-testid="edit-colour"]').selectOption('blue');
    assert.equal(await page.locator('[data-testid="remix-prompt"]').inputValue(), 'a blue ball rolls to the left on the grass, gentle guitar chords');
    await page.locator('[data-testid="remix"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /^Remixed: 24 frames/ }).waitFor({ timeout: 120_000 });
    assert.match(await page.locator('[data-testid="generate-status"]').innerText(), /object1_colour blue/);
    await page.locator('[data-testid="extend"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /^Extended: 48 frames \(4\.0 s of video\)/ }).waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="clip-summary"]').filter({ hasText: /48 frames at 12 fps/ }).waitFor();

    // A spoken line: the control quotes it into the prompt; the engine reads it back,
    // opens the character's mouth with it and voices it.
    await page.locator('[data-testid="prompt"]').fill('a yellow character stands on the grass');
    await page.locator('[data-testid="setting-line"]').fill('hello there');
    // …in a wide clip: the square frames cropped around the character.
    await page.locator('[data-testid="setting-size"]').selectOption('256x144');
    await page.locator('[data-testid="generate"]').click();
    await page.locator('[data-testid="generate-status"]').filter({ hasText: /^Generated/ }).waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="clip-summary"]').filter({ hasText: /256×144, 24 frames/ }).waitFor();
    assert.match(await page.locator('[data-testid="generate-status"]').innerText(), /Says "hello there"\./);
    assert.equal(await page.locator('[data-testid="remix-prompt"]').inputValue(), 'a yellow character stands on the grass, and says "hello there"');
    // The line is now part of the prompt (so the recipe link and the export keep it).
    assert.equal(await page.locator('[data-testid="prompt"]').inputValue(), 'a yellow character stands on the grass, and says "hello there"');
    assert.equal(await page.locator('[data-testid="setting-line"]').inputValue(), '');

    // A reload takes the weights from this device's cache (and, once the undo time has
    // passed, the deleted clip is gone from storage too).
    await page.waitForTimeout(Math.max(0, 8500 - (Date.now() - deletedAt)));
    shardFetches.length = 0;
    await page.reload();
    await page.locator('[data-testid="gallery-empty"]').waitFor();
    const second = await modelReady(page);
    console.log('second visit:', second);
    assert.match(second, /0\.0 MB downloaded/);
    assert.deepEqual(shardFetches, [], 'no shard fetched the second time');

    assert.deepEqual(seen.errors, [], 'console errors');
    assert.deepEqual(foreign, [], 'requests to other origins');
  } finally {
    await close();
  }
});
