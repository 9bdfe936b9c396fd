/**
 * The README's first command: `npm start` runs the gateway, pairs an emulated kiosk and hands the
 * terminal to a person. Driven here as a person would, through its stdin (scripts/dist, built by
 * `npm test` first): a tap shows the member, a till receipt earns, quit stops cleanly. A second
 * start on other ports (the README's "Ports in use?") reuses the pairing and still connects.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/mosquitto.js';
import { eventually, tempDir } from '../support/system.js';

const START = fileURLToPath(new URL('../../scripts/dist/start.js', import.meta.url));

async function demo(dataDir: string) {
  const [http, mqtt] = [await freePort(), await freePort()];
  const child = spawn(process.execPath, [START], {
    env: { PATH: process.env.PATH ?? '', LOYALTY_GW_DATA_DIR: dataDir, LOYALTY_GW_HTTP_PORT: String(http), LOYALTY_GW_MQTT_PORT: String(mqtt) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const type = (line: string) => child.stdin!.write(`${line}\n`);
  const see = (text: string, what: string) =>
    eventually(() => output.includes(text), 20_000, what).catch((error: Error) => {
      throw new Error(`${error.message}:\n${output.slice(-3000)}`);
    });
  const quit = async () => {
    const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
    type('quit');
    return exited;
  };
  return { child, type, see, quit, output: () => output };
}

/**
 * What a 12.50 receipt earns Anna in the demo (docs/programs/points.json): 125 points and the
 * welcome bonus of 100, plus 20 in the happy hour (weekdays 17:00-19:00 in the demo store's
 * Berlin time). The tests run on the wall clock, so at whatever hour CI runs them.
 */
function demoEarn(slip: string): number {
  const happyHour = /Happy hour: \+20 points\s+\+20/.test(slip);
  const now = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', hourCycle: 'h23' }).formatToParts(new Date());
  const hour = Number(now.find((p) => p.type === 'hour')!.value);
  const weekday = now.find((p) => p.type === 'weekday')!.value;
  // Within a minute of 17:00 or 19:00 either may be right; otherwise the slip must agree with the clock.
  const nearEdge = [16, 17, 18, 19].includes(hour) && [0, 59].includes(new Date().getUTCMinutes());
  if (!nearEdge) expect(happyHour).toBe(!['Sat', 'Sun'].includes(weekday) && hour >= 17 && hour < 19);
  return happyHour ? 245 : 225;
}

describe('npm start', () => {
  const data = tempDir('demo');
  afterAll(() => data.remove());
  let earned = 0;

  it('pairs the kiosk, shows a member on a tap, earns from a till receipt, and stops cleanly', async () => {
    const run = await demo(data.path);
    // Typed at once, before anything is on screen: the prompt waits for the kiosk to be online.
    run.type('tap 04A1B2C3D4E5F6');
    await run.see('| Hello Anna K.        |', 'member screen');
    expect(run.output()).toMatch(/admin token: lk_/);
    expect(run.output()).not.toContain('Kiosk offline');
    run.type('receipt 12.50');
    // The slip prints after the screen: both waited for, not raced.
    await run.see('Points earned', 'the earn slip');
    earned = demoEarn(run.output());
    await run.see(`| Balance: ${earned}         |`, 'points collected');
    expect(run.output()).toMatch(new RegExp(`Points earned\\s+\\+${earned}`));
    expect(await run.quit()).toBe(0);
    expect(run.output()).toContain('stopped cleanly');
  }, 60_000);

  it('starts again on other ports with the same data and the kiosk still connects', async () => {
    const run = await demo(data.path);
    run.type('tap 10009');
    await run.see('| Hello Anna K.        |', 'member screen after a restart on other ports');
    expect(earned).toBeGreaterThan(0);
    expect(run.output()).toContain(`| Points: ${earned}          |`);
    expect(await run.quit()).toBe(0);
  }, 60_000);
});
