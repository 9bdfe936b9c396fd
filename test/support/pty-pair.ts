/**
 * A serial cable in software: socat joins two ptys; the kiosk opens one end as its scanner
 * port, the test writes barcodes into the other. Killing socat is unplugging the scanner (its
 * device links vanish); starting it again with the same links is plugging it back in.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, writeSync, closeSync } from 'node:fs';
import { eventually } from './system.js';

export class PtyPair {
  private socat: ChildProcess | null = null;

  constructor(
    /** the end the test writes to (the scanner's side) */
    readonly device: string,
    /** the end the kiosk opens */
    readonly port: string,
  ) {}

  async plug(): Promise<void> {
    this.socat = spawn('socat', [`pty,raw,echo=0,link=${this.device}`, `pty,raw,echo=0,link=${this.port}`], { stdio: 'ignore' });
    await eventually(() => existsSync(this.device) && existsSync(this.port), 5000, 'socat ptys');
  }

  async unplug(): Promise<void> {
    const socat = this.socat;
    this.socat = null;
    if (!socat || socat.exitCode !== null) return;
    const exited = new Promise((resolve) => socat.once('exit', resolve));
    socat.kill('SIGTERM');
    await exited;
    await eventually(() => !existsSync(this.port), 5000, 'pty links removed');
  }

  /** Writes bytes as the scanner would send them. */
  write(data: string | Buffer): void {
    const fd = openSync(this.device, 'w');
    try {
      writeSync(fd, typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
    } finally {
      closeSync(fd);
    }
  }
}
