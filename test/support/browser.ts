/**
 * Real headless Chromium for page tests: Debian's `chromium` package (installed by .ci/run),
 * driven by playwright-core pointed at the system binary; nothing is downloaded. Flags as this
 * machine needs them: no background networking (the network is closed), no GPU.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Where screenshots of failed page tests go (kept by CI as the test output). */
export const SCREENSHOT_DIR = join(process.cwd(), 'test-output', 'screenshots');

/** Saves a screenshot of the page under test-output/screenshots/<name>.png; returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name.replace(/[^A-Za-z0-9_-]+/g, '-')}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
