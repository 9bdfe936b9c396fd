/**
 * The touchscreen page's transitions (docs/benchmarks.md "page"): a kiosk agent with emulated
 * devices and a real gateway serves its page to Debian's Chromium (playwright-core, the system
 * binary); a card is tapped and Done pressed in turn, and each transition is timed from the
 * moment the agent takes up the new view to the frame after the page swapped it in (rendered by
 * the agent, sent over server-sent events, parsed, swapped, laid out). Chromium's CPU is measured
 * as it is and throttled 6x through the DevTools protocol, a stand-in for a Raspberry Pi 4's
 * cores. Baseline in the same run: the same screen swapped in by the page alone (no agent, no
 * event stream).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Kiosk, createEmulatedHardware, loadKioskIdentity, parseKioskConfig } from '@loyalty/device';
import { Gateway, parseGatewayConfig } from '@loyalty/gateway';
import { createLogger } from '@loyalty/protocol/node';
import { chromium } from 'playwright-core';
import { summarise, type LatencySummary } from './stats.js';

const POINTS = JSON.parse(readFileSync(fileURLToPath(new URL('../../../docs/programs/points.json', import.meta.url)), 'utf8')) as Record<string, unknown>;

export interface PageBenchOptions {
  /** Debian's chromium binary (no browser is downloaded) */
  chromium: string;
  transitions: number;
  warmup: number;
  throttles: number[];
}

export interface PageBenchRun {
  throttle: number;
  transition: LatencySummary;
  swapOnly: LatencySummary;
}

const quiet = () => createLogger({ level: 'silent', name: 'bench', destination: new Writable({ write: (_c, _e, done) => done() }) });

/** Records, in the page, when each view arrived and when the frame after its swap came (after the page's own listener ran). */
const RECORDER = `
(() => {
  const Original = window.EventSource;
  window.__transitions = [];
  window.EventSource = function (...args) {
    const source = new Original(...args);
    queueMicrotask(() =>
      source.addEventListener("view", (e) => {
        const { now, seq } = JSON.parse(e.data);
        requestAnimationFrame(() => setTimeout(() => window.__transitions.push({ seq, ms: Date.now() - now }), 0));
      }),
    );
    return source;
  };
})();
`;

export async function runPageBench(options: PageBenchOptions, progress: (m: string) => void): Promise<PageBenchRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'loyalty-bench-page-'));
  const gateway = new Gateway({ config: parseGatewayConfig({ dataDir: join(dir, 'gateway'), http: { port: 0 }, mqtt: { port: 0 }, logLevel: 'warn' }), log: quiet() });
  let kiosk: Kiosk | null = null;
  const browser = await chromium.launch({
    executablePath: options.chromium,
    args: ['--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  });
  try {
    await gateway.start();
    await gateway.directory.ensureStore({ id: 'bench', name: 'Bench', timezone: 'Europe/Berlin' });
    await gateway.programs.put('points', POINTS, 'bench');
    await gateway.programs.publish('points', undefined, 'bench');
    const customerId = await gateway.directory.createCustomer({ name: 'Анна Каренина' });
    await gateway.directory.issueCard({ number: '10009', uid: '04A1B2C3D4E5F6', programId: 'points', customerId });
    const stateDir = join(dir, 'kiosk');
    const { brokerPassword } = await gateway.registry.register('kiosk-bench', 'bench', loadKioskIdentity(stateDir).publicKey);
    const config = parseKioskConfig({
      kioskId: 'kiosk-bench',
      storeId: 'bench',
      storeName: 'Bench',
      stateDir,
      locale: 'ru',
      mqtt: { host: '127.0.0.1', port: gateway.mqttEndpoint.port, password: brokerPassword },
      gateway: { senderIds: [gateway.senderId], publicKeys: [gateway.publicKey] },
      page: { port: 0 },
      logLevel: 'warn',
    });
    const hardware = createEmulatedHardware();
    kiosk = new Kiosk(config, hardware, quiet());
    await kiosk.start();
    for (let i = 0; i < 100 && !(kiosk.link.connected && kiosk.rules.version !== null); i += 1) await new Promise((r) => setTimeout(r, 50));
    const runs: PageBenchRun[] = [];
    for (const throttle of options.throttles) {
      progress(`Chromium at ${throttle}x CPU throttling: ${options.transitions} transitions after ${options.warmup} warm-up...`);
      const page = await browser.newPage({ viewport: { width: 1024, height: 600 } });
      await page.addInitScript(RECORDER);
      const cdp = await page.context().newCDPSession(page);
      await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
      await page.goto(kiosk.pageUrl!);
      await page.waitForSelector('main[data-screen="welcome"]');
      const agent = kiosk.agent;
      type Recorded = { seq: number; ms: number };
      const recorded = () => page.evaluate(() => (window as unknown as { __transitions: Recorded[] }).__transitions);
      const transition = async () => {
        const target = agent.current.view.screen === 'welcome' ? 'member' : 'welcome';
        if (target === 'member') {
          hardware.reader.remove();
          hardware.reader.present('04A1B2C3D4E5F6');
        } else agent.pageInput({ action: 'done' });
        await agent.settled();
        // The view is on the page once its own sequence number has been recorded there.
        await page.waitForFunction(
          ([screen, seq]) => document.body.dataset.screen === screen && (window as unknown as { __transitions: Recorded[] }).__transitions.some((t) => t.seq >= (seq as number)),
          [target, agent.current.seq] as const,
          { polling: 5 },
        );
      };
      for (let i = 0; i < options.warmup; i += 1) await transition();
      const skip = (await recorded()).length;
      for (let i = 0; i < options.transitions; i += 1) await transition();
      // Each view once: its first arrival (a view sent again only moves its countdown).
      const seen = new Set<number>();
      const samples = (await recorded())
        .slice(skip)
        .filter((t) => !seen.has(t.seq) && seen.add(t.seq))
        .map((t) => t.ms);
      // Baseline: the member screen's fragment swapped in by the page itself, as many times.
      const swapOnly = await page.evaluate(async (count) => {
        const app = document.getElementById('app')!;
        const html = app.innerHTML;
        const times: number[] = [];
        for (let i = 0; i < count; i += 1) {
          const t0 = Date.now();
          app.innerHTML = i % 2 ? html : '<main class="screen welcome"><h1>Welcome!</h1></main>';
          await new Promise<void>((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)));
          times.push(Date.now() - t0);
        }
        return times;
      }, options.transitions);
      runs.push({ throttle, transition: summarise(samples), swapOnly: summarise(swapOnly) });
      await page.close();
    }
    return runs;
  } finally {
    await browser.close();
    await kiosk?.stop();
    await gateway.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
