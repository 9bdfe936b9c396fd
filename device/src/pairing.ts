/**
 * Pairing this kiosk with a gateway (docs/security.md): prove possession of the kiosk's key by signing
 * the one-time code, receive the kiosk id, store, gateway keys and broker login, and keep them
 * in the state directory (mode 0600). The private key never leaves the kiosk.
 */
import { existsSync, readFileSync } from 'node:fs';
import { sign } from 'node:crypto';
import { join } from 'node:path';
import { enrollmentProofInput } from '@loyalty/protocol';
import { writeFileDurably } from '@loyalty/protocol/node';
import { z } from 'zod';
import { loadKioskIdentity } from './identity.js';

export const Enrollment = z.object({
  kioskId: z.string(),
  storeId: z.string(),
  storeName: z.string(),
  keyFingerprint: z.string(),
  gateway: z.object({ senderIds: z.array(z.string()).min(1), publicKeys: z.array(z.string()).min(1) }),
  broker: z.object({ host: z.string(), port: z.number().int(), username: z.string(), password: z.string() }),
});
export type Enrollment = z.infer<typeof Enrollment>;

export class PairingError extends Error {
  override readonly name = 'PairingError';
}

const enrollmentPath = (stateDir: string) => join(stateDir, 'enrollment.json');

export function readEnrollment(stateDir: string): Enrollment | null {
  const path = enrollmentPath(stateDir);
  if (!existsSync(path)) return null;
  const parsed = Enrollment.safeParse(JSON.parse(readFileSync(path, 'utf8')));
  if (!parsed.success) throw new PairingError(`${path} is damaged; pair the kiosk again with --pair CODE`);
  return parsed.data;
}

export async function pairKiosk(options: { gatewayUrl: string; code: string; stateDir: string; kioskId?: string }): Promise<Enrollment> {
  const identity = loadKioskIdentity(options.stateDir);
  const proof = sign(null, enrollmentProofInput(options.code, identity.publicKey), identity.keys.privateKey).toString('base64url');
  let response: Response;
  try {
    response = await fetch(new URL('/api/v1/enrollments/claim', options.gatewayUrl), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ code: options.code, publicKey: identity.publicKey, proof, ...(options.kioskId ? { kioskId: options.kioskId } : {}) }),
      signal: AbortSignal.timeout(10_000),
    });
  } catch (error) {
    throw new PairingError(`cannot reach the gateway at ${options.gatewayUrl}: ${(error as Error).message}; check the address and the network`);
  }
  const body = (await response.json().catch(() => ({}))) as { message?: string };
  if (!response.ok) throw new PairingError(`the gateway refused pairing (HTTP ${response.status}): ${body.message ?? 'no reason given'}`);
  const enrollment = Enrollment.parse(body);
  writeFileDurably(enrollmentPath(options.stateDir), JSON.stringify(enrollment, null, 2), 0o600);
  return enrollment;
}

/** The kiosk config fields a pairing provides. */
export function enrollmentConfig(enrollment: Enrollment) {
  return {
    kioskId: enrollment.kioskId,
    storeId: enrollment.storeId,
    storeName: enrollment.storeName,
    gateway: enrollment.gateway,
    mqtt: { host: enrollment.broker.host, port: enrollment.broker.port, username: enrollment.broker.username, password: enrollment.broker.password },
  };
}
