// Browser export speed, measured in one run on this machine: the same clip exported with
// WebCodecs and with the built-in pure-Rust encoder, frames/s and file sizes printed.
// Not a test (timings are noisy); run by hand after `trunk build --release`:
//   cargo xtask world sample --prompt "a red ball bounces on the grass at sunset, camera pans left slowly" \
//     --out tests/artifacts/bench --name bench --size 256 --fps 24 --seconds 4 --y4m
//   cd tests && KINORA_DIST=../dist node bench/export-speed.mjs ../tests/artifacts/bench/bench
import { serveDist, launch } from '../e2e/harness.mjs';

const base = process.argv[2];
if (!base) {
  console.error('usage: node bench/export-speed.mjs <path without extension of .y4m/.wav>');
  process.exit(2);
}
const server = await serveDist();
const { context, close } = await launch({ webgpu: false });
try {
  const page = await context.newPage();
  await page.goto(server.origin + '/');
  await page.locator('[data-testid="device-key"]').filter({ hasText: /\S{20,}/ }).waitFor();
  await page.locator('[data-testid="prompt"]').fill('a red ball bounces on the grass at sunset');
  await page.locator('[data-testid="clip-video"]').setInputFiles(`${base}.y4m`);
  await page.locator('[data-testid="clip-audio"]').setInputFiles(`${base}.wav`);
  await page.locator('[data-testid="clip-open"]').click();
  await page.locator('[data-testid="export-status"]').filter({ hasText: 'Clip ready' }).waitFor();
  console.log(await page.locator('[data-testid="export-status"]').innerText());
  for (const encoder of ['auto', 'rust', 'auto', 'rust']) {
    await page.locator('[data-testid="export-encoder"]').selectOption(encoder);
    await page.locator('[data-testid="export"]').click();
    // The click clears the previous result at once; wait for the new one.
    await page.locator('[data-testid="export-summary"]').waitFor({ timeout: 600_000 });
    console.log(`${encoder}: ${await page.locator('[data-testid="export-summary"]').innerText()}`);
  }
} finally {
  await close();
  await server.close();
}
