/**
 * Packet size limits enforced while a packet is read, before the MQTT parser buffers it
 * (docs/security.md "Broker limits"). aedes' parser keeps a whole packet in memory before anyone
 * can look at it, so an anonymous client announcing a 100 MB CONNECT grew the gateway by that
 * much. The guard sits in the socket itself, before aedes: it reads only each packet's fixed header
 * (MQTT 3.1.1 §2.2: a type byte and a variable-length "remaining length"), keeps the CONNECT
 * (small by then) to learn the username, and cuts the connection as soon as a header announces
 * more than the caller may send: `connectMaxBytes` before login, then `maxPacketBytes(username)`.
 * It also tells when the broker accepted the login (the CONNACK going out), so the broker can
 * count connections that are still anonymous.
 */
import type { Socket } from 'node:net';

export interface PacketLimits {
  connectMaxBytes: number;
  maxPacketBytes(username: string | null): number;
}

export type GuardRefusal = 'not_connect_first' | 'connect_too_large' | 'packet_too_large' | 'malformed_length';

const CONNECT = 1;
const CONNACK = 2;

/**
 * Guards a socket in place: the socket's own `push` (where Node hands it what was read) checks
 * each packet header before aedes can read it, and its `write` watches for the CONNACK. No
 * stream sits in between, so a message costs no extra turn of the event loop (a wrapping Duplex
 * added ~0.35 ms to every MQTT round trip, docs/benchmarks.md).
 */
export class GuardedConnection {
  /** the username of the CONNECT, once read */
  username: string | null = null;
  accepted = false;
  private packets = 0;
  /** bytes of the current packet still to pass through (after its header) */
  private remaining = 0;
  /** a fixed header being read across chunks */
  private header: number[] = [];
  /** the CONNECT packet, kept (it is small) until it is whole */
  private connect: Buffer[] | null = null;
  private connectLength = 0;
  private outboundStart: Buffer | null = Buffer.alloc(0);

  constructor(
    readonly socket: Socket,
    private readonly limits: PacketLimits,
    private readonly onRefused: (reason: GuardRefusal, announced: number) => void,
    private readonly onAccepted: () => void,
  ) {
    const push = socket.push.bind(socket);
    socket.push = (chunk: unknown, encoding?: BufferEncoding) => {
      if (chunk === null || !Buffer.isBuffer(chunk)) return push(chunk, encoding);
      return this.inspect(chunk) ? push(chunk, encoding) : false;
    };
    const write = socket.write.bind(socket) as (chunk: unknown, ...rest: unknown[]) => boolean;
    socket.write = ((chunk: unknown, ...rest: unknown[]) => {
      if (this.outboundStart && Buffer.isBuffer(chunk)) this.watchConnack(chunk);
      return write(chunk, ...rest);
    }) as Socket['write'];
  }

  /**
   * The first packet the broker sends is the CONNACK (4 bytes, which the packet writer may hand
   * over in pieces); return code 0 means the login was accepted.
   */
  private watchConnack(chunk: Buffer): void {
    const start = Buffer.concat([this.outboundStart!, chunk]).subarray(0, 4);
    if (start.length < 4) {
      this.outboundStart = start;
      return;
    }
    this.outboundStart = null;
    if (start[0]! >> 4 === CONNACK && start[3] === 0) {
      this.accepted = true;
      this.onAccepted();
    }
  }

  /** Walks the packet boundaries in `chunk`; false (and the socket cut) when a limit is broken. */
  private inspect(chunk: Buffer): boolean {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.remaining > 0) {
        const take = Math.min(this.remaining, chunk.length - offset);
        if (this.connect) this.keepConnect(chunk.subarray(offset, offset + take));
        this.remaining -= take;
        offset += take;
        continue;
      }
      this.header.push(chunk[offset]!);
      offset += 1;
      const length = decodeRemainingLength(this.header);
      if (length === 'more') continue;
      const type = this.header[0]! >> 4;
      this.header = [];
      if (length === 'malformed') return this.refuse('malformed_length', 0);
      this.packets += 1;
      if (this.packets === 1) {
        if (type !== CONNECT) return this.refuse('not_connect_first', length);
        if (length > this.limits.connectMaxBytes) return this.refuse('connect_too_large', length);
        this.connect = [];
        this.connectLength = length;
        if (length === 0) this.connect = null;
      } else if (length > this.limits.maxPacketBytes(this.username)) {
        return this.refuse('packet_too_large', length);
      }
      this.remaining = length;
    }
    return true;
  }

  private keepConnect(part: Buffer): void {
    this.connect!.push(part);
    const whole = Buffer.concat(this.connect!);
    if (whole.length < this.connectLength) return;
    this.connect = null;
    this.username = connectUsername(whole);
  }

  private refuse(reason: GuardRefusal, announced: number): false {
    this.onRefused(reason, announced);
    this.socket.destroy();
    return false;
  }
}

/** MQTT's variable-length integer (1-4 bytes after the type byte). */
function decodeRemainingLength(header: number[]): number | 'more' | 'malformed' {
  let value = 0;
  for (let i = 1; i < header.length; i += 1) {
    const byte = header[i]!;
    value += (byte & 0x7f) * 128 ** (i - 1);
    if ((byte & 0x80) === 0) return value;
    if (i === 4) return 'malformed';
  }
  return 'more';
}

/** The username in a CONNECT's payload (MQTT 3.1.1 §3.1), or null when it has none or is malformed. */
export function connectUsername(body: Buffer): string | null {
  try {
    let at = 0;
    const field = (): Buffer => {
      const length = body.readUInt16BE(at);
      const value = body.subarray(at + 2, at + 2 + length);
      if (value.length !== length) throw new Error('short');
      at += 2 + length;
      return value;
    };
    field(); // protocol name
    at += 1; // level
    const flags = body[at]!;
    at += 1 + 2; // flags, keep alive
    field(); // client id
    if (flags & 0x04) {
      field(); // will topic
      field(); // will message
    }
    return flags & 0x80 ? field().toString('utf8') : null;
  } catch {
    return null;
  }
}
