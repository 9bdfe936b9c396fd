/** The HTTP auth hooks an external broker (EMQX, mosquitto-go-auth) calls for kiosks. */
import { describe, expect, it } from 'vitest';
import { loadKioskIdentity } from '@loyalty/device';
import { seed, startGateway, tempDir } from '../support/system.js';

describe('broker auth hooks for an external broker (EMQX HTTP authn/authz format)', () => {
  it('allows a kiosk its own login and topics, and denies everything else', async () => {
    const dir = tempDir('hooks');
    const { gateway } = await startGateway(dir.path, { mqtt: { authHookSecret: 'a-long-shared-secret-123' } });
    try {
      await seed(gateway);
      const { brokerPassword } = await gateway.registry.register('kiosk-7', 'store-1', loadKioskIdentity(`${dir.path}/k7`).publicKey);
      const hook = async (path: string, body: unknown, secret = 'a-long-shared-secret-123') => {
        const response = await fetch(`${gateway.httpUrl}/api/v1/broker/${path}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-broker-secret': secret },
          body: JSON.stringify(body),
        });
        return response.status === 200 ? ((await response.json()) as { result: string }).result : response.status;
      };
      expect(await hook('auth', { username: 'kiosk-7', password: brokerPassword, clientid: 'kiosk-kiosk-7' })).toBe('allow');
      expect(await hook('auth', { username: 'kiosk-7', password: 'guess', clientid: 'kiosk-kiosk-7' })).toBe('deny');
      expect(await hook('auth', { username: 'kiosk-7', password: brokerPassword, clientid: 'someone' })).toBe('deny');
      expect(await hook('auth', { username: 'kiosk-7', password: brokerPassword, clientid: 'kiosk-kiosk-7' }, 'wrong-secret-000000000')).toBe(401);
      expect(await hook('acl', { username: 'kiosk-7', topic: 'loyalty/v1/k/kiosk-7/req', action: 'publish' })).toBe('allow');
      expect(await hook('acl', { username: 'kiosk-7', topic: 'loyalty/v1/k/kiosk-8/req', action: 'publish' })).toBe('deny');
      expect(await hook('acl', { username: 'kiosk-7', topic: 'loyalty/v1/s/store-1/hotlist', action: 'subscribe' })).toBe('allow');
      expect(await hook('acl', { username: 'kiosk-7', topic: '#', action: 'subscribe' })).toBe('deny');
      await gateway.revokeKiosk('kiosk-7', 'test');
      expect(await hook('auth', { username: 'kiosk-7', password: brokerPassword, clientid: 'kiosk-kiosk-7' })).toBe('deny');
      expect(await hook('acl', { username: 'kiosk-7', topic: 'loyalty/v1/k/kiosk-7/req', action: 'publish' })).toBe('deny');
    } finally {
      await gateway.stop();
      dir.remove();
    }
  });
});
