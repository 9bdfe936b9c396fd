/**
 * What customers ask of their data from the customers' page that an operator carries out
 * (docs/self-service.md "Your data"): erasure is queued, one open request per customer, and an
 * operator completes it (the customer is anonymised as by POST /customers/{id}/erase) or declines
 * it with a note (a debt still owed, a legal hold). The export needs no operator: the page hands
 * it over at once.
 */
import { randomUUID } from 'node:crypto';
import type { SqlClient } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import type { Clock } from '../clock.js';
import { recordAudit } from '../audit/audit-log.js';
import { LedgerError } from '../ledger/errors.js';
import type { CustomerService } from '../members/customer-service.js';

export type DataRequestState = 'queued' | 'done' | 'declined';

export interface DataRequest {
  id: string;
  customerId: string;
  kind: 'erasure';
  state: DataRequestState;
  createdAt: string;
  doneAt: string | null;
  doneBy: string | null;
  note: string | null;
}

export class DataRequests {
  constructor(
    private readonly client: SqlClient,
    private readonly writer: GroupCommitWriter,
    private readonly customers: CustomerService,
    private readonly clock: Clock,
  ) {}

  /** Queues the customer's erasure; asking again while one is open returns the open one. */
  async requestErasure(customerId: string): Promise<DataRequest> {
    await this.writer.run((tx) =>
      tx.execute({
        sql: `INSERT INTO data_requests (id, customer_id, kind, state, created_at) VALUES (?, ?, 'erasure', 'queued', ?) ON CONFLICT DO NOTHING`,
        args: [randomUUID(), customerId, this.clock.now().toISOString()],
      }),
    );
    const row = (await this.client.execute({ sql: `SELECT * FROM data_requests WHERE customer_id = ? AND kind = 'erasure' AND state = 'queued'`, args: [customerId] })).rows[0]!;
    return view(row);
  }

  async list(filter: { state?: DataRequestState; limit: number }): Promise<DataRequest[]> {
    const rows = (
      await this.client.execute({
        sql: `SELECT * FROM data_requests ${filter.state ? 'WHERE state = ?' : ''} ORDER BY created_at, id LIMIT ?`,
        args: [...(filter.state ? [filter.state] : []), filter.limit],
      })
    ).rows;
    return rows.map(view);
  }

  /** Carries out a queued erasure: the customer is anonymised and the request closed, each audited. */
  async complete(id: string, actor: string): Promise<DataRequest> {
    const request = await this.open(id);
    await this.customers.erase(request.customerId, actor);
    return this.close(id, 'done', actor, null);
  }

  async decline(id: string, actor: string, note: string): Promise<DataRequest> {
    await this.open(id);
    return this.close(id, 'declined', actor, note);
  }

  private async open(id: string): Promise<DataRequest> {
    const row = (await this.client.execute({ sql: 'SELECT * FROM data_requests WHERE id = ?', args: [id] })).rows[0];
    if (!row) throw new LedgerError('data_request_not_found', `no data request ${id}`);
    const request = view(row);
    if (request.state !== 'queued') throw new LedgerError('data_request_closed', `data request ${id} is already ${request.state}`);
    return request;
  }

  private async close(id: string, state: 'done' | 'declined', actor: string, note: string | null): Promise<DataRequest> {
    await this.writer.run(async (tx) => {
      const at = this.clock.now().toISOString();
      const changed = await tx.execute({ sql: `UPDATE data_requests SET state = ?, done_at = ?, done_by = ?, note = ? WHERE id = ? AND state = 'queued'`, args: [state, at, actor, note, id] });
      if (changed.rowsAffected === 0) throw new LedgerError('data_request_closed', `data request ${id} was closed meanwhile`);
      const customer = (await tx.execute({ sql: 'SELECT customer_id FROM data_requests WHERE id = ?', args: [id] })).rows[0]!;
      await recordAudit(tx, { actor, action: `data_request.${state}`, customerId: String(customer.customer_id), detail: { requestId: id, kind: 'erasure' } }, at);
    });
    return view((await this.client.execute({ sql: 'SELECT * FROM data_requests WHERE id = ?', args: [id] })).rows[0]!);
  }
}

function view(row: Record<string, unknown>): DataRequest {
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  return {
    id: String(row.id),
    customerId: String(row.customer_id),
    kind: 'erasure',
    state: String(row.state) as DataRequestState,
    createdAt: String(row.created_at),
    doneAt: text(row.done_at),
    doneBy: text(row.done_by),
    note: text(row.note),
  };
}
