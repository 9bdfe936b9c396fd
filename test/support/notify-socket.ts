/**
 * A stand-in for systemd's notify socket ($NOTIFY_SOCKET, sd_notify(3)): a real AF_UNIX datagram
 * socket that keeps every message, in order, with when it came.
 */
import { createRequire } from 'node:module';

interface UnixDgram {
  createSocket(type: 'unix_dgram', listener: (buf: Buffer) => void): { bind(path: string): void; close(): void };
}

export function notifySocket(path: string) {
  const unixDgram = createRequire(import.meta.url)('unix-dgram') as UnixDgram;
  const messages: Array<{ at: number; text: string }> = [];
  const socket = unixDgram.createSocket('unix_dgram', (buf) => messages.push({ at: Date.now(), text: buf.toString() }));
  socket.bind(path);
  return {
    path,
    messages,
    texts: () => messages.map((m) => m.text),
    pingsSince: (at: number) => messages.filter((m) => m.at >= at && m.text === 'WATCHDOG=1').length,
    close: () => socket.close(),
  };
}
