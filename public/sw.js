// Kinora's service worker: after one visit the app works with the network off.
//
// - The page itself (navigations) and the model manifest: network first, so an online
//   reload always gets the newest version; the last copy from the cache when offline.
// - Everything else of this origin (Trunk's content-hashed wasm/js/css, the icon, and the
//   engine worker's files, which the build hook names by hash and lists in the page as
//   <link rel="kinora-worker">): cache first — a hashed name never changes its bytes.
// - Model shards are not stored here: the engine keeps them, SHA-256-checked, in its own
//   Cache API store per model version (worker/src/weights.rs, the engine worker).
// - Other origins are never touched (the page makes no such requests).
//
// The worker never swaps a running page: a new version is fetched by the page's own
// check (see update.js) and offered; it loads when the person reloads.
const SHELL = 'kinora-shell-v1';
// The model manifests the page reads first (the page fetched them before this worker
// controlled it, so they are stored at install).
const MODEL_MANIFESTS = ['/models/kinora-video/manifest.json', '/models/kinora-guard/manifest.json'];

const isShard = (url) => url.pathname.startsWith('/models/') && url.pathname.endsWith('.bin');
const isFresh = (request, url) => request.mode === 'navigate' || url.pathname.endsWith('/manifest.json') || url.pathname === '/update.js';

// The assets a page references (Trunk's hashed files, the manifest, the icon).
function referenced(html) {
  const out = new Set();
  for (const m of html.matchAll(/(?:href|src|module_or_path:)\s*=?\s*['"](\/[^'"?#]+)['"]/g)) out.add(m[1]);
  for (const m of html.matchAll(/import[^'"]*['"](\/[^'"]+\.js)['"]/g)) out.add(m[1]);
  return [...out];
}

// Stores the page and everything it references; drops hashed files no longer referenced.
async function cacheShell(cache, html) {
  const keep = new Set(['/', '/index.html', ...MODEL_MANIFESTS, ...referenced(html)]);
  await cache.put('/', new Response(html, { headers: { 'Content-Type': 'text/html; charset=utf-8' } }));
  for (const path of keep) {
    if (path === '/' || path === '/index.html' || (await cache.match(path))) continue;
    try {
      const response = await fetch(path);
      if (response.ok) await cache.put(path, response);
    } catch {
      // Offline while caching: the next online visit fills it in.
    }
  }
  for (const request of await cache.keys()) {
    const path = new URL(request.url).pathname;
    if (/-[0-9a-f]{8,}(_bg)?\.(js|wasm|css|svg)$/.test(path) && !keep.has(path)) await cache.delete(request);
  }
}

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      const response = await fetch('/', { cache: 'no-store' });
      if (response.ok) await cacheShell(cache, await response.text());
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('kinora-shell-') && name !== SHELL) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin || isShard(url)) return;
  event.respondWith(
    (async () => {
      const cache = await caches.open(SHELL);
      const key = request.mode === 'navigate' ? '/' : url.pathname;
      if (isFresh(request, url)) {
        try {
          const response = await fetch(request);
          if (response.ok) {
            if (request.mode === 'navigate') event.waitUntil(cacheShell(cache, await response.clone().text()));
            else await cache.put(key, response.clone());
          }
          return response;
        } catch (error) {
          const cached = await cache.match(key);
          if (cached) return cached;
          throw error;
        }
      }
      const cached = await cache.match(key);
      if (cached) return cached;
      const response = await fetch(request);
      if (response.ok) await cache.put(key, response.clone());
      return response;
    })(),
  );
});
