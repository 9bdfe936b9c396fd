/**
 * Signed agent updates end to end (docs/fleet.md "Agent updates"): releases built, signed and
 * uploaded with the admin CLI as an operator does; a kiosk agent in its own process, started
 * through device/dist/boot.js and restarted like systemd restarts it; update_agent sent over the
 * real broker. A good release installs and reports; a release signed with a key the kiosk does
 * not trust, a tarball altered on the gateway's disk (hash mismatch), one altered in transit
 * (longer than signed), a release that crashes on start and one that never connects each end with
 * the previous version running and the reason reported.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createServer, type Server } from 'node:http';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { c as createTar, x as extractTar } from 'tar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKioskIdentity } from '@loyalty/device';
import type { Gateway } from '@loyalty/gateway';
import { callApi, eventually, seed, startGateway, STORE, tempDir } from '../support/system.js';
import { Supervisor } from '../support/supervisor.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const CLI = join(ROOT, 'gateway/dist/cli.js');
const FACTORY_VERSION = (JSON.parse(readFileSync(join(ROOT, 'device/package.json'), 'utf8')) as { version: string }).version;

describe('signed agent updates', () => {
  const gwDir = tempDir('gw-update');
  const kioskDir = tempDir('kiosk-update');
  const work = tempDir('releases');
  let gateway: Gateway;
  let admin = '';
  let agent: Supervisor;
  let good = '';
  const keys = { trusted: join(work.path, 'trusted.pem'), other: join(work.path, 'other.pem'), stranger: join(work.path, 'stranger.pem') };

  // Not execFileSync: the gateway runs in this process and must answer the upload.
  const cli = async (...args: string[]) => (await promisify(execFile)(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, LOYALTY_ADMIN_TOKEN: admin } })).stdout;
  const publicKeyOf = (output: string) => output.trim().split('\n').at(-1)!;
  const call = (method: string, path: string, body?: unknown) => callApi(gateway.httpUrl, admin, method, path, body);
  const runningVersion = async () => (await call('GET', '/kiosks/kiosk-1')).body.telemetry?.versions?.agent as string | undefined;
  const finalState = async (commandId: string) =>
    eventually(
      async () => {
        const { body } = await call('GET', `/kiosks/kiosk-1/commands/${commandId}`);
        return ['succeeded', 'failed', 'rejected', 'expired'].includes(body.state) ? body : null;
      },
      60_000,
      'the update command to end',
    );
  const update = async (version: string) => (await call('POST', '/kiosks/kiosk-1/commands', { type: 'update_agent', args: { version }, ttlSeconds: 600 })).body;
  /** A variant of the good release: another version whose main.js is replaced. */
  const variant = async (version: string, main: string): Promise<string> => {
    const dir = join(work.path, `unpacked-${version}`);
    mkdirSync(dir);
    await extractTar({ file: good, cwd: dir });
    const manifest = JSON.parse(readFileSync(join(dir, 'release.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'release.json'), JSON.stringify({ ...manifest, version }));
    const pkg = JSON.parse(readFileSync(join(dir, 'device/package.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, 'device/package.json'), JSON.stringify({ ...pkg, version }));
    writeFileSync(join(dir, 'device/dist/main.js'), main);
    const file = join(work.path, `agent-${version}.tgz`);
    await createTar({ gzip: true, file, cwd: dir, portable: true }, ['release.json', 'device', 'node_modules']);
    writeFileSync(`${file}.json`, JSON.stringify({ version }));
    return file;
  };
  const signAndUpload = async (file: string, key = keys.trusted) => {
    await cli('release', 'sign', file, '--key', key);
    return cli('release', 'upload', file, '--gateway', gateway.httpUrl);
  };

  beforeAll(async () => {
    const trusted = publicKeyOf(await cli('release', 'keygen', '--key', keys.trusted));
    const other = publicKeyOf(await cli('release', 'keygen', '--key', keys.other));
    await cli('release', 'keygen', '--key', keys.stranger);
    // The gateway accepts both keys; the kiosk trusts only one (a gateway's word is not enough).
    ({ gateway } = await startGateway(gwDir.path, { fleet: { releaseKeys: [trusted, other] } }));
    await seed(gateway);
    admin = (await gateway.tokens.create('admin', 'updates')).token;

    const identity = loadKioskIdentity(kioskDir.path);
    const { brokerPassword } = await gateway.registry.register('kiosk-1', STORE.id, identity.publicKey);
    const config = join(work.path, 'kiosk.json');
    writeFileSync(
      config,
      JSON.stringify({
        kioskId: 'kiosk-1',
        storeId: STORE.id,
        stateDir: kioskDir.path,
        mqtt: { host: '127.0.0.1', port: gateway.mqttEndpoint.port, password: brokerPassword, reconnectDelayMsMin: 100, reconnectDelayMsMax: 500 },
        gateway: { senderIds: [gateway.senderId], publicKeys: [gateway.publicKey] },
        heartbeatIntervalMs: 1000,
        updates: { releaseKeys: [trusted], healthDeadlineSeconds: 8, maxStarts: 2 },
      }),
    );
    agent = new Supervisor(['--config', config]);
    agent.start();

    const built = await cli('release', 'build', '--version', '0.2.0', '--out', work.path);
    good = built.trim().split('\n')[0]!;
    expect(await signAndUpload(good)).toContain('uploaded release 0.2.0');
    await eventually(async () => (await runningVersion()) === FACTORY_VERSION, 20_000, 'the installed agent online');
  }, 120_000);

  afterAll(async () => {
    await agent?.stop();
    await gateway?.stop();
    for (const dir of [gwDir, kioskDir, work]) dir.remove();
  });

  const withOutput = <T>(value: T) => ({ value, output: () => agent.output().slice(-4000) });

  it('installs a good release beside the running one, restarts into it and reports it', async () => {
    const command = await update('0.2.0');
    expect(command).toMatchObject({ state: 'queued', args: { version: '0.2.0', size: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    const done = withOutput(await finalState(command.commandId));
    expect(done.value, done.output()).toMatchObject({ state: 'succeeded', result: { version: '0.2.0', previous: FACTORY_VERSION } });
    expect(await runningVersion()).toBe('0.2.0');
    expect(agent.starts).toBe(2);
  }, 90_000);

  it('refuses a release signed with a key the kiosk does not trust, before downloading it (and the gateway one signed by none of its keys)', async () => {
    const file = await variant('0.5.0', readFileSync(join(ROOT, 'device/dist/main.js'), 'utf8'));
    // The gateway itself turns away a release no key of its own signed.
    await expect(signAndUpload(file, keys.stranger)).rejects.toThrow(/HTTP 422.*does not verify/s);
    await signAndUpload(file, keys.other);
    const done = await finalState((await update('0.5.0')).commandId);
    expect(done).toMatchObject({ state: 'failed', error: expect.stringContaining('does not verify with any release key this kiosk trusts') });
    expect(await runningVersion()).toBe('0.2.0');
    expect(agent.starts).toBe(2);
  }, 60_000);

  it('refuses a tarball altered on the gateway (hash mismatch) and one altered in transit (longer than signed)', async () => {
    const file = await variant('0.6.0', readFileSync(join(ROOT, 'device/dist/main.js'), 'utf8'));
    await signAndUpload(file);
    // Someone with the gateway's disk flips one byte of the stored tarball.
    const stored = join(gwDir.path, 'releases', '0.6.0.tgz');
    const bytes = readFileSync(stored);
    const at = bytes.length - 100;
    bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
    writeFileSync(stored, bytes);
    const altered = await finalState((await update('0.6.0')).commandId);
    expect(altered).toMatchObject({ state: 'failed', error: expect.stringContaining('hash mismatch') });

    // On the wire (plain HTTP in a store): the same signed facts, more bytes.
    const longer = join(work.path, 'longer.tgz');
    writeFileSync(longer, readFileSync(file));
    appendFileSync(longer, Buffer.alloc(4096, 1));
    const server: Server = createServer((_req, res) => res.end(readFileSync(longer)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const release = (await call('GET', '/releases/0.6.0')).body;
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/agent.tgz`;
      const sent = await gateway.commands.create(
        'kiosk-1',
        { type: 'update_agent', args: { version: '0.6.0', url, size: release.size, sha256: release.sha256, signature: release.signature } },
        'test',
      );
      expect(await finalState(sent.commandId)).toMatchObject({ state: 'failed', error: expect.stringContaining('larger than the signed') });
    } finally {
      server.close();
    }
    expect(await runningVersion()).toBe('0.2.0');
    expect(agent.starts).toBe(2);
  }, 60_000);

  it('rolls back a release that crashes on start, and reports why', async () => {
    await signAndUpload(await variant('0.3.0', "throw new Error('boom: this release cannot start');\n"));
    const done = withOutput(await finalState((await update('0.3.0')).commandId));
    expect(done.value, done.output()).toMatchObject({ state: 'failed', error: expect.stringMatching(/^rolled back to 0\.2\.0: version 0\.3\.0 started 2 times.*boom: this release cannot start/) });
    await eventually(async () => (await runningVersion()) === '0.2.0', 20_000, '0.2.0 back');
    // 0.2.0's restart into 0.3.0, two failed starts, the start that rolled back.
    expect(agent.starts).toBe(5);
  }, 90_000);

  it('rolls back a release that starts but never connects within its deadline', async () => {
    const startsBefore = agent.starts;
    await signAndUpload(await variant('0.4.0', 'setInterval(() => {}, 1000);\n'));
    const done = withOutput(await finalState((await update('0.4.0')).commandId));
    expect(done.value, done.output()).toMatchObject({ state: 'failed', error: expect.stringContaining('rolled back to 0.2.0: version 0.4.0 did not connect to the gateway and report within 8 s') });
    expect(await runningVersion()).toBe('0.2.0');
    expect(agent.starts).toBe(startsBefore + 2);
  }, 90_000);
});
