/**
 * Headless Chromium for the browser tests: Debian's `chromium` package driven by
 * playwright-core (no browser download). Tests skip with a clear message where the browser
 * is not installed (`.ci/run` installs it where it can).
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM_PATH = process.env.PORTA_CHROMIUM ?? '/usr/bin/chromium';

/** Why browser tests cannot run here, or undefined when they can. */
export function browserUnavailable(): string | undefined {
  return existsSync(CHROMIUM_PATH) ? undefined : `no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set PORTA_CHROMIUM)`;
}

/**
 * The flags a sandboxed CI machine needs: no sandbox (running as root), no GPU, and none of
 * Chromium's background connections (the network is closed; they would only fail).
 */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 30_000 });
}

/** Where screenshots go (git-ignored): test-output/screenshots/ in the repository. */
export async function screenshotDir(): Promise<string> {
  const dir = fileURLToPath(new URL('../../../test-output/screenshots/', import.meta.url));
  await mkdir(dir, { recursive: true });
  return dir;
}
