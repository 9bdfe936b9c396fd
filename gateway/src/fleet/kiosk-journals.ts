/**
 * Each kiosk's journal chain as the gateway receives it (docs/offline.md "The journal";
 * protocol/src/journal.ts). Every journalled request brings its link: the gateway recomputes the
 * link's hash from the request and keeps the link with the kiosk's signature. In transit the
 * envelope's signature, checked with the same kiosk key before anything else, covers the request
 * and its link together, so the link's own signature (the journal's at rest, for an auditor with
 * the kiosk's files) is kept, not checked again: that would be a second Ed25519 verification on
 * every journalled request. The check of a kiosk's chain reports what is missing (a gap: an
 * operation the kiosk journalled that never arrived) and what does not join (a link whose `prev`
 * is not the hash before it: a journal changed on the kiosk). Links arrive out of order while a
 * backlog drains, so a gap is a finding of the check, not of one upload.
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

export class KioskJournals {
  constructor(
    private readonly db: SqlExecutor,
    private readonly writer: GroupCommitWriter,
    private readonly keysOf: (kioskId: string) => readonly KeyObject[],
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  /**
   * Keeps the requests' links (once: a resend changes nothing); a batch's in one write, one job in
   * the group commit rather than one each. Requests without a link are skipped.
   */
  async recordAll(kioskId: string, requests: readonly Request[]): Promise<number> {
    const at = this.clock.now().toISOString();
    const rows = requests.flatMap((request) => {
      const link = 'journal' in request ? request.journal : undefined;
      return link ? [[kioskId, link.seq, journalHash(link.prev, request), link.prev, link.sig, request.opId, at]] : [];
    });
    if (!rows.length) return 0;
    await this.writer.run(async (tx) => {
      for (const args of rows) {
        await tx.execute({ sql: 'INSERT INTO kiosk_journal (kiosk_id, seq, hash, prev, sig, op_id, received_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING', args });
      }
    });
    return rows.length;
  }

  /**
   * The kiosk key's signatures over the links received, checked with the keys the kiosk holds
   * now (an audit, not the upload path): the sequence numbers whose signature does not verify.
   */
  async unsigned(kioskId: string): Promise<number[]> {
    const keys = this.keysOf(kioskId);
    const rows = (await this.db.execute({ sql: 'SELECT seq, hash, prev, sig FROM kiosk_journal WHERE kiosk_id = ? ORDER BY seq', args: [kioskId] })).rows;
    return rows.filter((r) => !verifyJournalLink(kioskId, { seq: Number(r.seq), prev: String(r.prev), sig: String(r.sig) }, String(r.hash), keys)).map((r) => Number(r.seq));
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
