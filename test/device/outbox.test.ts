import { afterEach, describe, expect, it } from 'vitest';
import { Outbox } from '@loyalty/device';
import { OpIdGenerator, type Request } from '@loyalty/protocol';
import { tempDir } from '../support/system.js';

const ids = new OpIdGenerator();
const earn = (receiptId: string): Request => ({ kind: 'earn', opId: ids.next(), card: { number: '10009' }, receipt: { id: receiptId, total: { amount: 100, currency: 'EUR' } } });

describe('durable outbox (libSQL file)', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => dirs.splice(0).forEach((d) => d.remove()));

  it('keeps entries across a reopen, oldest first, and removes them once', async () => {
    const dir = tempDir('outbox');
    dirs.push(dir);
    const path = `${dir.path}/outbox.db`;
    const first = new Outbox(path);
    await first.start();
    const a = earn('A');
    const b = earn('B');
    await first.add(b.opId < a.opId ? b : a);
    await first.add(b.opId < a.opId ? a : b);
    await first.add(a); // a repeat of the same op id is kept once
    await first.stop();

    const reopened = new Outbox(path);
    await reopened.start();
    expect((await reopened.pending()).map((e) => e.request)).toEqual([a, b]);
    expect(await reopened.remove(a.opId)).toBe(true);
    expect(await reopened.remove(a.opId)).toBe(false);
    expect(await reopened.depth()).toBe(1);
    await reopened.stop();
  });
});
