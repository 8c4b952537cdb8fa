// Safety and consent in the real page: refusals before any compute, and the full cameo
// lifecycle between two devices (two browser profiles): create from a photo, grant,
// import, use, export a clip with the cameo (stored encrypted in the gallery), persist
// across reload, revoke, and the revocation taking effect — the clip is deleted and its
// bytes are gone from IndexedDB.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serveDist, launch, watch } from './harness.mjs';
import { png } from './png.mjs';

const FIXTURES = process.env.KINORA_FIXTURES;

let server;
before(async () => {
  assert.ok(FIXTURES, 'KINORA_FIXTURES must point at the world render (cargo xtask test sets it)');
  server = await serveDist();
});
after(async () => {
  await server.close();
});

async function open(context) {
  const page = await context.newPage();
  const seen = watch(page);
  await page.goto(server.origin + '/');
  await page.locator('[data-testid="device-key"]').filter({ hasText: /\S{20,}/ }).waitFor();
  return { page, seen };
}

async function refusal(page, prompt) {
  await page.locator('[data-testid="prompt"]').fill(prompt);
  const r = page.locator('[data-testid="prompt-refusal"]');
  return (await r.count()) ? r.getAttribute('data-category') : null;
}

// Opens the world render and exports it under `prompt` with the built-in encoder.
async function exportClip(page, prompt) {
  await page.locator('[data-testid="prompt"]').fill(prompt);
  if (!(await page.locator('[data-testid="export"]').isEnabled())) {
    await page.locator('[data-testid="clip-video"]').setInputFiles(join(FIXTURES, 'ball.y4m'));
    await page.locator('[data-testid="clip-audio"]').setInputFiles(join(FIXTURES, 'ball.wav'));
    await page.locator('[data-testid="clip-open"]').click();
    await page.locator('[data-testid="export-status"]').filter({ hasText: 'Clip ready' }).waitFor();
    await page.locator('[data-testid="export-encoder"]').selectOption('rust');
  }
  const before = await page.locator('[data-testid="gallery-clip"]').count();
  await page.locator('[data-testid="export"]').click();
  await page.locator('[data-testid="export-status"]').filter({ hasText: 'saved to Your clips' }).waitFor({ timeout: 120_000 });
  await page.waitForFunction((n) => document.querySelectorAll('[data-testid="gallery-clip"]').length === n + 1, before);
}

// The raw records of one of the gallery's IndexedDB stores, by id: descriptions
// (`clip_meta`) as stored, bytes (`clip_data`) summarized (first bytes, length, whether an
// MP4 box name appears anywhere).
function storedRecords(page, store) {
  return page.evaluate(
    (store) =>
      new Promise((resolve, reject) => {
        const open = indexedDB.open('kinora');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const out = {};
          const cursor = open.result.transaction(store).objectStore(store).openCursor();
          cursor.onsuccess = () => {
            const c = cursor.result;
            if (!c) return resolve(out);
            if (typeof c.value === 'string') {
              out[c.key] = c.value;
            } else {
              const bytes = new Uint8Array(c.value);
              out[c.key] = { head: String.fromCharCode(...bytes.slice(0, 12)), length: bytes.length,
                hasFtyp: new TextDecoder('latin1').decode(bytes).includes('ftypisom') };
            }
            c.continue();
          };
          cursor.onerror = () => reject(cursor.error);
        };
      }),
    store,
  );
}

async function playsInGallery(item) {
  await item.locator('[data-testid="gallery-play"]').click();
  return item.locator('[data-testid="gallery-video"]').evaluate(
    (v) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('gallery video did not load')), 30_000);
        const done = () => { clearTimeout(timer); resolve({ width: v.videoWidth, duration: v.duration }); };
        if (v.readyState >= 1) done();
        v.addEventListener('loadedmetadata', done);
        v.addEventListener('error', () => reject(new Error(`video error ${v.error && v.error.code}`)));
      }),
  );
}

async function downloadFrom(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), button.click()]);
  return readFile(await download.path(), 'utf8');
}

test('disallowed prompts are refused with a reason as they are typed', async () => {
  const { context, close } = await launch({ webgpu: false });
  try {
    const { page, seen } = await open(context);
    assert.equal(await refusal(page, 'a p0rn video'), 'sexual');
    assert.match(await page.locator('[data-testid="prompt-refusal"]').innerText(), /Refused: Sexual content/);
    assert.equal(await refusal(page, 'Obama dancing in the rain'), 'public_figure');
    assert.equal(await refusal(page, 'FREE B1TC0IN, click the link'), 'spam');
    assert.equal(await refusal(page, '@bob waves hello'), 'cameo');
    assert.equal(await refusal(page, 'my neighbour John Smith falls off a ladder'), 'private_person');
    assert.match(await page.locator('[data-testid="prompt-refusal"]').innerText(), /A real person, by name/);
    assert.equal(await refusal(page, 'a shooting star over the hills at night'), null);
    assert.equal(await refusal(page, 'a red ball bounces on the grass at sunset'), null);
    assert.deepEqual(seen.errors, []);
  } finally {
    await close();
  }
});

test('cameo lifecycle across two devices: grant, use, reload, revoke', async () => {
  const owner = await launch({ webgpu: false });
  const grantee = await launch({ webgpu: false });
  try {
    const a = await open(owner.context);
    const b = await open(grantee.context);
    const granteeKey = await b.page.locator('[data-testid="device-key"]').innerText();

    // Owner makes @alice from a photo (hair / skin / shirt bands); the photo is not kept.
    const photo = png(48, 64, (x, y) => (y < 12 ? [40, 25, 10] : y < 48 ? [225, 185, 150] : [30, 70, 200]));
    await a.page.locator('[data-testid="cameo-handle"]').fill('Alice');
    await a.page.locator('[data-testid="cameo-photo"]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: photo });
    await a.page.locator('[data-testid="cameo-create"]').click();
    await a.page.locator('[data-testid="cameo-status"]').filter({ hasText: 'Cameo @alice created' }).waitFor();
    assert.equal(await refusal(a.page, '@alice waves at the camera'), null, 'owners may use their own cameo');

    // A bad photo gets a clear message.
    await a.page.locator('[data-testid="cameo-handle"]').fill('bob');
    await a.page.locator('[data-testid="cameo-photo"]').setInputFiles({ name: 'x.png', mimeType: 'image/png', buffer: Buffer.from('not a png') });
    await a.page.locator('[data-testid="cameo-create"]').click();
    await a.page.locator('[data-testid="cameo-status"]').filter({ hasText: 'Could not create the cameo' }).waitFor();

    // Grant to the other device.
    const item = a.page.locator('li.owned[data-handle="alice"]');
    await item.locator('[data-testid="grant-grantee"]').fill(granteeKey);
    const grant = await downloadFrom(a.page, item.locator('[data-testid="grant-download"]'));
    assert.match(grant, /"kinora": "grant"/);

    // Grantee: refused before, a tampered grant is refused, the real one works.
    assert.equal(await refusal(b.page, '@alice waves at the camera'), 'cameo');
    const tampered = grant.replace(/"expires_at": (\d+)/, (_, n) => `"expires_at": ${Number(n) + 86400000}`);
    const importFile = (text) =>
      b.page.locator('[data-testid="consent-import"]').setInputFiles({ name: 'g.json', mimeType: 'application/json', buffer: Buffer.from(text) });
    await importFile(tampered);
    await b.page.locator('[data-testid="cameo-status"]').filter({ hasText: 'Grant refused: the signature does not match' }).waitFor();
    await importFile(grant);
    await b.page.locator('[data-testid="cameo-status"]').filter({ hasText: 'Grant imported: you may now use @alice' }).waitFor();
    assert.equal(await refusal(b.page, '@alice waves at the camera'), null);

    // The grant survives a reload (IndexedDB).
    await b.page.reload();
    await b.page.locator('[data-testid="granted-cameos"] li[data-handle="alice"][data-usable="true"]').waitFor();
    assert.equal(await refusal(b.page, '@alice waves at the camera'), null);

    // The grantee exports a clip with @alice and one without: the first is stored
    // encrypted under the cameo's key, the second as a plain MP4; both play from the
    // gallery, and both survive a reload.
    await exportClip(b.page, 'a red ball bounces on the grass at sunset');
    await exportClip(b.page, '@alice waves at the camera');
    const sealed = b.page.locator('[data-testid="gallery-clip"][data-sealed="true"]');
    const plain = b.page.locator('[data-testid="gallery-clip"][data-sealed="false"]');
    assert.equal(await sealed.count(), 1);
    assert.equal(await plain.count(), 1);
    assert.equal(await sealed.getAttribute('data-cameos'), 'alice');
    const sealedId = await sealed.getAttribute('data-id');
    const plainId = await plain.getAttribute('data-id');
    let stored = await storedRecords(b.page, 'clip_data');
    assert.equal(stored[sealedId].head.slice(0, 4), 'KSC1', 'a cameo clip is stored sealed');
    assert.equal(stored[sealedId].hasFtyp, false, 'no readable MP4 inside the sealed record');
    assert.equal(stored[plainId].hasFtyp, true);
    const metas = await storedRecords(b.page, 'clip_meta');
    assert.ok(!metas[sealedId].includes('alice') && !metas[sealedId].includes('waves'), 'a sealed clip\'s description names neither prompt nor cameo');
    assert.ok(metas[plainId].includes('red ball'));
    await b.page.reload();
    await b.page.locator('[data-testid="gallery-clip"]').nth(1).waitFor();
    assert.equal(await sealed.getAttribute('data-cameos'), 'alice', 'its words are unsealed after a reload');
    assert.match(await sealed.innerText(), /@alice waves at the camera/);
    for (const item of [sealed, plain]) {
      const { width, duration } = await playsInGallery(item);
      assert.equal(width, 128);
      assert.ok(Math.abs(duration - 2) < 0.1, `duration ${duration}`);
    }

    // The whole gallery saves as one file, the sealed clip still sealed in it.
    const galleryFile = await downloadFrom(b.page, b.page.locator('[data-testid="gallery-export"]'));
    const saved = JSON.parse(galleryFile);
    assert.equal(saved.format, 'kinora-gallery');
    assert.equal(saved.clips.length, 2);
    assert.ok(!galleryFile.includes('alice') && !galleryFile.includes('waves'), 'the file names neither the sealed prompt nor its cameo');
    await b.page.locator('[data-testid="gallery-status"]').filter({ hasText: 'Saved 2 clips to one file' }).waitFor();
    const importGallery = (page, text) =>
      page.locator('[data-testid="gallery-import"]').setInputFiles({ name: 'gallery.json', mimeType: 'application/json', buffer: Buffer.from(text) });

    // Owner revokes; the grantee imports the revocation and loses access at once, and
    // the clip that used @alice is deleted (its key was shredded first).
    const revocation = await downloadFrom(a.page, item.locator('[data-testid="cameo-revoke"]'));
    assert.equal(await refusal(a.page, '@alice waves at the camera'), 'cameo');
    await importFile(revocation);
    await b.page.locator('[data-testid="cameo-status"]').filter({ hasText: 'Revocation imported' }).waitFor();
    await b.page.locator('[data-testid="gallery-status"]').filter({ hasText: '1 clip(s) that used a revoked cameo were deleted' }).waitFor();
    assert.equal(await sealed.count(), 0);
    assert.equal(await plain.count(), 1, 'clips without the cameo stay');
    stored = await storedRecords(b.page, 'clip_data');
    assert.deepEqual(Object.keys(stored), [plainId], 'the sealed bytes are gone from IndexedDB');
    assert.deepEqual(Object.keys(await storedRecords(b.page, 'clip_meta')), [plainId], 'and so is its description (with the prompt)');
    await b.page.reload();
    await b.page.locator('[data-testid="gallery-clip"]').first().waitFor();
    assert.equal(await b.page.locator('[data-testid="gallery-clip"]').count(), 1);
    assert.equal(await refusal(b.page, '@alice waves at the camera'), 'cameo');
    await importFile(grant); // replaying the old grant does not bring it back
    await b.page.locator('[data-testid="cameo-status"]').filter({ hasText: 'Grant refused: the owner revoked this cameo' }).waitFor();

    // Importing the saved gallery file: a damaged file adds nothing; the good one adds
    // back only what may be here — the plain clip is already here, the sealed one uses
    // the revoked cameo and is deleted again at once.
    await importGallery(b.page, galleryFile.slice(0, galleryFile.length / 2));
    await b.page.locator('[data-testid="gallery-status"]').filter({ hasText: 'Nothing was added: this is not a Kinora gallery file' }).waitFor();
    await importGallery(b.page, galleryFile);
    await b.page.locator('[data-testid="gallery-status"]').filter({ hasText: 'Added 1 clip from the file (1 already here).' }).waitFor();
    assert.equal(await b.page.locator('[data-testid="gallery-clip"]').count(), 1);
    assert.deepEqual(Object.keys(await storedRecords(b.page, 'clip_data')), [plainId], 'the revoked cameo\'s clip did not come back');
    // On the owner's device (no clips yet) the plain clip arrives and plays.
    await importGallery(a.page, galleryFile);
    await a.page.locator('[data-testid="gallery-status"]').filter({ hasText: 'Added 2 clips from the file.' }).waitFor();
    const arrived = a.page.locator(`[data-testid="gallery-clip"][data-id="${plainId}"]`);
    await arrived.waitFor();
    assert.equal((await playsInGallery(arrived)).width, 128);
    assert.equal(await a.page.locator('[data-testid="gallery-clip"][data-sealed="true"]').count(), 0, 'the revoked cameo\'s clip is not kept');

    // Nothing left either page: every request stayed on the origin and carried no cameo data.
    for (const { seen } of [a, b]) {
      assert.deepEqual(seen.errors, []);
      for (const url of seen.requests) {
        assert.ok(url.startsWith(server.origin) || url.startsWith('blob:') || url.startsWith('data:'), url);
        assert.ok(!url.includes('alice') && !url.includes(granteeKey.slice(0, 16)), url);
      }
    }
  } finally {
    await owner.close();
    await grantee.close();
  }
});

test('two tabs of one device: each sees what the other saved, and neither save loses the other\'s', async () => {
  const device = await launch({ webgpu: false });
  try {
    const one = await open(device.context);
    const two = await open(device.context);
    const photo = png(48, 64, (x, y) => (y < 12 ? [20, 20, 20] : y < 48 ? [200, 160, 120] : [200, 40, 40]));
    const create = async (page, handle) => {
      await page.locator('[data-testid="cameo-handle"]').fill(handle);
      await page.locator('[data-testid="cameo-photo"]').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: photo });
      await page.locator('[data-testid="cameo-create"]').click();
      await page.locator('[data-testid="cameo-status"]').filter({ hasText: `Cameo @${handle} created` }).waitFor();
    };
    // Tab one creates @alice: tab two, open all along, shows it without a reload.
    await create(one.page, 'alice');
    await two.page.locator('li.owned[data-handle="alice"]').waitFor();
    assert.equal(await refusal(two.page, '@alice waves at the camera'), null);
    // Tab two creates @bob and saves; tab one still has both, and so does storage.
    await create(two.page, 'bob');
    await one.page.locator('li.owned[data-handle="bob"]').waitFor();
    await one.page.reload();
    await one.page.locator('li.owned[data-handle="alice"]').waitFor();
    await one.page.locator('li.owned[data-handle="bob"]').waitFor();
    for (const { seen } of [one, two]) assert.deepEqual(seen.errors, []);
  } finally {
    await device.close();
  }
});
