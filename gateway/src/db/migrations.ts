/**
 * Schema migrations, applied in order at start inside one write transaction each; applied ids
 * are recorded in schema_migrations. Never edit a shipped migration: add a new one.
 *
 * Balances: every account's `balance` is Σ credits − Σ debits in its unit. Customer points
 * accounts are the operator's liabilities and stay ≥ 0; operator accounts such as `issued` go
 * negative by design. Σ of all balances per unit is 0 (double entry), checked by verify.
 */
export interface Migration {
  id: number;
  name: string;
  sql: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    id: 1,
    name: 'foundation',
    sql: [
      `CREATE TABLE stores (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        timezone TEXT NOT NULL DEFAULT 'UTC',
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE programs (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE customers (
        id TEXT PRIMARY KEY,
        name TEXT,
        phone TEXT UNIQUE,
        email TEXT,
        birthday TEXT,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE cards (
        number TEXT PRIMARY KEY,
        uid TEXT UNIQUE,
        program_id TEXT NOT NULL REFERENCES programs(id),
        customer_id TEXT REFERENCES customers(id),
        status TEXT NOT NULL CHECK (status IN ('active', 'blocked', 'unlinked')),
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE accounts (
        id INTEGER PRIMARY KEY,
        code TEXT NOT NULL UNIQUE,
        kind TEXT NOT NULL CHECK (kind IN ('customer', 'operator')),
        unit TEXT NOT NULL,
        card_number TEXT REFERENCES cards(number),
        balance INTEGER NOT NULL DEFAULT 0,
        CHECK (kind <> 'customer' OR balance >= 0)
      )`,
      `CREATE TABLE transfers (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        debit_account INTEGER NOT NULL REFERENCES accounts(id),
        credit_account INTEGER NOT NULL REFERENCES accounts(id),
        amount INTEGER NOT NULL CHECK (amount > 0),
        unit TEXT NOT NULL,
        kind TEXT NOT NULL,
        refs TEXT NOT NULL,
        at TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )`,
      `CREATE INDEX transfers_debit ON transfers(debit_account, seq)`,
      `CREATE INDEX transfers_credit ON transfers(credit_account, seq)`,
      // The op-id claim: one row per state-changing operation that succeeded, with the hash of
      // the request that made it, so a repeat returns the first result (DESIGN §2 Idempotency).
      `CREATE TABLE ops (
        op_id TEXT PRIMARY KEY,
        request_hash TEXT NOT NULL,
        result TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE claimed_receipts (
        store_id TEXT NOT NULL,
        receipt_id TEXT NOT NULL,
        op_id TEXT NOT NULL,
        PRIMARY KEY (store_id, receipt_id)
      )`,
      `CREATE TABLE kiosks (
        id TEXT PRIMARY KEY,
        store_id TEXT NOT NULL REFERENCES stores(id),
        public_key TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('active', 'revoked')),
        online INTEGER NOT NULL DEFAULT 0,
        last_seen TEXT,
        telemetry TEXT,
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE sender_marks (
        sender TEXT PRIMARY KEY,
        highest INTEGER NOT NULL
      )`,
    ],
  },
  {
    id: 2,
    name: 'api tokens',
    sql: [
      // Only a hash of each token is kept: a copy of the database does not hand out access.
      `CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        token_hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL CHECK (role IN ('admin', 'pos', 'viewer')),
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      )`,
    ],
  },
];

export const SCHEMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;
