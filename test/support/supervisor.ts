/**
 * What systemd does for the kiosk unit (systemd/loyalty-kiosk.service: ExecStart runs
 * device/dist/boot.js, Restart=always): starts the agent's launcher in its own process and starts
 * it again whenever it exits, until stopped. Counts the starts and keeps the output for failures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BOOT = fileURLToPath(new URL('../../device/dist/boot.js', import.meta.url));

export class Supervisor {
  starts = 0;
  private child: ChildProcess | null = null;
  private stopped = false;
  private text = '';

  constructor(
    private readonly args: string[],
    private readonly restartDelayMs = 200,
  ) {}

  start(): void {
    if (this.stopped) return;
    this.starts += 1;
    const child = spawn(process.execPath, [BOOT, ...this.args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    const keep = (chunk: Buffer) => {
      this.text = (this.text + chunk.toString()).slice(-200_000);
    };
    child.stdout!.on('data', keep);
    child.stderr!.on('data', keep);
    child.on('exit', (code, signal) => {
      this.text += `\n[supervisor] exited code=${code} signal=${signal}\n`;
      if (this.child === child) this.child = null;
      if (!this.stopped) setTimeout(() => this.start(), this.restartDelayMs);
    });
  }

  output(): string {
    return this.text;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}
