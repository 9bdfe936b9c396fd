/**
 * Real headless Chromium for page tests: Debian's `chromium` package (installed by .ci/run),
 * driven by playwright-core pointed at the system binary; nothing is downloaded. Flags as this
 * machine needs them: no background networking (the network is closed), no GPU.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { expect } from 'vitest';
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

const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core in the page: no serious or critical violation, and the page no wider than its window;
 * then a full-page screenshot into `dir` (the docs show them). Evaluated through the debugging
 * protocol: the pages' CSP (rightly) refuses inline scripts.
 */
export async function expectAccessible(page: Page, name: string, dir: string): Promise<void> {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string; nodes: unknown[] }> }> } }).axe.run();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
  });
  expect(violations, name).toEqual([]);
  // Nothing pushes the page wider than its window (a table too wide for it scrolls in its own region).
  const widths = await page.evaluate(() => ({ page: document.documentElement.scrollWidth, window: window.innerWidth }));
  expect(widths.page, `${name}: the page is wider than its window`).toBeLessThanOrEqual(widths.window);
  await page.screenshot({ path: join(dir, `${name}.png`), fullPage: true });
}

/**
 * Records every screen of a fixed-size kiosk page whose content does not fit: after each change
 * of the page, `main` taller than its box (it would have to be scrolled to reach what is below)
 * or the page wider than the window. Read with `overflowsOf`.
 */
export async function watchOverflow(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __overflows: string[] }).__overflows = seen;
    const check = () => {
      const main = document.querySelector('main');
      if (!main) return;
      const screen = main.getAttribute('data-screen') ?? '?';
      const tall = main.scrollHeight - main.clientHeight;
      const wide = document.documentElement.scrollWidth - window.innerWidth;
      if (tall > 1 || wide > 0) {
        const entry = `${screen} (${document.documentElement.lang}): ${tall > 1 ? `${tall} px too tall` : ''}${wide > 0 ? ` ${wide} px too wide` : ''}`;
        if (!seen.includes(entry)) seen.push(entry);
      }
    };
    new MutationObserver(() => requestAnimationFrame(check)).observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

export async function overflowsOf(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __overflows?: string[] }).__overflows ?? []);
}
