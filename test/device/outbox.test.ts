/** The outbox's two stores under one contract suite: a libSQL file (as on a kiosk) and memory. */
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LibsqlOutboxStore, MemoryOutboxStore, Outbox } from '@loyalty/device';
import { tempDir } from '../support/system.js';
import { outboxStoreContract } from './contracts/outbox-store.js';

outboxStoreContract('memory', () => ({ store: new MemoryOutboxStore(), cleanup: () => {} }), { durable: false });

outboxStoreContract(
  'libSQL file',
  () => {
    const dir = tempDir('outbox');
    const path = `${dir.path}/outbox.db`;
    return { store: new LibsqlOutboxStore(path), reopen: () => new LibsqlOutboxStore(path), cleanup: () => dir.remove() };
  },
  { durable: true },
);

describe('libSQL outbox file', () => {
  it('is readable by the kiosk user only (pending operations carry card numbers)', async () => {
    const dir = tempDir('outbox-mode');
    const outbox = new Outbox({ store: new LibsqlOutboxStore(`${dir.path}/outbox.db`) });
    await outbox.start();
    try {
      expect(statSync(`${dir.path}/outbox.db`).mode & 0o777).toBe(0o600);
    } finally {
      await outbox.stop();
      dir.remove();
    }
  });
});
