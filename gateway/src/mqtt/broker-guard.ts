/**
 * The embedded broker's authentication and authorisation (docs/security.md). Kiosks log in with
 * username = kiosk id and the password the gateway issued at enrollment, under client id
 * `kiosk-{id}`; the gateway's own client logs in with a secret made at start. The last will is
 * checked at login: it must be the kiosk's own `state` topic, signed by the kiosk. Every denial
 * is logged and counted.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { CHANNEL_SPECS, kioskClientId, kioskTopic, type EnvelopeVerifier } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { Client, PublishPacket, Subscription } from 'aedes';
import type { KioskRegistry } from '../fleet/kiosk-registry.js';
import type { GatewayMetrics } from '../metrics.js';
import { mayPublish, maySubscribe, type Principal } from './broker-acl.js';

type AuthError = Error & { returnCode: number };
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

function authError(returnCode: number, message: string): AuthError {
  return Object.assign(new Error(message), { returnCode });
}

export class BrokerGuard {
  /** the gateway's own broker login, valid for this process only */
  readonly gatewayUser = 'gateway-internal';
  readonly gatewayPassword: string;
  private readonly principals = new WeakMap<Client, Principal>();

  constructor(
    private readonly registry: KioskRegistry,
    private readonly verifier: EnvelopeVerifier,
    private readonly metrics: GatewayMetrics,
    private readonly log: Logger,
    internalPassword?: string,
  ) {
    this.gatewayPassword = internalPassword ?? randomBytes(32).toString('base64url');
  }

  authenticate = (client: Client, username: string | undefined, password: Buffer | undefined, done: (error: AuthError | null, ok: boolean | null) => void): void => {
    const secret = password?.toString('utf8') ?? '';
    if (username === this.gatewayUser) {
      const ok = secret.length === this.gatewayPassword.length && timingSafeEqual(Buffer.from(secret), Buffer.from(this.gatewayPassword));
      if (!ok) return done(this.denied('bad_credentials', client.id, authError(BAD_CREDENTIALS, 'bad username or password')), false);
      this.principals.set(client, { kind: 'gateway' });
      return done(null, true);
    }
    if (!username) return done(this.denied('anonymous', client.id, authError(NOT_AUTHORIZED, 'log in with the kiosk id and its broker password')), false);
    const login = this.registry.checkBrokerLogin(username, secret);
    if (login === 'bad_credentials') return done(this.denied('bad_credentials', client.id, authError(BAD_CREDENTIALS, 'bad username or password')), false);
    if (login === 'revoked') return done(this.denied('revoked', client.id, authError(NOT_AUTHORIZED, 'this kiosk is revoked')), false);
    // One session per kiosk, under its own client id: nobody can take over another's session.
    if (client.id !== kioskClientId(username)) return done(this.denied('wrong_client_id', client.id, authError(NOT_AUTHORIZED, `use client id ${kioskClientId(username)}`)), false);
    const will = (client as Client & { _will?: PublishPacket })._will;
    if (will) {
      const stateTopic = kioskTopic(username, 'state');
      const verdict = this.verifier.verify(will.topic, Buffer.from(will.payload as Buffer), { checkReplay: false, maxBytes: CHANNEL_SPECS.state.maxBytes, expectedSender: username });
      if (will.topic !== stateTopic || !verdict.ok) return done(this.denied('bad_will', client.id, authError(NOT_AUTHORIZED, 'the last will must be this kiosk’s signed state')), false);
    }
    this.principals.set(client, { kind: 'kiosk', kioskId: username, storeId: this.registry.get(username)!.storeId });
    return done(null, true);
  };

  authorizePublish = (client: Client | null, packet: PublishPacket, done: (error?: Error | null) => void): void => {
    // The will arrives with no client; it was checked at login.
    if (client === null) return done(null);
    const principal = this.principals.get(client);
    const decision = principal ? mayPublish(principal, packet.topic, { retain: packet.retain, bytes: packet.payload.length }) : { allowed: false as const, reason: 'not logged in' };
    if (decision.allowed) return done(null);
    this.denied('publish', client.id, undefined, { topic: packet.topic.slice(0, 128), why: decision.reason });
    done(new Error(decision.reason));
  };

  authorizeSubscribe = (client: Client, subscription: Subscription, done: (error: Error | null, subscription?: Subscription | null) => void): void => {
    const principal = this.principals.get(client);
    const decision = principal ? maySubscribe(principal, subscription.topic) : { allowed: false as const, reason: 'not logged in' };
    if (decision.allowed) return done(null, subscription);
    this.denied('subscribe', client.id, undefined, { topic: subscription.topic.slice(0, 128), why: decision.reason });
    done(null, null); // SUBACK 128 for this filter
  };

  private denied<T>(kind: string, clientId: string, result?: T, detail: Record<string, unknown> = {}): T {
    this.metrics.brokerDenials.inc({ reason: kind });
    this.log.warn({ kind, client: clientId.slice(0, 80), ...detail }, 'broker denied');
    return result as T;
  }
}
