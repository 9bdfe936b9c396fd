import { debitPoints } from './points.js';
import type { LedgerCore } from './core.js';

/**
 * Moves what is left of every lot that expired by `asOf` to `expired`. Safe to run twice or
 * from two processes at once: each lot's expiry is one transfer keyed by the lot, and the lot
 * is re-read inside the write transaction.
 */
export async function expire(core: LedgerCore, asOf: Date = core.clock.now(), batchSize = 200): Promise<{ lots: number; points: number }> {
  let lots = 0;
  let points = 0;
  for (;;) {
    const done = await core.writer.run(async (tx) => {
      const at = core.now();
      const due = (
        await tx.execute({
          sql: 'SELECT id, account_id, remaining FROM lots WHERE remaining > 0 AND expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at, id LIMIT ?',
          args: [asOf.toISOString(), batchSize],
        })
      ).rows;
      let sum = 0;
      for (const lot of due) {
        const remaining = Number(lot.remaining);
        const transferId = `expire:lot:${lot.id}`;
        await debitPoints(tx, await core.operators.id(tx, 'expired'), {
          transferId,
          account: Number(lot.account_id),
          points: remaining,
          kind: 'expire',
          refs: { lot: Number(lot.id) },
          at,
          ignoreHolds: true,
          preferLot: Number(lot.id),
        });
        sum += remaining;
      }
      return { count: due.length, sum };
    });
    lots += done.count;
    points += done.sum;
    if (done.count < batchSize) return { lots, points };
  }
}
