/// <reference lib="dom" />
/**
 * Protected pages in a real browser (headless Debian Chromium): without credentials the 401
 * page shows (a person would see the browser's password prompt over it); with the right user
 * and password, Basic and Digest pages render; a wrong password stays refused. Screenshots
 * go to test-output/screenshots/.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { basicControlFile, digestControlFile } from '../helpers/auth-client.js';
import { browserUnavailable, launchChromium, screenshotDir } from '../helpers/browser.js';
import { makeTempSite, startPorta, type PortaServer, type TempSite } from '../helpers/porta-server.js';

const T = { timeout: 60_000 };
const unavailable = browserUnavailable();

describe('protected pages in a real browser', { skip: unavailable }, () => {
  let site: TempSite;
  let porta: PortaServer;
  let browser: Browser;
  let shots: string;

  before(async () => {
    site = await makeTempSite({
      'basic/index.html': '<!DOCTYPE html><title>Members</title><h1 id="title">Members only</h1>',
      'basic/WeMustProtectThisHouse!': basicControlFile('Members', { alice: 'wonderland' }),
      'digest/index.html': '<!DOCTYPE html><title>Team</title><h1 id="title">Team room</h1><img id="img" src="logo.svg" alt="">',
      'digest/logo.svg': '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>',
      'digest/WeMustProtectThisHouse!': digestControlFile('Team', { carol: 'secret' }),
    });
    porta = await startPorta({ root: site.root });
    browser = await launchChromium();
    shots = await screenshotDir();
  });

  after(async () => {
    await browser?.close();
    await porta?.close();
    await site?.cleanup();
  });

  const url = (path: string): string => `http://127.0.0.1:${porta.port}${path}`;

  async function visit(path: string, credentials?: { username: string; password: string }): Promise<{ status: number | undefined; title: string | null; shot: (name: string) => Promise<void> }> {
    const context = await browser.newContext(credentials !== undefined ? { httpCredentials: credentials } : {});
    const page = await context.newPage();
    const response = await page.goto(url(path));
    const status = response?.status();
    const title = await page.textContent('h1');
    return {
      status,
      title,
      shot: async (name) => {
        await page.screenshot({ path: join(shots, name) });
        await context.close();
      },
    };
  }

  test('without credentials the browser is challenged, and the 401 page shows nothing of the page', T, async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    // Headless Chromium has no prompt to show: being challenged, it gives up on the navigation.
    await assert.rejects(page.goto(url('/basic/')), /ERR_INVALID_AUTH_CREDENTIALS/);
    // The page a person sees behind (or after cancelling) the prompt.
    const response = await context.request.get(url('/basic/'));
    assert.equal(response.status(), 401);
    assert.equal(response.headers()['www-authenticate'], 'Basic realm="Members"');
    const html = await response.text();
    assert.ok(!html.includes('Members only'));
    // A page of its own: the failed navigation still turns the first page into Chromium's
    // error page, which would replace content set on it meanwhile.
    const view = await context.newPage();
    await view.setContent(html);
    assert.equal(await view.textContent('h1'), '401 Unauthorized');
    await view.screenshot({ path: join(shots, 'auth-401.png') });
    await context.close();
  });

  test('Basic: the right user and password show the page, and the log names the user', T, async () => {
    const ok = await visit('/basic/', { username: 'alice', password: 'wonderland' });
    assert.equal(ok.status, 200);
    assert.equal(ok.title, 'Members only');
    await ok.shot('auth-basic.png');
    assert.ok(porta.logLines.some((line) => / - alice \[.*"GET \/basic\/ HTTP\/1\.1" 200 /.test(line)), porta.logLines.join('\n'));
  });

  test('Basic: a wrong password stays refused', T, async () => {
    const refused = await visit('/basic/', { username: 'alice', password: 'nope' });
    assert.equal(refused.status, 401);
    await refused.shot('auth-basic-refused.png');
  });

  test('Digest: the right user and password show the page and its image', T, async () => {
    const context = await browser.newContext({ httpCredentials: { username: 'carol', password: 'secret' } });
    const page = await context.newPage();
    const response = await page.goto(url('/digest/'));
    assert.equal(response?.status(), 200);
    assert.equal(await page.textContent('h1'), 'Team room');
    await page.waitForFunction(() => (document.getElementById('img') as HTMLImageElement).complete);
    assert.equal(await page.$eval('#img', (img) => (img as HTMLImageElement).naturalWidth), 10);
    await page.screenshot({ path: join(shots, 'auth-digest.png') });
    await context.close();
    assert.ok(porta.logLines.some((line) => / - carol \[.*"GET \/digest\/logo\.svg HTTP\/1\.1" 200 /.test(line)), porta.logLines.join('\n'));
  });

  test('Digest: a wrong password stays refused', T, async () => {
    const refused = await visit('/digest/', { username: 'carol', password: 'wrong' });
    assert.equal(refused.status, 401);
    await refused.shot('auth-digest-refused.png');
  });
});

if (unavailable !== undefined) {
  test(`browser tests skipped: ${unavailable}`, { skip: unavailable }, () => undefined);
}
