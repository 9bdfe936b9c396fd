/**
 * A network receipt printer on a real TCP socket: records every job's bytes and answers the
 * real-time status requests (DLE EOT 1 and 4) from a settable state, as an EPSON-compatible
 * printer does. `down()` stops listening (connections refused), `up()` listens on the same port.
 */
import { createServer, type Server, type Socket } from 'node:net';

export class FakeNetworkPrinter {
  readonly jobs: Buffer[] = [];
  paper: 'ok' | 'near_end' | 'out' = 'ok';
  online = true;
  port = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  async up(): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as { port: number }).port;
    this.server = server;
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    const received: number[] = [];
    socket.on('data', (data: Buffer) => {
      for (let i = 0; i < data.length; i++) {
        // DLE EOT n: answer at once, keep it out of the job.
        if (data[i] === 0x10 && data[i + 1] === 0x04 && data[i + 2] !== undefined) {
          socket.write(Buffer.from([this.statusByte(data[i + 2]!)]));
          i += 2;
        } else received.push(data[i]!);
      }
    });
    socket.on('end', () => socket.end());
    socket.on('close', () => {
      this.sockets.delete(socket);
      if (received.length) this.jobs.push(Buffer.from(received));
    });
    socket.on('error', () => {});
  }

  private statusByte(n: number): number {
    if (n === 1) return this.online ? 0x12 : 0x1a;
    if (n === 4) return 0x12 | (this.paper === 'near_end' ? 0x0c : 0) | (this.paper === 'out' ? 0x60 : 0);
    return 0x12;
  }
}
