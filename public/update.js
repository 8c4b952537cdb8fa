// Registers the service worker (offline use) and offers a new version when the server
// has one: the page compares its own app script with the one the server's page names
// now, and shows a banner with a Reload button. Nothing reloads by itself, so a render in
// progress is never interrupted; clips are kept in this device's storage either way.
(() => {
  if (!('serviceWorker' in navigator)) return;
  navigator.serviceWorker.register('/sw.js').catch((e) => console.warn('offline use unavailable:', e));

  const appScript = (root) => {
    const link = root.querySelector('link[rel="modulepreload"][href*="/app-"]');
    return link ? link.getAttribute('href') : null;
  };

  async function check() {
    if (!navigator.onLine) return;
    try {
      const response = await fetch('/', { cache: 'no-store' });
      if (!response.ok) return;
      const fresh = appScript(new DOMParser().parseFromString(await response.text(), 'text/html'));
      const running = appScript(document);
      if (fresh && running && fresh !== running) offer();
    } catch {
      // Offline or the server is away: nothing to offer.
    }
  }

  function offer() {
    if (document.querySelector('[data-testid="update-banner"]')) return;
    const banner = document.createElement('div');
    banner.className = 'update-banner';
    banner.dataset.testid = 'update-banner';
    banner.setAttribute('role', 'status');
    banner.textContent = 'A new version of Kinora is ready. It loads when you reload; your clips are kept. ';
    const button = document.createElement('button');
    button.textContent = 'Reload now';
    button.addEventListener('click', () => location.reload());
    banner.append(button);
    document.body.prepend(banner);
  }

  addEventListener('load', () => setTimeout(check, 5_000));
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') check();
  });
  setInterval(check, 30 * 60 * 1000);
})();
