// A child process for the crash and multi-process tests: drives the built ledger
// (gateway/dist) with concurrent earns and redemptions and prints one JSON line per answered
// operation. Usage: node ledger-worker.mjs <db path> <worker id> <ops (0 = until killed)> <cards,comma,separated> [replay file]
import { readFileSync } from 'node:fs';
import { GroupCommitWriter, Ledger, LedgerError, openDatabase } from '../../gateway/dist/index.js';
import { OpIdGenerator } from '../../protocol/dist/index.js';

const [dbPath, workerId, opsArg, cardsArg, replayFile] = process.argv.slice(2);
const total = Number(opsArg);
const cards = cardsArg.split(',');
const client = await openDatabase({ url: `file:${dbPath}`, busyTimeoutMs: 10_000 });
const writer = new GroupCommitWriter(client);
const ledger = new Ledger(client, writer, { demoPointsPerUnit: 1, pointsExpiryDays: 365 });
const ids = new OpIdGenerator();
const say = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);

async function perform(op) {
  try {
    if (op.kind === 'earn') {
      // The till registers the sale first, as it does before printing the receipt.
      await ledger.registerSale({ opId: `sale:${op.receiptId}`, storeId: 's1', tillId: 'till-1', receiptId: op.receiptId, total: op.amount, currency: 'EUR', source: op.source });
      const r = await ledger.earn({ opId: op.opId, card: { number: op.card }, receipt: { id: op.receiptId, total: { amount: op.amount, currency: 'EUR' } }, storeId: 's1', source: op.source });
      say({ ...op, status: r.result, points: r.pointsEarned });
    } else {
      const r = await ledger.redeem({ opId: op.opId, card: { number: op.card }, points: op.points, storeId: 's1', source: op.source, currency: 'EUR' });
      say({ ...op, status: r.result });
    }
  } catch (error) {
    if (error instanceof LedgerError) say({ ...op, status: 'refused', code: error.code });
    else say({ ...op, status: 'error', message: String(error.message) });
  }
}

// First, replay what an earlier run acknowledged: each must come back `exists` (or the same refusal).
if (replayFile) {
  const earlier = JSON.parse(readFileSync(replayFile, 'utf8'));
  await Promise.all(earlier.map((op) => perform({ ...op, replay: true, status: undefined, code: undefined })));
}
say({ ready: true });

let issued = 0;
const next = () => {
  if (total > 0 && issued >= total) return null;
  issued += 1;
  const card = cards[issued % cards.length];
  const opId = ids.next();
  return issued % 3 === 0
    ? { kind: 'redeem', opId, card, points: 1 + (issued % 7), source: `worker:${workerId}` }
    : { kind: 'earn', opId, card, receiptId: `${workerId}-${opId}`, amount: 100 * (1 + (issued % 9)), source: `worker:${workerId}` };
};
// 16 concurrent callers, as many kiosks and tills would be.
await Promise.all(
  Array.from({ length: 16 }, async () => {
    for (let op = next(); op; op = next()) await perform(op);
  }),
);
await writer.close();
client.close();
