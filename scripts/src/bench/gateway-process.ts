/**
 * The gateway as a benchmark measures it: its own process, started through its production entry
 * point with the flags and environment of systemd/loyalty-gateway.service, on a data dir the
 * benchmark seeded. Resolves once /readyz answers; never left running when the benchmark exits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { serviceUnit } from './service-unit.js';

const GATEWAY_MAIN = fileURLToPath(new URL('../../../gateway/dist/main.js', import.meta.url));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface GatewayChild {
  child: ChildProcess;
  stop: () => Promise<void>;
}

/** The benchmark's `--profile DIR`: every gateway process it starts writes a V8 CPU profile there on exit. */
let profileDir: string | undefined;
export function profileGatewaysInto(dir: string | undefined): void {
  profileDir = dir;
}

export async function spawnGateway(dataDir: string, ports: { mqtt: number; http: number }, env: Record<string, string> = {}): Promise<GatewayChild> {
  const unit = serviceUnit('loyalty-gateway');
  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  const child = spawn(process.execPath, [...unit.nodeArgs, ...profile, GATEWAY_MAIN], {
    env: {
      ...process.env,
      ...unit.env,
      LOYALTY_GW_DATA_DIR: dataDir,
      LOYALTY_GW_MQTT_PORT: String(ports.mqtt),
      LOYALTY_GW_HTTP_PORT: String(ports.http),
      LOYALTY_GW_LOG_LEVEL: 'warn',
      ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const kill = () => child.exitCode === null && child.kill('SIGKILL');
  process.once('exit', kill);
  for (let ready = false; !ready; ) {
    if (child.exitCode !== null) throw new Error(`the gateway exited with ${child.exitCode}`);
    ready = await fetch(`http://127.0.0.1:${ports.http}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (!ready) await sleep(50);
  }
  return {
    child,
    stop: async () => {
      process.off('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
