/**
 * The embedded aedes broker for one store (docs/deployment-at-scale.md): per-kiosk authentication and ACLs
 * through a BrokerGuard, and TCP_NODELAY on every accepted socket (without it a QoS 1
 * request/reply costs ~88 ms on loopback, docs/hardware-lab.md). Before aedes sees a byte, each
 * connection passes the limits of docs/security.md "Broker limits": connections per address,
 * connections not yet logged in, a short connect timeout, and packet sizes checked while they
 * are read (packet-guard.ts).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '@loyalty/protocol/node';
import type { BrokerGuard } from './broker-guard.js';
import { GuardedConnection, type GuardRefusal } from './packet-guard.js';
import { InProcessBrokerClient } from './in-process-client.js';

export interface BrokerLimits {
  connectMaxBytes: number;
  /** what a logged-in client other than the gateway may send */
  maxPacketBytes: number;
  maxConnectionsPerAddress: number;
  maxPendingConnections: number;
  connectTimeoutMs: number;
}

/** The gateway's own client publishes rules bundles and hotlists (up to 4 MiB signed, topics.ts). */
const GATEWAY_MAX_PACKET_BYTES = 6 * 1024 * 1024;

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  log: Logger;
  /** authentication and ACLs; without one the broker only guards `$SYS/` (tests of the bare broker) */
  guard?: BrokerGuard;
  limits?: BrokerLimits;
  /** a connection refused by a limit, for the metrics */
  onRefused?: (reason: GuardRefusal | 'too_many_from_address' | 'too_many_pending') => void;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = { connectMaxBytes: 8 * 1024, maxPacketBytes: 64 * 1024, maxConnectionsPerAddress: 64, maxPendingConnections: 100, connectTimeoutMs: 5000 };

export class EmbeddedBroker {
  private broker: Aedes | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private readonly perAddress = new Map<string, number>();
  private pending = 0;

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  async start(): Promise<void> {
    const guard = this.options.guard;
    const limits = this.options.limits ?? DEFAULT_BROKER_LIMITS;
    // aedes queues messages beyond `concurrency` in flight (default 100) and drains that queue by
    // recursion: a backlog of a few thousand — 10,000 kiosks whose heartbeats arrive while this
    // process is busy for a moment — overflowed the stack and killed the gateway (mqemitter pull
    // request #204, open). Messages in flight are in memory either way; a high limit keeps them
    // out of the recursive queue.
    const concurrency = 100_000;
    const broker = await Aedes.createBroker(
      guard
        ? { concurrency, connectTimeout: limits.connectTimeoutMs, authenticate: guard.authenticate, authorizePublish: guard.authorizePublish, authorizeSubscribe: guard.authorizeSubscribe }
        : {
            concurrency,
            connectTimeout: limits.connectTimeoutMs,
            authorizePublish: (_client, packet, callback) => {
              if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topics are reserved'));
              callback(null);
            },
          },
    );
    this.broker = broker;
    const server = createServer((socket) => this.accept(socket, broker, limits));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (error: NodeJS.ErrnoException) =>
        reject(error.code === 'EADDRINUSE' ? new Error(`MQTT port ${this.options.host}:${this.options.port} is in use; stop the other broker or set mqtt.port`) : error),
      );
      server.listen(this.options.port, this.options.host, () => resolve());
    });
    broker.on('clientError', (client, error) => this.options.log.debug({ client: client.id, err: error.message }, 'mqtt client error'));
    this.options.log.info({ host: this.options.host, port: this.port }, 'embedded MQTT broker listening');
  }

  /** Counts the connection against the limits, then hands it to aedes through a packet guard. */
  private accept(socket: Socket, broker: Aedes, limits: BrokerLimits): void {
    const { log, onRefused } = this.options;
    const address = socket.remoteAddress ?? 'unknown';
    const fromAddress = this.perAddress.get(address) ?? 0;
    const refuse = (reason: 'too_many_from_address' | 'too_many_pending') => {
      onRefused?.(reason);
      log.warn({ reason, address }, 'mqtt connection refused');
      socket.destroy();
    };
    if (fromAddress >= limits.maxConnectionsPerAddress) return refuse('too_many_from_address');
    if (this.pending >= limits.maxPendingConnections) return refuse('too_many_pending');
    socket.setNoDelay(true);
    this.sockets.add(socket);
    this.perAddress.set(address, fromAddress + 1);
    this.pending += 1;
    let pending = true;
    const settle = () => {
      if (!pending) return;
      pending = false;
      this.pending -= 1;
    };
    // A client that never logs in is cut after the connect timeout, whatever aedes does meanwhile.
    const timer = setTimeout(() => {
      if (!guarded.accepted) socket.destroy();
    }, limits.connectTimeoutMs);
    timer.unref();
    const guarded = new GuardedConnection(
      socket,
      { connectMaxBytes: limits.connectMaxBytes, maxPacketBytes: (username) => (username !== null && username === this.options.guard?.gatewayUser ? GATEWAY_MAX_PACKET_BYTES : limits.maxPacketBytes) },
      (reason, announced) => {
        onRefused?.(reason);
        log.warn({ reason, address, announcedBytes: announced }, 'mqtt connection cut');
      },
      () => {
        clearTimeout(timer);
        settle();
      },
    );
    socket.on('close', () => {
      clearTimeout(timer);
      settle();
      this.sockets.delete(socket);
      const left = (this.perAddress.get(address) ?? 1) - 1;
      if (left <= 0) this.perAddress.delete(address);
      else this.perAddress.set(address, left);
    });
    broker.handle(socket);
  }

  /** The gateway's own link to this broker, without a socket (in-process-client.ts). */
  inProcessClient(): InProcessBrokerClient {
    if (!this.broker) throw new Error('the embedded MQTT broker is not started');
    return new InProcessBrokerClient(this.broker);
  }

  /** Closes a connected client's session at once (revocation). */
  disconnect(clientId: string): boolean {
    const client = (this.broker as unknown as { clients: Record<string, { close(): void } | undefined> } | null)?.clients[clientId];
    client?.close();
    return Boolean(client);
  }

  async stop(): Promise<void> {
    const server = this.server;
    const broker = this.broker;
    this.server = null;
    this.broker = null;
    if (server) {
      for (const socket of this.sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
    if (broker) await new Promise<void>((resolve) => broker.close(() => resolve()));
  }
}
