/**
 * The benchmarks still run (not how fast: CI never fails on speed). A tiny run of each through
 * the built scripts, as `npm run bench` runs them, so a change that breaks a benchmark — as broker
 * authentication once did to the raw MQTT baseline — is caught by the tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/system.js';
import { describeWithSystem } from '../support/system-deps.js';
import { CHROMIUM } from '../support/browser.js';

const BENCH = fileURLToPath(new URL('../../scripts/dist/bench.js', import.meta.url));

describe('benchmarks run', () => {
  it('tap-latency and ledger complete, print their table and write their JSON', () => {
    if (!existsSync(BENCH)) throw new Error('this test runs the built benchmarks: run `npm run build` first (npm test does)');
    const out = tempDir('bench-smoke');
    try {
      const tap = spawnSync(process.execPath, [BENCH, 'tap-latency', '--kiosks', '2', '--taps', '20', '--reps', '1', '--out', out.path], { encoding: 'utf8', timeout: 60_000 });
      expect(tap.status, tap.stderr).toBe(0);
      expect(tap.stdout).toMatch(/p50\s+\d/);
      const tapJson = JSON.parse(readFileSync(`${out.path}/tap-latency.json`, 'utf8')) as {
        runs: Array<{ tap: { count: number }; raw: { count: number } }>;
        summary: Record<string, Record<string, number>>;
      };
      expect(tapJson.runs[0]).toMatchObject({ tap: { count: 20 }, raw: { count: 20 } });
      for (const at of ['p50', 'p99']) for (const field of ['tapMs', 'rawMs', 'ratio']) expect(tapJson.summary[at]![field], `${at}.${field}`).toBeGreaterThan(0);

      const ledger = spawnSync(process.execPath, [BENCH, 'ledger', '--taps', '50', '--reps', '1', '--out', out.path], { encoding: 'utf8', timeout: 60_000 });
      expect(ledger.status, ledger.stderr).toBe(0);
      expect(ledger.stdout).toMatch(/^64\s+\d/m);
      const ledgerJson = JSON.parse(readFileSync(`${out.path}/ledger.json`, 'utf8')) as { summary: { byCallers: Record<string, Record<string, number>> } };
      for (const field of ['opsPerS', 'rawTxPerS', 'ratio', 'cpuUsPerOp']) expect(ledgerJson.summary.byCallers['64']![field], field).toBeGreaterThan(0);
    } finally {
      out.remove();
    }
  }, 120_000);

  it('fleet completes with a handful of kiosks and writes its summary', () => {
    const out = tempDir('bench-fleet');
    try {
      const fleet = spawnSync(process.execPath, [BENCH, 'fleet', '--kiosks', '12', '--interval', '1', '--seconds', '2', '--out', out.path], { encoding: 'utf8', timeout: 90_000 });
      expect(fleet.status, fleet.stderr).toBe(0);
      expect(fleet.stdout).toMatch(/CPU, share of one core\s+\d/);
      const summary = (JSON.parse(readFileSync(`${out.path}/fleet.json`, 'utf8')) as { summary: Record<string, number> }).summary;
      expect(summary).toMatchObject({ kiosks: 12, kiosksReported: 12 });
      for (const field of ['gatewayCpuShare', 'gatewayRssMiB', 'bareRssMiB', 'heartbeatP99Ms']) expect(summary[field], field).toBeGreaterThan(0);
      // The bare broker's CPU over 2 s with 12 kiosks can be under one 10 ms tick of /proc: 0 is a true reading here.
      expect(summary.bareCpuShare, 'bareCpuShare').toBeGreaterThanOrEqual(0);
    } finally {
      out.remove();
    }
  }, 120_000);

  it('kiosk completes: start to ready, idle memory and a small drain, every queued earn booked', () => {
    const out = tempDir('bench-kiosk');
    try {
      const kiosk = spawnSync(process.execPath, [BENCH, 'kiosk', '--taps', '50', '--seconds', '1', '--reps', '1', '--out', out.path], { encoding: 'utf8', timeout: 90_000 });
      expect(kiosk.status, kiosk.stderr).toBe(0);
      expect(kiosk.stdout).toMatch(/start to READY=1, ms\s+\d/);
      const summary = (JSON.parse(readFileSync(`${out.path}/kiosk.json`, 'utf8')) as { summary: Record<string, number> }).summary;
      expect(summary).toMatchObject({ drainOps: 50, drainBooked: 50 });
      for (const field of ['startToReadyMs', 'bareNodeStartMs', 'idleRssMiB', 'bareNodeIdleRssMiB', 'drainSeconds']) expect(summary[field], field).toBeGreaterThan(0);
    } finally {
      out.remove();
    }
  }, 120_000);
});

describeWithSystem('the page benchmark runs', [CHROMIUM], () => {
  it('page completes in Chromium, as it is and throttled, and writes its summary', () => {
    const out = tempDir('bench-page');
    try {
      const page = spawnSync(process.execPath, [BENCH, 'page', '--quick', '--taps', '6', '--out', out.path], { encoding: 'utf8', timeout: 90_000 });
      expect(page.status, page.stderr).toBe(0);
      expect(page.stdout).toMatch(/6x: transition\s+\d/);
      const summary = (JSON.parse(readFileSync(`${out.path}/page.json`, 'utf8')) as { summary: Record<string, Record<string, number>> }).summary;
      for (const at of ['throttle1x', 'throttle6x']) for (const field of ['p50Ms', 'p99Ms', 'swapOnlyP50Ms']) expect(summary[at]![field], `${at}.${field}`).toBeGreaterThanOrEqual(0);
      expect(summary.throttle6x!.p50Ms).toBeGreaterThan(0);
    } finally {
      out.remove();
    }
  }, 120_000);
});
