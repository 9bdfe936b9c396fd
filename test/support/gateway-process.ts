/**
 * A gateway in its own process, started through its production entry point (gateway/dist, built
 * by `npm test` first), so an attack's cost shows in that process's resident memory, read from
 * /proc. Tokens are made with the admin CLI against the same ledger file, as an operator would.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { freePort } from './mosquitto.js';

const MAIN = fileURLToPath(new URL('../../gateway/dist/main.js', import.meta.url));
const CLI = fileURLToPath(new URL('../../gateway/dist/cli.js', import.meta.url));

export interface GatewayProcess {
  child: ChildProcess;
  httpUrl: string;
  mqttPort: number;
  configFile: string;
  /** everything the process logged, as JSON lines */
  log: () => string;
  /** resident memory now, in MiB */
  rssMiB: () => number;
  token: (role: 'admin' | 'pos' | 'viewer') => string;
  stop: () => Promise<void>;
}

export async function startGatewayProcess(dataDir: string, config: Record<string, unknown> = {}, env: Record<string, string> = {}): Promise<GatewayProcess> {
  const httpPort = await freePort();
  const mqttPort = await freePort();
  // Beside the data dir, so the gateway creates the data dir itself (its mode is checked).
  const configFile = `${dataDir.replace(/\/+$/, '')}.gateway.json`;
  const { http, mqtt, ...rest } = config as { http?: Record<string, unknown>; mqtt?: Record<string, unknown> };
  writeFileSync(configFile, JSON.stringify({ dataDir, logLevel: 'info', http: { port: httpPort, ...http }, mqtt: { port: mqttPort, ...mqtt }, ...rest }));
  const child = spawn(process.execPath, [MAIN, '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr!.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const httpUrl = `http://127.0.0.1:${httpPort}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}: ${output.slice(-2000)}`);
    try {
      if ((await fetch(`${httpUrl}/readyz`)).status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the gateway did not become ready: ${output.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    child,
    httpUrl,
    mqttPort,
    configFile,
    log: () => output,
    rssMiB: () => {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
    },
    token: (role) => execFileSync(process.execPath, [CLI, 'token', 'create', '--role', role, '--label', `attack suite ${role}`, '--config', configFile], { encoding: 'utf8' }).trim(),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(configFile, { force: true });
    },
  };
}
