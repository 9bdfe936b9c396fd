/**
 * The gateway's one writer (docs/ledger.md). One libSQL client cannot run overlapping write
 * transactions (docs/hardware-lab.md), so every write in this process queues here. Concurrent
 * operations are group-committed: up to `maxBatch` of them share one BEGIN IMMEDIATE … COMMIT
 * (one fsync), and a failing operation rolls back alone (see commitBatch). A caller is
 * answered only after the commit that holds its operation.
 */
import type { SqlClient as Client, SqlTransaction as Transaction } from './sql.js';

export type WriteOp<T> = (tx: Transaction) => Promise<T>;

interface Job {
  op: WriteOp<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class WriterClosedError extends Error {
  override readonly name = 'WriterClosedError';
  constructor() {
    super('the ledger writer is stopped; the gateway is shutting down');
  }
}

export class GroupCommitWriter {
  private queue: Job[] = [];
  private draining: Promise<void> | null = null;
  private closed = false;
  /** after a failed optimistic batch, this many next batches run with savepoints */
  private isolateBatches = 0;
  /** for metrics and the benchmark */
  batches = 0;
  operations = 0;

  constructor(
    private readonly client: Client,
    private readonly maxBatch = 100,
    /** told of each committed transaction: its operations and seconds from BEGIN to COMMIT (metrics.ts) */
    private readonly onCommit?: (operations: number, seconds: number) => void,
  ) {}

  run<T>(op: WriteOp<T>): Promise<T> {
    if (this.closed) return Promise.reject(new WriterClosedError());
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (v: unknown) => void, reject });
      if (!this.draining) this.draining = this.drain();
    });
  }

  /** Lets queued operations finish, then refuses new ones. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.draining) await this.draining;
  }

  private async drain(): Promise<void> {
    // Yield once so operations submitted in the same tick join the first batch.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, this.maxBatch);
        await this.commitBatch(batch);
      }
    } finally {
      // Cleared in the same synchronous step as the last empty-queue check: a job queued after
      // this line starts a new drain, a job queued before it was taken by the loop.
      this.draining = null;
    }
  }

  private async commitBatch(batch: Job[]): Promise<void> {
    // Optimistic first: without per-operation savepoints (two statements fewer per operation,
    // which is most of the cost on a fast disk). If any operation fails, the whole attempt is
    // rolled back and the batch runs again with savepoints, so the failure stays alone;
    // operations are functions of the database state, so running one again is safe.
    if (this.isolateBatches === 0 && batch.length > 1) {
      const outcomes = await this.attempt(batch, false);
      if (outcomes !== 'retry_isolated') return this.settle(batch, outcomes);
      // Refusals tend to come in runs (an empty card tapped again): isolate for a while.
      this.isolateBatches = 8;
    } else if (this.isolateBatches > 0) {
      this.isolateBatches -= 1;
    }
    const outcomes = await this.attempt(batch, batch.length > 1);
    if (outcomes !== 'retry_isolated') this.settle(batch, outcomes);
  }

  private async attempt(batch: Job[], isolated: boolean): Promise<Outcome[] | 'retry_isolated' | null> {
    let tx: Transaction;
    const began = performance.now();
    try {
      tx = await this.client.transaction('write');
    } catch (error) {
      for (const job of batch) job.reject(error);
      return null;
    }
    const outcomes: Outcome[] = [];
    try {
      for (const job of batch) {
        if (isolated) await tx.execute('SAVEPOINT op');
        try {
          const value = await job.op(tx);
          if (isolated) await tx.execute('RELEASE op');
          outcomes.push({ ok: true, value });
        } catch (error) {
          if (!isolated && batch.length > 1) {
            await tx.rollback();
            return 'retry_isolated';
          }
          if (isolated) {
            try {
              await tx.execute('ROLLBACK TO op');
              await tx.execute('RELEASE op');
            } catch {
              // SQLite rolled the whole transaction back itself (a full disk, an I/O error): nothing of
              // the batch stands, and the operation's own error (SQLITE_FULL) says why, not "no such savepoint".
              throw error;
            }
          }
          outcomes.push({ ok: false, error });
        }
      }
      if (batch.length === 1 && !outcomes[0]!.ok) await tx.rollback();
      else {
        await tx.commit();
        this.onCommit?.(batch.length, (performance.now() - began) / 1000);
      }
    } catch (error) {
      // The transaction itself failed (disk full, lock lost): nothing in it happened.
      for (const job of batch) job.reject(error);
      return null;
    } finally {
      tx.close();
    }
    return outcomes;
  }

  private settle(batch: Job[], outcomes: Outcome[] | null): void {
    if (!outcomes) return;
    this.batches += 1;
    this.operations += batch.length;
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };
