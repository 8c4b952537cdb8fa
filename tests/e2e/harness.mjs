// Shared test harness: a loopback static server for dist/ (with the same COOP/COEP
// headers Trunk serves) and a headless Debian Chromium launched by playwright-core.
// Never downloads a browser: executablePath is Debian's /usr/bin/chromium.
import { createServer } from 'node:http';
import { readFile, mkdtemp, rm, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, extname, normalize, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const DIST = resolve(process.env.KINORA_DIST ?? join(here, '..', '..', 'dist'));
export const ARTIFACTS = resolve(process.env.KINORA_ARTIFACTS ?? join(here, '..', 'artifacts'));

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.css': 'text/css',
  '.json': 'application/json',
  '.md': 'text/markdown',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
};

/** Serves DIST on 127.0.0.1 at a free port. Resolves to { origin, close }. */
export async function serveDist() {
  const server = createServer(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname));
    const file = join(DIST, path.endsWith('/') ? `${path}index.html` : path);
    if (!file.startsWith(DIST)) {
      res.writeHead(403).end();
      return;
    }
    try {
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Cross-Origin-Opener-Policy': 'same-origin',
        'Cross-Origin-Embedder-Policy': 'require-corp',
      });
      res.end(body);
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise((ok) => server.close(ok)) };
}

// Flags every headless run needs here (root, closed network); see tests/README.md.
const BASE_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
// The one flag that gives headless Chromium a WebGPU adapter (SwiftShader) with no GPU.
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu'];

/**
 * Launches Chromium with a fresh profile outside the test tree (node --test would
 * otherwise scan it). Returns { browser, close }. The page's service worker is blocked
 * unless a test asks for it: request interception (`blockForeign`) cannot see requests a
 * service worker answers, and only the offline test is about the worker.
 */
export async function launch({ webgpu, serviceWorkers = 'block' }) {
  const profile = await mkdtemp(join(tmpdir(), 'kinora-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    serviceWorkers,
    args: [...BASE_FLAGS, ...(webgpu ? WEBGPU_FLAGS : [])],
  });
  return {
    context,
    close: async () => {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}

/** Collects console errors, page errors and every request URL of a page. */
/**
 * Aborts and records every request to another origin than `origin` (data: and blob: URLs
 * stay local); `onLocal(url)` sees each request that goes ahead. Returns the list of
 * aborted URLs, which a test asserts is empty: the page must make none.
 */
export async function blockForeign(page, origin, onLocal = () => {}) {
  const foreign = [];
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin !== origin && !url.startsWith('data:') && !url.startsWith('blob:')) {
      foreign.push(url);
      return route.abort();
    }
    onLocal(url);
    return route.continue();
  });
  return foreign;
}

export function watch(page) {
  const seen = { errors: [], requests: [] };
  page.on('console', (msg) => {
    if (msg.type() === 'error') seen.errors.push(msg.text());
  });
  page.on('pageerror', (err) => seen.errors.push(String(err)));
  page.on('request', (req) => seen.requests.push(req.url()));
  // Console 404 messages do not name the URL; record failed responses so they do.
  page.on('response', (res) => {
    if (res.status() >= 400) seen.errors.push(`HTTP ${res.status()} for ${res.url()}`);
  });
  return seen;
}

/** Waits until the self-test has finished and returns its state and text. */
export async function selfTestResult(page, timeout = 240_000) {
  const el = page.locator('[data-testid="selftest"]:not([data-state="running"])');
  await el.waitFor({ timeout });
  return { state: await el.getAttribute('data-state'), text: await el.innerText() };
}

/** Waits until the page's video model is ready; resolves to the status line. */
export async function modelReady(page, timeout = 180_000) {
  const status = page.locator('[data-testid="model-status"]').filter({ hasText: /ready in/ });
  await status.waitFor({ timeout });
  return status.innerText();
}

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

/**
 * Serious and critical axe-core violations in a page or frame (axe injected once), as
 * "rule (impact): target — why" lines; a test asserts the list is empty.
 */
export async function seriousViolations(target) {
  if (!(await target.evaluate(() => typeof window.axe === 'object'))) await target.addScriptTag({ path: AXE });
  const result = await target.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary.split('\n')[1] ?? ''}`));
}

export async function artifactPath(name) {
  await mkdir(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
