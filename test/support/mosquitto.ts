import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { connect, createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Debian puts the plugin under the architecture's triplet (x86_64-linux-gnu, aarch64-linux-gnu, …). */
function dynamicSecurityPlugin(): string {
  for (const triplet of readdirSync('/usr/lib')) {
    const path = `/usr/lib/${triplet}/mosquitto_dynamic_security.so`;
    try {
      if (readdirSync(`/usr/lib/${triplet}`).includes('mosquitto_dynamic_security.so')) return path;
    } catch {
      // not a directory
    }
  }
  throw new Error('mosquitto_dynamic_security.so not found: install Debian’s mosquitto');
}

/**
 * A private mosquitto on a free loopback port (~100 ms to start, docs/hardware-lab.md): open
 * (anonymous) for the replica tests, or locked down with the dynamic-security plugin whose admin
 * client the gateway logs in as (docs/deployment-at-scale.md).
 */
export async function startMosquitto(dir: string, options: { dynamicSecurity?: { username: string; password: string } } = {}): Promise<{ port: number; stop: () => Promise<void> }> {
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  const security: string[] = ['allow_anonymous true'];
  if (options.dynamicSecurity) {
    const file = join(dir, 'dynsec.json');
    execFileSync('mosquitto_ctrl', ['dynsec', 'init', file, options.dynamicSecurity.username, options.dynamicSecurity.password], { stdio: 'ignore' });
    // As root mosquitto drops to its own user, which cannot write the plugin's file in a private temp dir.
    security.splice(0, 1, 'allow_anonymous false', 'user root', `plugin ${dynamicSecurityPlugin()}`, `plugin_opt_config_file ${file}`);
  }
  writeFileSync(conf, [`listener ${port} 127.0.0.1`, ...security, 'set_tcp_nodelay true', 'persistence false', 'log_dest stderr', 'log_type error', ''].join('\n'));
  const child: ChildProcess = spawn('mosquitto', ['-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const deadline = Date.now() + 5000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mosquitto exited: ${stderr}`);
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
    if (up) break;
    if (Date.now() > deadline) throw new Error(`mosquitto did not listen on ${port}: ${stderr}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
