/**
 * A private pcscd for tests (docs/hardware-lab.md): its own mount namespace with a temp directory
 * bound over /run/pcscd, its own reader.conf.d with vpcd readers on free ports, and
 * PCSCLITE_CSOCK_NAME pointing this process's PC/SC client at its socket. It can be killed and
 * started again, as pcscd is on a kiosk when it crashes or is upgraded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually } from './system.js';

export class PrivatePcscd {
  readonly dir = mkdtempSync(join(tmpdir(), 'pcscd-'));
  readonly socket = join(this.dir, 'run', 'pcscd.comm');
  private process: ChildProcess | null = null;
  output = '';

  /** One vpcd reader entry per base port; each entry makes two readers (ports base and base+1). */
  constructor(private readonly basePorts: number[]) {
    mkdirSync(join(this.dir, 'run'));
    mkdirSync(join(this.dir, 'reader.conf.d'));
    this.configure(basePorts);
  }

  /** Which vpcd readers exist at the next start (a reader "unplugged" is one left out). */
  configure(basePorts: number[]): void {
    rmSync(join(this.dir, 'reader.conf.d'), { recursive: true, force: true });
    mkdirSync(join(this.dir, 'reader.conf.d'));
    basePorts.forEach((port, i) => {
      const channel = `0x${port.toString(16).toUpperCase()}`;
      writeFileSync(
        join(this.dir, 'reader.conf.d', `vpcd-${i}`),
        `FRIENDLYNAME "Virtual PCD ${i}"\nDEVICENAME /dev/null:${channel}\nLIBPATH /usr/lib/pcsc/drivers/serial/libifdvpcd.so\nCHANNELID ${channel}\n`,
      );
    });
  }

  /** Points this process's PC/SC client at the private daemon (before the first context). */
  useFromThisProcess(): void {
    process.env.PCSCLITE_CSOCK_NAME = this.socket;
  }

  async start(): Promise<void> {
    mkdirSync('/run/pcscd', { recursive: true });
    const script = `mount --bind ${this.dir}/run /run/pcscd && exec pcscd -f -e -c ${this.dir}/reader.conf.d`;
    const child = spawn('unshare', ['-m', 'sh', '-c', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()));
    this.process = child;
    await eventually(() => existsSync(this.socket), 5000, `pcscd socket (${this.output})`);
  }

  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.process;
    this.process = null;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
    rmSync(this.socket, { force: true });
  }

  async remove(): Promise<void> {
    await this.kill('SIGTERM');
    rmSync(this.dir, { recursive: true, force: true });
  }

  get ports(): number[] {
    return this.basePorts;
  }
}

/** A base port p with p and p+1 free on loopback (vpcd listens on both), for parallel test files. */
export async function freePortPair(): Promise<number> {
  const { createServer } = await import('node:net');
  const free = (port: number) =>
    new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '0.0.0.0', () => server.close(() => resolve(true)));
    });
  for (let i = 0; i < 200; i++) {
    const port = 20_000 + 2 * Math.floor(Math.random() * 15_000);
    if ((await free(port)) && (await free(port + 1))) return port;
  }
  throw new Error('no free pair of ports for vpcd');
}
