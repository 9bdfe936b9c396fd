/**
 * How bytes reach an ESC/POS printer: a network printer (raw TCP, usually port 9100), a serial
 * printer, or a device file such as /dev/usb/lp0. Each can send a job; TCP and serial can also
 * ask the printer for its real-time status (DLE EOT n answers one byte). We open our own sockets
 * rather than node-thermal-printer's `execute()` because a status query needs its answer byte
 * with a deadline, and a job must fail fast and cleanly so the queue can hold it.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
// Loaded when a serial printer is opened (serialport's bindings cost memory the other transports should not pay).
import type { SerialPort } from 'serialport';

export interface PrinterTransport {
  /** where, for logs and health: "tcp 10.0.0.5:9100" */
  readonly description: string;
  /** resolves once every byte was handed over */
  send(bytes: Buffer): Promise<void>;
  /** sends a real-time status request and returns the answer byte; null when this transport cannot read */
  query(request: Buffer): Promise<number | null>;
  close(): Promise<void>;
}

export class TransportError extends Error {
  override readonly name = 'TransportError';
}

export class TcpTransport implements PrinterTransport {
  readonly description: string;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly timeoutMs = 3000,
  ) {
    this.description = `tcp ${host}:${port}`;
  }

  send(bytes: Buffer): Promise<void> {
    return this.withSocket((socket, done, fail) => {
      socket.end(bytes, () => done(undefined));
      socket.once('error', fail);
    });
  }

  query(request: Buffer): Promise<number | null> {
    return this.withSocket<number | null>((socket, done) => {
      socket.once('data', (data: Buffer) => {
        done(data[0]!);
        socket.end();
      });
      socket.write(request);
    });
  }

  async close(): Promise<void> {}

  /** One connection per call, as printers expect; every path ends in exactly one settle. */
  private withSocket<T>(use: (socket: Socket, done: (value: T) => void, fail: (error: Error) => void) => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const socket = connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const finish = (error: Error | null, value?: T) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (error) {
          socket.destroy();
          reject(new TransportError(`${this.description}: ${error.message}`));
        } else resolve(value as T);
      };
      const timer = setTimeout(() => finish(new Error(`no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      socket.once('error', (error) => finish(error));
      socket.once('connect', () =>
        use(
          socket,
          (value) => finish(null, value),
          (error) => finish(error),
        ),
      );
    });
  }
}

export class SerialTransport implements PrinterTransport {
  readonly description: string;
  private port: SerialPort | null = null;

  constructor(
    private readonly path: string,
    private readonly baudRate: number,
    private readonly timeoutMs = 3000,
  ) {
    this.description = `serial ${path} @${baudRate}`;
  }

  async send(bytes: Buffer): Promise<void> {
    const port = await this.opened();
    await new Promise<void>((resolve, reject) => {
      port.write(bytes, (error) => (error ? reject(this.failed(error)) : port.drain((e) => (e ? reject(this.failed(e)) : resolve()))));
    });
  }

  async query(request: Buffer): Promise<number | null> {
    const port = await this.opened();
    return new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        port.off('data', onData);
        reject(new TransportError(`${this.description}: no status answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const onData = (data: Buffer) => {
        clearTimeout(timer);
        port.off('data', onData);
        resolve(data[0]!);
      };
      port.on('data', onData);
      port.write(request, (error) => {
        if (error) {
          clearTimeout(timer);
          port.off('data', onData);
          reject(this.failed(error));
        }
      });
    });
  }

  async close(): Promise<void> {
    const port = this.port;
    this.port = null;
    if (port?.isOpen) await new Promise<void>((resolve) => port.close(() => resolve()));
  }

  private async opened(): Promise<SerialPort> {
    if (this.port?.isOpen) return this.port;
    const { SerialPort: Port } = await import('serialport');
    const port = new Port({ path: this.path, baudRate: this.baudRate, autoOpen: false });
    await new Promise<void>((resolve, reject) => port.open((error) => (error ? reject(new TransportError(`${this.description}: ${error.message}`)) : resolve())));
    // A vanished port errors on the next write; forget it so the next call reopens.
    port.once('close', () => {
      if (this.port === port) this.port = null;
    });
    this.port = port;
    return port;
  }

  private failed(error: Error): TransportError {
    void this.close();
    return new TransportError(`${this.description}: ${error.message}`);
  }
}

/** A printer class device (usblp): write-only here, so status comes from write errors alone. */
export class DeviceFileTransport implements PrinterTransport {
  readonly description: string;

  constructor(private readonly path: string) {
    this.description = `device ${path}`;
  }

  async send(bytes: Buffer): Promise<void> {
    let handle: FileHandle | undefined;
    try {
      // Write-only without O_CREAT: an unplugged printer must fail, not leave a regular file
      // named /dev/usb/lp0 that swallows every slip.
      handle = await open(this.path, constants.O_WRONLY);
      await handle.write(bytes);
    } catch (error) {
      throw new TransportError(`${this.description}: ${(error as Error).message}`);
    } finally {
      await handle?.close().catch(() => {});
    }
  }

  async query(): Promise<number | null> {
    return null;
  }

  async close(): Promise<void> {}
}
