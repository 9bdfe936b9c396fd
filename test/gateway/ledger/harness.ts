import type { SqlClient as Client } from '@loyalty/gateway';
import { Directory, GroupCommitWriter, Ledger, openDatabase, type LedgerOptions } from '@loyalty/gateway';
import { cardNumberFor } from '@loyalty/protocol';
import { tempDir } from '../../support/system.js';

/** A clock tests move by hand. */
export class ManualClock {
  constructor(public ms = Date.parse('2026-01-01T00:00:00.000Z')) {}
  now(): Date {
    return new Date(this.ms);
  }
  advanceDays(days: number): void {
    this.ms += days * 86_400_000;
  }
}

export interface LedgerRig {
  client: Client;
  writer: GroupCommitWriter;
  ledger: Ledger;
  directory: Directory;
  clock: ManualClock;
  cards: string[];
  close: () => Promise<void>;
}

export async function ledgerRig(options: Partial<LedgerOptions> = {}, cardCount = 3): Promise<LedgerRig> {
  const dir = tempDir('ledger-rig');
  const clock = new ManualClock();
  const client = await openDatabase({ url: `file:${dir.path}/ledger.db`, busyTimeoutMs: 2000 });
  const writer = new GroupCommitWriter(client);
  const ledger = new Ledger(client, writer, { demoPointsPerUnit: 1, pointsExpiryDays: 10, holdTtlMs: 60_000, clock, ...options });
  const directory = new Directory(client, writer, clock);
  await directory.ensureStore({ id: 's1', name: 'Store' });
  await directory.ensureProgram({ id: 'p', name: 'Points' });
  const cards: string[] = [];
  for (let i = 0; i < cardCount; i += 1) {
    const number = cardNumberFor(1000 + i);
    const customerId = await directory.createCustomer({ name: `Customer ${i}` });
    await directory.issueCard({ number, programId: 'p', customerId });
    cards.push(number);
  }
  return {
    client,
    writer,
    ledger,
    directory,
    clock,
    cards,
    close: async () => {
      await writer.close();
      client.close();
      dir.remove();
    },
  };
}

/** A purchase of `quantity` items at 1.00 each: earns `quantity` points at the demo rate. */
export function basket(quantity: number) {
  return [{ sku: 'SKU-1', category: 'grocery', quantity, unitPrice: 100 }];
}
