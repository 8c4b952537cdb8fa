// Accessibility and layout: axe-core (from npm) finds no violation of serious or critical
// impact on the page — idle, with a generated clip and its finalize report open, in the
// light and dark themes — and the page fits a 360 px phone without sideways scrolling.
// Screenshots of each state at desktop and phone widths are saved as artifacts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { serveDist, launch, watch, artifactPath, modelReady, seriousViolations as violations } from './harness.mjs';

let server;
before(async () => {
  server = await serveDist();
});
after(async () => {
  await server.close();
});

async function fitsWidth(page, width) {
  await page.setViewportSize({ width, height: 800 });
  return page.evaluate(() => document.documentElement.scrollWidth);
}

test('no serious accessibility violations, light and dark, and the page fits a phone', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const page = await context.newPage();
    const seen = watch(page);
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(server.origin + '/');
    await modelReady(page);
    assert.deepEqual(await violations(page), [], 'idle page');
    await page.screenshot({ path: await artifactPath('screen-idle-desktop.png'), fullPage: true });

    // An example prompt fills the box with one click.
    const example = page.locator('[data-testid="example-prompt"]').first();
    const exampleText = await example.textContent();
    await example.click();
    assert.equal(await page.locator('[data-testid="prompt"]').inputValue(), exampleText);
    await page.locator('[data-testid="prompt"]').fill('');

    // Keyboard: the prompt box, then Generate, are reachable with Tab and labelled.
    await page.locator('[data-testid="prompt"]').focus();
    await page.keyboard.type('a blue cube moves to the right on the snow');
    const generate = page.locator('[data-testid="generate"]');
    await generate.focus();
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="report-status"]').filter({ hasText: /checked in/ }).waitFor({ timeout: 300_000 });
    assert.deepEqual(await violations(page), [], 'with a clip and its report');
    await page.screenshot({ path: await artifactPath('screen-clip-desktop.png'), fullPage: true });

    await page.emulateMedia({ colorScheme: 'dark' });
    assert.deepEqual(await violations(page), [], 'dark theme');
    await page.screenshot({ path: await artifactPath('screen-clip-dark.png'), fullPage: true });
    await page.emulateMedia({ colorScheme: 'light' });

    const phone = await fitsWidth(page, 360);
    assert.ok(phone <= 360, `the page is ${phone} px wide on a 360 px phone`);
    assert.deepEqual(await violations(page), [], 'phone width');
    await page.screenshot({ path: await artifactPath('screen-clip-phone.png'), fullPage: true });
    assert.deepEqual(seen.errors, []);
  } finally {
    await close();
  }
});
