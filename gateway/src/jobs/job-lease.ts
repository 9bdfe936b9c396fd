/**
 * A lease in the ledger database that lets one gateway replica at a time run a job
 * (docs/reminders.md "Exactly once"). Taking it is one conditional upsert: free, expired, or
 * already ours. The holder renews it while it works; a replica that dies loses it when it runs
 * out, and another takes over.
 */
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';

export class JobLease {
  constructor(
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
    private readonly name: string,
    /** who holds it: unique per process (instance id and pid) */
    private readonly holder: string,
    private readonly ttlMs: number,
  ) {}

  /** Takes or renews the lease; false while another holder's is in force. */
  async acquire(): Promise<boolean> {
    const now = this.clock.now();
    const result = await this.writer.run((tx) =>
      tx.execute({
        sql: `INSERT INTO job_leases (name, holder, expires_at) VALUES (?1, ?2, ?3)
              ON CONFLICT (name) DO UPDATE SET holder = ?2, expires_at = ?3 WHERE job_leases.holder = ?2 OR job_leases.expires_at <= ?4`,
        args: [this.name, this.holder, new Date(now.getTime() + this.ttlMs).toISOString(), now.toISOString()],
      }),
    );
    return result.rowsAffected === 1;
  }

  /** Gives it up at once (at shutdown), so another replica need not wait for it to run out. */
  async release(): Promise<void> {
    await this.writer.run((tx) => tx.execute({ sql: 'DELETE FROM job_leases WHERE name = ? AND holder = ?', args: [this.name, this.holder] }));
  }
}
