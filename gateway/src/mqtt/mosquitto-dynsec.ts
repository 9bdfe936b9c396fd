/**
 * Per-kiosk accounts and ACLs on an external Mosquitto, managed by the gateway through
 * Mosquitto's dynamic-security plugin (docs/deployment-at-scale.md "Mosquitto"): JSON commands
 * on `$CONTROL/dynamic-security/v1`, answered on `.../response` with the command's
 * correlationData. Pairing creates the kiosk's client and role, revocation deletes the client
 * (Mosquitto disconnects it at once), and a kiosk gets exactly the topics it gets on the embedded
 * broker: the channel table of protocol/src/topics.ts. The gateway logs in as the plugin's admin
 * client and gives itself a role for the loyalty topics at start.
 */
import { randomUUID } from 'node:crypto';
import { KIOSK_PUBLISHES, TOPIC_ROOT, kioskClientId, kioskSubscriptions, kioskTopic } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { MqttClient } from 'mqtt';
import type { BrokerAccounts } from '../fleet/kiosk-registry.js';

const CONTROL = '$CONTROL/dynamic-security/v1';
const RESPONSE = `${CONTROL}/response`;
const GATEWAY_ROLE = 'loyalty-gateway';

type Command = { command: string } & Record<string, unknown>;
interface Response {
  command: string;
  correlationData?: string;
  error?: string;
  data?: unknown;
}

export class DynamicSecurityError extends Error {
  override readonly name = 'DynamicSecurityError';
}

export class MosquittoDynamicSecurity implements BrokerAccounts {
  private readonly waiting = new Map<string, (response: Response) => void>();
  private subscribed: Promise<unknown> | null = null;

  constructor(
    private readonly client: MqttClient,
    private readonly options: { gatewayUsername: string; log: Logger; timeoutMs?: number },
  ) {
    client.on('message', (topic, payload) => {
      if (topic !== RESPONSE) return;
      try {
        const { responses } = JSON.parse(payload.toString()) as { responses?: Response[] };
        for (const response of responses ?? []) {
          const settle = response.correlationData ? this.waiting.get(response.correlationData) : undefined;
          if (settle) {
            this.waiting.delete(response.correlationData!);
            settle(response);
          }
        }
      } catch (error) {
        options.log.warn({ err: (error as Error).message }, 'unreadable dynamic-security response');
      }
    });
  }

  /** Denies what is not granted, and gives the gateway its role on the loyalty topics. */
  async start(): Promise<void> {
    await this.run([
      {
        command: 'setDefaultACLAccess',
        acls: [
          { acltype: 'publishClientSend', allow: false },
          { acltype: 'publishClientReceive', allow: true },
          { acltype: 'subscribe', allow: false },
          { acltype: 'unsubscribe', allow: true },
        ],
      },
    ]);
    await this.run([{ command: 'createRole', rolename: GATEWAY_ROLE }], ['Role already exists']);
    await this.run(
      [
        { command: 'addRoleACL', rolename: GATEWAY_ROLE, acltype: 'publishClientSend', topic: `${TOPIC_ROOT}/#`, allow: true },
        { command: 'addRoleACL', rolename: GATEWAY_ROLE, acltype: 'subscribePattern', topic: `${TOPIC_ROOT}/#`, allow: true },
      ],
      ['ACL with this topic already exists'],
    );
    const [own] = await this.run([{ command: 'getClient', username: this.options.gatewayUsername }]);
    const roles = ((own?.data as { client?: { roles?: Array<{ rolename: string }> } } | undefined)?.client?.roles ?? []).map((r) => r.rolename);
    if (roles.includes(GATEWAY_ROLE)) return;
    // Mosquitto disconnects a client whose roles change, so this answer never arrives: wait for
    // the client to come back (mqtt.js reconnects and resubscribes) instead.
    const back = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new DynamicSecurityError('the gateway did not reconnect after taking its broker role')), this.options.timeoutMs ?? 10_000);
      this.client.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
    });
    await this.client.publishAsync(CONTROL, JSON.stringify({ commands: [{ command: 'addClientRole', username: this.options.gatewayUsername, rolename: GATEWAY_ROLE }] }), { qos: 1 });
    await back;
    this.options.log.info({ role: GATEWAY_ROLE }, 'the gateway took its role on the external broker');
  }

  /** A kiosk's client (its id, the broker password pairing issued, its client id) and its role. */
  async create(kioskId: string, storeId: string, password: string): Promise<void> {
    const role = `kiosk-${kioskId}`;
    // Re-pairing a kiosk id replaces its account.
    await this.run(
      [
        { command: 'deleteClient', username: kioskId },
        { command: 'deleteRole', rolename: role },
      ],
      ['Client not found', 'Role not found'],
    );
    await this.run([
      { command: 'createRole', rolename: role },
      ...KIOSK_PUBLISHES.map((channel) => ({ command: 'addRoleACL', rolename: role, acltype: 'publishClientSend', topic: kioskTopic(kioskId, channel), allow: true })),
      ...kioskSubscriptions(kioskId, storeId).map((topic) => ({ command: 'addRoleACL', rolename: role, acltype: 'subscribeLiteral', topic, allow: true })),
      { command: 'createClient', username: kioskId, password, clientid: kioskClientId(kioskId) },
      { command: 'addClientRole', username: kioskId, rolename: role },
    ]);
  }

  /**
   * A role made by an older gateway lacks the store channels added since (the staff list): each
   * subscription the kiosk makes now is granted again, which is a no-op where it exists.
   */
  async grantSubscriptions(kiosks: Array<{ id: string; storeId: string }>): Promise<void> {
    // A hundred kiosks per control message: a fleet of thousands stays within the broker's message size.
    for (let i = 0; i < kiosks.length; i += 100) {
      await this.run(
        kiosks
          .slice(i, i + 100)
          .flatMap((k) => kioskSubscriptions(k.id, k.storeId).map((topic) => ({ command: 'addRoleACL', rolename: `kiosk-${k.id}`, acltype: 'subscribeLiteral', topic, allow: true }))),
        ['ACL with this topic already exists', 'Role not found'],
      );
    }
  }

  /** Deletes the kiosk's client (Mosquitto disconnects it) and its role. */
  async remove(kioskId: string): Promise<void> {
    await this.run(
      [
        { command: 'deleteClient', username: kioskId },
        { command: 'deleteRole', rolename: `kiosk-${kioskId}` },
      ],
      ['Client not found', 'Role not found'],
    );
  }

  /** Sends commands and waits for every answer; an error not in `tolerated` fails the call. */
  private async run(commands: Command[], tolerated: string[] = []): Promise<Response[]> {
    this.subscribed ??= this.client.subscribeAsync(RESPONSE, { qos: 1 });
    await this.subscribed;
    const tagged = commands.map((command) => ({ ...command, correlationData: randomUUID() }));
    const answers = tagged.map(
      (command) =>
        new Promise<Response>((resolve, reject) => {
          const timer = setTimeout(() => {
            this.waiting.delete(command.correlationData);
            reject(new DynamicSecurityError(`the broker did not answer ${command.command} in time; is the dynamic-security plugin loaded and this gateway its admin?`));
          }, this.options.timeoutMs ?? 5000);
          this.waiting.set(command.correlationData, (response) => {
            clearTimeout(timer);
            resolve(response);
          });
        }),
    );
    await this.client.publishAsync(CONTROL, JSON.stringify({ commands: tagged }), { qos: 1 });
    const responses = await Promise.all(answers);
    const failed = responses.filter((r) => r.error && !tolerated.includes(r.error));
    if (failed.length) throw new DynamicSecurityError(`the broker refused ${failed.map((r) => `${r.command}: ${r.error}`).join('; ')}`);
    return responses;
  }
}
