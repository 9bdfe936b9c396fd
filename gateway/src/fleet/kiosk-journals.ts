/**
 * Each kiosk's journal chain as the gateway receives it (docs/offline.md "The journal";
 * protocol/src/journal.ts). Every journalled request brings its link: the gateway recomputes the
 * link's hash from the request, checks the kiosk key's signature over it and keeps the link. The
 * check of a kiosk's chain reports what is missing (a gap: an operation the kiosk journalled that
 * never arrived) and what does not join (a link whose `prev` is not the hash before it: a journal
 * changed on the kiosk). Links arrive out of order while a backlog drains, so a gap is a finding
 * of the check, not of one upload.
 */
import { JOURNAL_GENESIS, journalHash, verifyJournalLink, type Request } from '@loyalty/protocol';
import type { Logger } from '@loyalty/protocol/node';
import type { KeyObject } from 'node:crypto';
import type { Clock } from '../clock.js';
import type { SqlExecutor } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';

export interface JournalCheck {
  kioskId: string;
  /** links received */
  received: number;
  lastSeq: number;
  /** sequence numbers journalled on the kiosk that never arrived */
  gaps: Array<{ from: number; to: number }>;
  /** links whose `prev` is not the hash of the link before them */
  broken: number[];
}

export type LinkOutcome = 'none' | 'recorded' | 'bad_signature';

export class KioskJournals {
  constructor(
    private readonly db: SqlExecutor,
    private readonly writer: GroupCommitWriter,
    private readonly keysOf: (kioskId: string) => readonly KeyObject[],
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /** Keeps the request's link (once: a resend changes nothing). A link the kiosk's key did not sign is not kept, so it shows as a gap. */
  async record(kioskId: string, request: Request): Promise<LinkOutcome> {
    const link = 'journal' in request ? request.journal : undefined;
    if (!link) return 'none';
    const hash = journalHash(link.prev, request);
    if (!verifyJournalLink(kioskId, link, hash, this.keysOf(kioskId))) {
      this.log.warn({ kiosk: kioskId, seq: link.seq, opId: request.opId }, 'journal link with a bad signature: not kept (it shows as a gap)');
      return 'bad_signature';
    }
    await this.writer.run((tx) =>
      tx.execute({
        sql: 'INSERT INTO kiosk_journal (kiosk_id, seq, hash, prev, op_id, received_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        args: [kioskId, link.seq, hash, link.prev, request.opId, this.clock.now().toISOString()],
      }),
    );
    return 'recorded';
  }

  async check(kioskId: string): Promise<JournalCheck> {
    const rows = (await this.db.execute({ sql: 'SELECT seq, hash, prev FROM kiosk_journal WHERE kiosk_id = ? ORDER BY seq', args: [kioskId] })).rows;
    const gaps: JournalCheck['gaps'] = [];
    const broken: number[] = [];
    let expected = 1;
    let previous: { seq: number; hash: string } | null = null;
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq > expected) gaps.push({ from: expected, to: seq - 1 });
      const joinsOnto = seq === 1 ? JOURNAL_GENESIS : previous?.seq === seq - 1 ? previous.hash : null;
      if (joinsOnto !== null && String(row.prev) !== joinsOnto) broken.push(seq);
      previous = { seq, hash: String(row.hash) };
      expected = seq + 1;
    }
    const check = { kioskId, received: rows.length, lastSeq: previous?.seq ?? 0, gaps, broken };
    if (gaps.length || broken.length) this.log.warn({ kiosk: kioskId, gaps: gaps.length, broken: broken.length }, 'kiosk journal has gaps or broken links');
    return check;
  }
}
