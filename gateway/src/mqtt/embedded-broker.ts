/**
 * The embedded aedes broker for one store (docs/deployment-at-scale.md): per-kiosk authentication and ACLs
 * through a BrokerGuard, and TCP_NODELAY on every accepted socket (without it a QoS 1
 * request/reply costs ~88 ms on loopback, docs/hardware-lab.md).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '@loyalty/protocol/node';
import type { BrokerGuard } from './broker-guard.js';

export interface EmbeddedBrokerOptions {
  host: string;
  port: number;
  log: Logger;
  /** authentication and ACLs; without one the broker only guards `$SYS/` (tests of the bare broker) */
  guard?: BrokerGuard;
}

export class EmbeddedBroker {
  private broker: Aedes | null = null;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  async start(): Promise<void> {
    const guard = this.options.guard;
    const broker = await Aedes.createBroker(
      guard
        ? { authenticate: guard.authenticate, authorizePublish: guard.authorizePublish, authorizeSubscribe: guard.authorizeSubscribe }
        : {
            authorizePublish: (_client, packet, callback) => {
              if (packet.topic.startsWith('$SYS/')) return callback(new Error('$SYS/ topics are reserved'));
              callback(null);
            },
          },
    );
    this.broker = broker;
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      broker.handle(socket);
    });
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
