/**
 * An install as docs/operator-guide.md "Installing" writes it: `npm run release` makes the
 * gateway's and the kiosk's tarballs from this checkout; each is unpacked into a folder of its
 * own, outside the repository (so nothing resolves from its node_modules), and run from there as
 * the systemd units run them: the gateway becomes ready, its admin CLI makes a token, and a kiosk
 * started through boot.js pairs with a code and comes online.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { x as extractTar } from 'tar';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../support/mosquitto.js';
import { notifySocket } from '../support/notify-socket.js';
import { callApi, eventually, tempDir } from '../support/system.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

describe('install from the release tarballs', () => {
  const work = tempDir('install');
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    work.remove();
  });
  const start = (cwd: string, args: string[], env: Record<string, string> = {}) => {
    const child = spawn(process.execPath, args, { cwd, env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    children.push(child);
    return { child, output: () => output.slice(-3000) };
  };

  it('runs the gateway and a paired kiosk from unpacked tarballs', async () => {
    const built = (await run(process.execPath, [join(ROOT, 'scripts/dist/release.js'), '--out', join(work.path, 'out')], { cwd: ROOT })).stdout;
    const [gatewayTarball, kioskTarball] = built.split('\n').filter((line) => line.endsWith('.tgz'));
    expect(gatewayTarball).toMatch(/loyalty-gateway-.*\.tgz$/);
    expect(kioskTarball).toMatch(/loyalty-kiosk-agent-.*\.tgz$/);
    const gatewayDir = join(work.path, 'opt-gateway');
    const kioskDir = join(work.path, 'opt-kiosk');
    for (const [file, dir] of [
      [gatewayTarball!, gatewayDir],
      [kioskTarball!, kioskDir],
    ] as const) {
      await run('mkdir', ['-p', dir]);
      await extractTar({ file, cwd: dir });
    }

    const [httpPort, mqttPort] = [await freePort(), await freePort()];
    const gatewayEnv = { LOYALTY_GW_DATA_DIR: join(work.path, 'gateway-data'), LOYALTY_GW_HTTP_PORT: String(httpPort), LOYALTY_GW_MQTT_PORT: String(mqttPort) };
    expect((await run(process.execPath, ['gateway/dist/main.js', '--help'], { cwd: gatewayDir })).stdout).toMatch(/^usage: node gateway\/dist\/main\.js/);
    // As systemd runs it (Type=notify): the notify addon ships in the tarball and says READY=1.
    const systemd = notifySocket(join(work.path, 'notify'));
    const gateway = start(gatewayDir, ['gateway/dist/main.js'], { ...gatewayEnv, NOTIFY_SOCKET: systemd.path });
    const url = `http://127.0.0.1:${httpPort}`;
    await eventually(() => systemd.texts().some((text) => text.startsWith('READY=1')), 20_000, 'gateway READY=1').catch((error: Error) => {
      throw new Error(`${error.message}: ${gateway.output()}`);
    });
    systemd.close();
    expect((await fetch(`${url}/readyz`)).status).toBe(200);
    const token = (await run(process.execPath, ['gateway/dist/cli.js', 'token', 'create', '--role', 'admin'], { cwd: gatewayDir, env: { PATH: process.env.PATH ?? '', ...gatewayEnv } })).stdout.trim();
    expect(token).toMatch(/^lk_/);
    expect((await callApi(url, token, 'POST', '/stores', { id: 'mitte', name: 'Mitte Market', timezone: 'Europe/Berlin' })).status).toBe(201);
    const { body: enrollment } = await callApi(url, token, 'POST', '/enrollments', { storeId: 'mitte' });

    const config = join(work.path, 'kiosk.json');
    writeFileSync(config, JSON.stringify({ storeName: 'Mitte Market', stateDir: join(work.path, 'kiosk-state'), mqtt: { reconnectDelayMsMin: 100, reconnectDelayMsMax: 500 } }));
    const kiosk = start(kioskDir, ['device/dist/boot.js', '--config', config, '--pair', enrollment.code, '--gateway', url, '--kiosk-id', 'kiosk-7']);
    // Online first (its retained state at login), then its first telemetry a moment later.
    await eventually(
      async () => {
        const { body } = await callApi(url, token, 'GET', '/kiosks/kiosk-7');
        return body.online === true && body.telemetry !== null;
      },
      20_000,
      'kiosk online, with its telemetry',
    ).catch((error: Error) => {
      throw new Error(`${error.message}: ${kiosk.output()}`);
    });
    expect((await callApi(url, token, 'GET', '/kiosks/kiosk-7')).body).toMatchObject({ storeId: 'mitte', telemetry: { versions: { agent: expect.any(String) } } });
  }, 120_000);
});
