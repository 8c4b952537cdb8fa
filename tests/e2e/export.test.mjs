// Export in the real page: a world render (.y4m + .wav, written by `cargo xtask test`)
// is opened, exported with the browser's H.264 encoder (WebCodecs) and with the built-in
// pure-Rust encoder; each MP4 plays to the end in <video>, and ffprobe/ffmpeg (test-only)
// read and decode it with audio and video durations within a frame. Also: the visible
// label can only be removed after a warning, recipe links round-trip and hostile ones get
// a clear message, and no request leaves the page's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, copyFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { serveDist, launch, watch, artifactPath } from './harness.mjs';

const FIXTURES = process.env.KINORA_FIXTURES;
const CLI = process.env.KINORA_CLI;
const PROMPT = 'a red ball bounces on the grass at sunset, gentle guitar chords';

let server;
before(async () => {
  assert.ok(FIXTURES, 'KINORA_FIXTURES must point at the world render (cargo xtask test sets it)');
  server = await serveDist();
});
after(async () => {
  await server.close();
});

async function open(context, hash = '') {
  const page = await context.newPage();
  const seen = watch(page);
  await page.goto(server.origin + '/' + hash);
  await page.locator('[data-testid="device-key"]').filter({ hasText: /\S{20,}/ }).waitFor();
  return { page, seen };
}

function probe(path, stream, entry) {
  return execFileSync('ffprobe', ['-v', 'error', '-select_streams', stream, '-show_entries', `stream=${entry}`, '-of', 'default=nw=1:nk=1', path])
    .toString()
    .trim();
}

// Exports the open clip with the chosen encoder; returns the downloaded file's path and
// the summary line.
async function exportWith(page, encoder, name) {
  await page.locator('[data-testid="export-encoder"]').selectOption(encoder);
  await page.locator('[data-testid="export"]').click();
  await page.locator('[data-testid="export-summary"]').waitFor({ timeout: 120_000 });
  const summary = await page.locator('[data-testid="export-summary"]').innerText();
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('[data-testid="download"]').click()]);
  assert.match(download.suggestedFilename(), /^kinora-a-red-ball-bounces-on-the-\d{8}-\d{6}\.mp4$/);
  const path = await artifactPath(name);
  await copyFile(await download.path(), path);
  return { path, summary };
}

async function playsToTheEnd(page) {
  return page.locator('[data-testid="export-video"]').evaluate(
    (v) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('video did not reach its end')), 60_000);
        v.addEventListener('error', () => reject(new Error(`video error ${v.error && v.error.code}`)));
        v.addEventListener('ended', () => {
          clearTimeout(timer);
          resolve({ width: v.videoWidth, height: v.videoHeight, duration: v.duration, time: v.currentTime });
        });
        v.muted = true;
        v.playbackRate = 4;
        v.play().catch(reject);
      }),
  );
}

function checkFile(path, label) {
  assert.equal(probe(path, 'v:0', 'codec_name'), 'h264', label);
  assert.equal(probe(path, 'a:0', 'codec_name'), 'aac', label);
  assert.equal(probe(path, 'v:0', 'width'), '128');
  assert.equal(probe(path, 'v:0', 'nb_frames'), '24', label);
  const video = Number(probe(path, 'v:0', 'duration'));
  const audio = Number(probe(path, 'a:0', 'duration'));
  assert.ok(Math.abs(video - 2) < 1e-3, `${label}: video ${video}`);
  assert.ok(Math.abs(audio - video) <= 1 / 12, `${label}: audio ${audio} vs video ${video}`);
  // Decodes fully without a single error message.
  const errors = execFileSync('ffmpeg', ['-v', 'error', '-xerror', '-i', path, '-f', 'null', '-'], { stdio: ['ignore', 'pipe', 'pipe'] }).toString();
  assert.equal(errors, '', label);
}

test('a world render exports to an MP4 that plays, with WebCodecs and with the built-in encoder', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const { page, seen } = await open(context);
    await page.locator('[data-testid="prompt"]').fill(PROMPT);
    assert.equal(await page.locator('[data-testid="export"]').isDisabled(), true, 'nothing to export yet');

    // A file that is not a clip gets a clear message, and nothing breaks.
    await page.locator('[data-testid="clip-video"]').setInputFiles({ name: 'x.y4m', mimeType: 'video/x-yuv4mpeg', buffer: Buffer.from('not a video') });
    await page.locator('[data-testid="clip-open"]').click();
    await page.locator('[data-testid="export-status"]').filter({ hasText: 'Could not open the clip: invalid clip: the video is not a readable .y4m file' }).waitFor();

    await page.locator('[data-testid="clip-video"]').setInputFiles(join(FIXTURES, 'ball.y4m'));
    await page.locator('[data-testid="clip-audio"]').setInputFiles(join(FIXTURES, 'ball.wav'));
    await page.locator('[data-testid="clip-open"]').click();
    await page.locator('[data-testid="export-status"]').filter({ hasText: 'Clip ready: 128×128, 24 frames at 12 fps' }).waitFor();
    // The finalize report checks it: a clean world render has nothing serious.
    await page.locator('[data-testid="report-status"]').filter({ hasText: /checked in/ }).waitFor({ timeout: 60_000 });
    assert.equal(await page.locator('[data-testid="heat-strip"] .heat-cell').count(), 24);
    assert.equal(await page.locator('[data-testid="finding"][data-severity="serious"]').count(), 0,
      await page.locator('[data-testid="report-panel"]').innerText());

    // The visible label stays on until the warning is confirmed.
    const labelBox = page.locator('[data-testid="export-label"]');
    await labelBox.uncheck({ force: true }).catch(() => {});
    await page.locator('[data-testid="label-warning"]').waitFor();
    assert.equal(await labelBox.isChecked(), true, 'unchecking alone does not remove the label');
    await page.getByRole('button', { name: 'Keep it' }).click();
    assert.equal(await labelBox.isChecked(), true);

    const webcodecs = await exportWith(page, 'auto', 'export-webcodecs.mp4');
    assert.match(webcodecs.summary, /WebCodecs avc1\.[0-9a-f]{6} at [\d.]+ frames\/s/);
    assert.match(webcodecs.summary, /Labelled: visible AI mark/);
    const played = await playsToTheEnd(page);
    assert.equal(played.width, 128);
    assert.ok(Math.abs(played.duration - 2) < 0.1, `duration ${played.duration}`);
    checkFile(webcodecs.path, 'webcodecs');
    await page.screenshot({ path: await artifactPath('export.png'), fullPage: true });
    // Share is offered only where the browser can share files (not headless Chromium).
    const canShare = await page.evaluate(() => typeof navigator.canShare === 'function');
    assert.equal(await page.locator('[data-testid="share"]').count(), canShare ? 1 : 0);

    const builtIn = await exportWith(page, 'rust', 'export-builtin.mp4');
    assert.match(builtIn.summary, /Kinora H\.264 \(pure Rust, Constrained Baseline\) at [\d.]+ frames\/s/);
    const playedBuiltIn = await playsToTheEnd(page);
    assert.equal(playedBuiltIn.width, 128);
    checkFile(builtIn.path, 'built-in');
    // The player steps frame by frame (from the start: it has just played to the end)
    // and loops on request.
    await page.locator('[data-testid="export-video"]').evaluate((v) => { v.pause(); v.currentTime = 0; });
    await page.locator('[data-testid="frame-forward"]').click();
    await page.locator('[data-testid="frame-forward"]').click();
    assert.equal(await page.locator('[data-testid="player-frame"]').innerText(), 'frame 2');
    const at = await page.locator('[data-testid="export-video"]').evaluate((v) => ({ t: v.currentTime, paused: v.paused }));
    assert.ok(at.paused && Math.abs(at.t - 2.5 / 12) < 0.01, `stepped to ${JSON.stringify(at)}`);
    await page.locator('[data-testid="frame-back"]').click();
    assert.equal(await page.locator('[data-testid="player-frame"]').innerText(), 'frame 1');
    await page.locator('[data-testid="player-loop"]').check();
    assert.equal(await page.locator('[data-testid="export-video"]').evaluate((v) => v.loop), true);
    console.log(`# WebCodecs: ${webcodecs.summary}`);
    console.log(`# built-in: ${builtIn.summary}`);

    if (CLI) {
      // The invisible watermark is in the browser's file, and still there after a
      // low-bitrate re-encode at half size.
      const verdict = execFileSync(CLI, ['watermark', webcodecs.path]).toString();
      assert.match(verdict, /watermark: present/, verdict);
      const small = await artifactPath('export-webcodecs-reencoded.mp4');
      execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', webcodecs.path, '-vf', 'scale=iw/2:ih/2', '-c:v', 'libx264', '-b:v', '60k', '-an', small]);
      assert.match(execFileSync(CLI, ['watermark', small]).toString(), /watermark: present/);
    }

    assert.deepEqual(seen.errors, []);
    const foreign = seen.requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
  } finally {
    await close();
  }
});

// A PCM WAV with `ms` of silence cut in at `at` seconds (a dropout the report must find).
function withDropout(wav, at, ms) {
  const out = Buffer.from(wav);
  let offset = 12;
  let format;
  while (offset + 8 <= out.length) {
    const id = out.toString('ascii', offset, offset + 4);
    const size = out.readUInt32LE(offset + 4);
    if (id === 'fmt ') format = { channels: out.readUInt16LE(offset + 10), rate: out.readUInt32LE(offset + 12), bits: out.readUInt16LE(offset + 22) };
    if (id === 'data') {
      assert.ok(format && format.bits === 16, 'the fixture is 16-bit PCM');
      const frame = format.channels * 2;
      const start = offset + 8 + Math.round(at * format.rate) * frame;
      out.fill(0, start, start + Math.round((ms / 1000) * format.rate) * frame);
      return out;
    }
    offset += 8 + size + (size % 2);
  }
  throw new Error('no data chunk');
}

test('the finalize report shows a serious fault beside the clip and export asks first', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const { page, seen } = await open(context);
    await page.locator('[data-testid="prompt"]').fill(PROMPT);
    const wav = withDropout(await readFile(join(FIXTURES, 'ball.wav')), 1.0, 150);
    await page.locator('[data-testid="clip-video"]').setInputFiles(join(FIXTURES, 'ball.y4m'));
    await page.locator('[data-testid="clip-audio"]').setInputFiles({ name: 'ball-dropout.wav', mimeType: 'audio/wav', buffer: wav });
    await page.locator('[data-testid="clip-open"]').click();
    await page.locator('[data-testid="report-status"]').filter({ hasText: /some serious/ }).waitFor({ timeout: 60_000 });
    const dropout = page.locator('[data-testid="finding"][data-kind="audio dropout"]');
    assert.equal(await dropout.count(), 1, await page.locator('[data-testid="report-panel"]').innerText());
    assert.equal(await dropout.getAttribute('data-severity'), 'serious');
    // The heat strip is hot where the sound cuts out (frame 12 = 1.0 s at 12 fps).
    const heat = await page.locator('[data-testid="heat-strip"] .heat-cell').evaluateAll((cells) => cells.map((c) => Number(c.dataset.heat)));
    assert.equal(heat[12], 1, `heat ${heat}`);
    // A finding's button shows its frame.
    await dropout.getByRole('button').click();
    assert.equal(await page.locator('[data-testid="report-frame-label"]').innerText(), 'Frame 12');
    await page.screenshot({ path: await artifactPath('report-serious.png'), fullPage: true });

    // Export asks first; "Not now" exports nothing, "Export anyway" goes ahead.
    await page.locator('[data-testid="export-encoder"]').selectOption('rust');
    await page.locator('[data-testid="export"]').click();
    await page.locator('[data-testid="serious-warning"]').filter({ hasText: /audio dropout at 1\.0 s/ }).waitFor();
    await page.getByRole('button', { name: 'Not now' }).click();
    assert.equal(await page.locator('[data-testid="serious-warning"]').count(), 0);
    assert.equal(await page.locator('[data-testid="export-progress"]').count(), 0, 'nothing exported');
    await page.locator('[data-testid="export"]').click();
    await page.locator('[data-testid="export-anyway"]').click();
    await page.locator('[data-testid="export-summary"]').waitFor({ timeout: 120_000 });

    assert.deepEqual(seen.errors, []);
    const foreign = seen.requests.filter((u) => !u.startsWith(server.origin) && !u.startsWith('blob:') && !u.startsWith('data:'));
    assert.deepEqual(foreign, []);
  } finally {
    await close();
  }
});

test('recipe links round-trip, carry no cameo data, and hostile links get a clear message', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const { page, seen } = await open(context);
    const deviceKey = await page.locator('[data-testid="device-key"]').innerText();
    await page.locator('[data-testid="prompt"]').fill(PROMPT);
    await page.locator('[data-testid="setting-seed"]').fill('424242');
    await page.locator('[data-testid="setting-seed"]').dispatchEvent('change');
    await page.locator('[data-testid="setting-fps"]').selectOption('24');
    await page.locator('[data-testid="recipe-make"]').click();
    const link = await page.locator('[data-testid="recipe-link"]').inputValue();
    assert.match(link, /#recipe=1\.[A-Za-z0-9_-]+$/);
    assert.ok(!link.includes(deviceKey), 'no device key in the link');

    const other = await open(context, link.slice(link.indexOf('#')));
    assert.equal(await other.page.locator('[data-testid="prompt"]').inputValue(), PROMPT);
    assert.equal(await other.page.locator('[data-testid="setting-seed"]').inputValue(), '424242');
    assert.equal(await other.page.locator('[data-testid="setting-fps"]').inputValue(), '24');
    await other.page.locator('[data-testid="recipe-message"]').filter({ hasText: 'Recipe loaded' }).waitFor();

    // Damaged, oversized, future-version and guardrail-evading links: a message, no crash.
    const hostile = [
      ['#recipe=1.%%%', 'damaged'],
      ['#recipe=9.e30', 'format version 9'],
      ['#recipe=1.' + 'A'.repeat(6000), 'too long'],
      ['#recipe=1.' + Buffer.from(JSON.stringify({ v: 1, p: 'n a k e d celebrity photos', s: 1, d: 4, f: 12, w: 256, h: 256, n: 8 })).toString('base64url'), 'refused'],
      ['#recipe=1.' + Buffer.from(JSON.stringify({ v: 1, p: 'a ball', s: 1, d: 4, f: 12, w: 256, h: 256, n: 8, cameo: { photo: 'x' } })).toString('base64url'), 'damaged'],
    ];
    for (const [hash, expected] of hostile) {
      const h = await open(context, hash);
      await h.page.locator('[data-testid="recipe-message"]').filter({ hasText: 'This link could not be used' }).waitFor();
      assert.match(await h.page.locator('[data-testid="recipe-message"]').innerText(), new RegExp(expected));
      assert.equal(await h.page.locator('[data-testid="prompt"]').inputValue(), '', 'a bad link fills nothing in');
      assert.deepEqual(h.seen.errors, []);
      await h.page.close();
    }
    assert.deepEqual(seen.errors, []);
  } finally {
    await close();
  }
});
