/// <reference lib="dom" />
/**
 * The pages a person looks at, in a real browser (headless Debian Chromium): a directory
 * listing and a link followed from it, a UTF-8 page without a <meta charset> (the charset
 * comes from the Content-Type alone), the 404 page, and a video played and sought, which
 * only works when ranges do. Screenshots go to test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { browserUnavailable, launchChromium, screenshotDir } from '../helpers/browser.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';

const T = { timeout: 60_000 };
const UNICODE = 'Grüße aus Köln: 日本語, русский, café ✓';
const VIDEO = fileURLToPath(new URL('../../../examples/site/media/countdown.webm', import.meta.url));

const unavailable = browserUnavailable();

describe('pages in a real browser', { skip: unavailable }, () => {
  let site: TempSite;
  let porta: PortaServer;
  let browser: Browser;
  let page: Page;
  let shots: string;

  before(async () => {
    site = await makeTempSite({
      'docs/guide.html': '<!DOCTYPE html><title>Guide</title><h1 id="title">The guide</h1>',
      'docs/notes.txt': 'notes\n',
      'docs/name with spaces & more.txt': 'spaces\n',
      'unicode.txt': `${UNICODE}\n`,
      'unicode.html': `<!DOCTYPE html><title>Unicode</title><p id="text">${UNICODE}</p>`,
      'media/countdown.webm': await readFile(VIDEO),
      'media/player.html':
        '<!DOCTYPE html><title>Player</title><video id="v" src="countdown.webm" muted preload="auto" width="320" height="180" controls></video>',
    });
    porta = await startPorta({ root: site.root });
    browser = await launchChromium();
    page = await browser.newPage();
    shots = await screenshotDir();
  });

  after(async () => {
    await browser?.close();
    await porta?.close();
    await site?.cleanup();
  });

  const url = (path: string): string => `http://127.0.0.1:${porta.port}${path}`;

  test('the listing shows every entry as a link, and following one opens the page', T, async () => {
    const response = await page.goto(url('/docs/'));
    assert.equal(response?.status(), 200);
    const links = await page.$$eval('a', (anchors) => anchors.map((a) => a.textContent));
    assert.deepEqual(links, ['../', 'guide.html', 'name with spaces & more.txt', 'notes.txt']);
    await page.screenshot({ path: join(shots, 'listing.png') });
    await Promise.all([page.waitForURL(url('/docs/guide.html')), page.click('text=guide.html')]);
    assert.equal(await page.textContent('#title'), 'The guide');
    await Promise.all([page.waitForURL(/name%20with%20spaces/), page.goBack().then(() => page.click('text=name with spaces & more.txt'))]);
    assert.equal((await page.textContent('body'))?.trim(), 'spaces');
  });

  test('UTF-8 text and HTML without a meta charset render without mojibake', T, async () => {
    await page.goto(url('/unicode.txt'));
    assert.equal((await page.textContent('body'))?.trim(), UNICODE);
    await page.goto(url('/unicode.html'));
    assert.equal(await page.textContent('#text'), UNICODE);
    await page.screenshot({ path: join(shots, 'unicode.png') });
  });

  test('the 404 page says what went wrong', T, async () => {
    const response = await page.goto(url('/no/such/page'));
    assert.equal(response?.status(), 404);
    assert.equal(await page.textContent('h1'), '404 Not Found');
    assert.match((await page.textContent('body')) ?? '', /does not exist/);
    await page.screenshot({ path: join(shots, 'not-found.png') });
  });

  test('a video plays and seeks (ranges)', T, async () => {
    const before = porta.logLines.length;
    await page.goto(url('/media/player.html'));
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).readyState >= 2);
    const duration = await page.$eval('#v', (v) => (v as HTMLVideoElement).duration);
    assert.ok(duration > 3, `duration ${duration}`);
    await page.$eval('#v', (v) => {
      const video = v as HTMLVideoElement;
      video.currentTime = video.duration - 1;
    });
    await page.waitForFunction(() => {
      const video = document.getElementById('v') as HTMLVideoElement;
      return !video.seeking && video.currentTime > video.duration - 1.5 && video.readyState >= 2;
    });
    await page.$eval('#v', (v) => (v as HTMLVideoElement).play());
    await page.waitForFunction(() => (document.getElementById('v') as HTMLVideoElement).currentTime >= (document.getElementById('v') as HTMLVideoElement).duration - 0.9);
    await page.screenshot({ path: join(shots, 'video.png') });
    const videoLines = porta.logLines.slice(before).filter((line) => line.includes('/media/countdown.webm'));
    assert.ok(videoLines.some((line) => / 206 \d+$/.test(line)), `range requests answered 206: ${videoLines.join(' | ')}`);
  });
});

if (unavailable !== undefined) {
  test(`browser tests skipped: ${unavailable}`, { skip: unavailable }, () => undefined);
}
