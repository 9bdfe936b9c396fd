/**
 * The gateway's one writer (DESIGN §3). One libSQL client cannot run overlapping write
 * transactions (HARDWARE-LAB), so every write in this process queues here. Concurrent
 * operations are group-committed: up to `maxBatch` of them share one BEGIN IMMEDIATE … COMMIT
 * (one fsync), each inside its own SAVEPOINT so a failing operation rolls back alone. A caller
 * is answered only after the commit that holds its operation.
 */
import type { Client, Transaction } from '@libsql/client';

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
  /** for metrics and the benchmark */
  batches = 0;
  operations = 0;

  constructor(
    private readonly client: Client,
    private readonly maxBatch = 100,
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
    let tx: Transaction;
    try {
      tx = await this.client.transaction('write');
    } catch (error) {
      for (const job of batch) job.reject(error);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      for (const job of batch) {
        await tx.execute('SAVEPOINT op');
        try {
          const value = await job.op(tx);
          await tx.execute('RELEASE op');
          outcomes.push({ ok: true, value });
        } catch (error) {
          await tx.execute('ROLLBACK TO op');
          await tx.execute('RELEASE op');
          outcomes.push({ ok: false, error });
        }
      }
      await tx.commit();
    } catch (error) {
      // The transaction itself failed (disk full, lock lost): nothing in it happened.
      for (const job of batch) job.reject(error);
      return;
    } finally {
      tx.close();
    }
    this.batches += 1;
    this.operations += batch.length;
    batch.forEach((job, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) job.resolve(outcome.value);
      else job.reject(outcome.error);
    });
  }
}
