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
      // the request that made it, so a repeat returns the first result (docs/protocol.md "Idempotency").
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
  {
    id: 3,
    name: 'points ledger: card accounts, lots, holds, purchases, refunds, clawback, coupons',
    sql: [
      // A card points at its points account; a replacement card takes the account over, so
      // balance, lots, tier and history follow the customer without moving value.
      `ALTER TABLE cards ADD COLUMN account_id INTEGER REFERENCES accounts(id)`,
      `INSERT INTO accounts (code, kind, unit, card_number)
         SELECT 'card:' || number || ':points', 'customer', 'points', number FROM cards
          WHERE NOT EXISTS (SELECT 1 FROM accounts a WHERE a.code = 'card:' || cards.number || ':points')`,
      `UPDATE cards SET account_id = (SELECT id FROM accounts a WHERE a.code = 'card:' || cards.number || ':points')`,
      `CREATE INDEX cards_account ON cards(account_id)`,
      `CREATE TABLE lots (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        transfer_id TEXT NOT NULL REFERENCES transfers(id),
        points INTEGER NOT NULL CHECK (points > 0),
        remaining INTEGER NOT NULL CHECK (remaining >= 0 AND remaining <= points),
        expires_at TEXT,
        created_at TEXT NOT NULL
      )`,
      `CREATE INDEX lots_open ON lots(account_id, expires_at IS NULL, expires_at, id) WHERE remaining > 0`,
      `CREATE INDEX lots_expiring ON lots(expires_at) WHERE remaining > 0 AND expires_at IS NOT NULL`,
      `CREATE TABLE lot_draws (
        transfer_id TEXT NOT NULL REFERENCES transfers(id),
        lot_id INTEGER NOT NULL REFERENCES lots(id),
        points INTEGER NOT NULL CHECK (points > 0),
        PRIMARY KEY (transfer_id, lot_id)
      )`,
      `CREATE TABLE holds (
        id TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        points INTEGER NOT NULL CHECK (points > 0),
        state TEXT NOT NULL CHECK (state IN ('pending', 'posted', 'voided')),
        reason TEXT NOT NULL,
        refs TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        resolved_at TEXT,
        transfer_id TEXT REFERENCES transfers(id)
      )`,
      `CREATE INDEX holds_pending ON holds(account_id) WHERE state = 'pending'`,
      `CREATE TABLE purchases (
        id TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        card_number TEXT NOT NULL,
        store_id TEXT NOT NULL,
        currency TEXT NOT NULL,
        items TEXT NOT NULL,
        total INTEGER NOT NULL,
        discount INTEGER NOT NULL,
        points_earned INTEGER NOT NULL,
        points_redeemed INTEGER NOT NULL,
        lot_id INTEGER REFERENCES lots(id),
        created_at TEXT NOT NULL
      )`,
      `CREATE TABLE refunds (
        id TEXT PRIMARY KEY,
        purchase_id TEXT NOT NULL REFERENCES purchases(id),
        items TEXT NOT NULL,
        value INTEGER NOT NULL,
        points_reversed INTEGER NOT NULL,
        clawback INTEGER NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE INDEX refunds_purchase ON refunds(purchase_id)`,
      // What a customer owes after a refund took back points already spent; earnings repay it.
      `CREATE TABLE debts (
        account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
        outstanding INTEGER NOT NULL CHECK (outstanding >= 0)
      )`,
      `CREATE TABLE coupons (
        code TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        transfer_id TEXT NOT NULL REFERENCES transfers(id),
        points INTEGER NOT NULL,
        value INTEGER NOT NULL,
        currency TEXT NOT NULL,
        reward_id TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_store TEXT
      )`,
      // Lots for balances earned before lots existed (the walking skeleton's demo earns).
      `INSERT INTO lots (account_id, transfer_id, points, remaining, expires_at, created_at)
         SELECT a.id, (SELECT t.id FROM transfers t WHERE t.credit_account = a.id ORDER BY t.seq DESC LIMIT 1), a.balance, a.balance, NULL, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
           FROM accounts a WHERE a.kind = 'customer' AND a.balance > 0`,
    ],
  },
  {
    id: 4,
    name: 'operator points accounts exist from the start',
    sql: [
      // Seeded once so the ledger can cache their ids: an id read here can never be rolled back.
      ...['issued', 'redeemed', 'expired', 'adjustments', 'clawback', 'offline_overdraft'].map(
        (name) => `INSERT INTO accounts (code, kind, unit) VALUES ('op:${name}:points', 'operator', 'points') ON CONFLICT (code) DO NOTHING`,
      ),
    ],
  },
  {
    id: 5,
    name: 'customers and cards: consent, erasure, card numbering, batches, card events, hotlist, one-time codes',
    sql: [
      `ALTER TABLE customers ADD COLUMN referred_by TEXT REFERENCES customers(id)`,
      `ALTER TABLE customers ADD COLUMN marketing_consent INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE customers ADD COLUMN marketing_consent_at TEXT`,
      `ALTER TABLE customers ADD COLUMN erased_at TEXT`,
      `ALTER TABLE cards ADD COLUMN batch_id TEXT`,
      `ALTER TABLE cards ADD COLUMN blocked_reason TEXT`,
      `ALTER TABLE cards ADD COLUMN blocked_at TEXT`,
      // The next card-number payload (the number without its check digit), chain-wide.
      `CREATE TABLE card_sequence (id INTEGER PRIMARY KEY CHECK (id = 1), next_payload INTEGER NOT NULL)`,
      `CREATE TABLE card_batches (
        id TEXT PRIMARY KEY,
        program_id TEXT NOT NULL REFERENCES programs(id),
        first_number TEXT NOT NULL,
        count INTEGER NOT NULL,
        created_at TEXT NOT NULL
      )`,
      // The card's life, for audit: issued, linked, relinked, blocked, replaced.
      `CREATE TABLE card_events (
        id INTEGER PRIMARY KEY,
        card_number TEXT NOT NULL,
        kind TEXT NOT NULL,
        detail TEXT NOT NULL,
        actor TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      `CREATE INDEX card_events_card ON card_events(card_number, id)`,
      // Each block or replacement bumps the version; the content is every blocked card.
      `CREATE TABLE hotlist_versions (
        version INTEGER PRIMARY KEY AUTOINCREMENT,
        card_number TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      `CREATE TABLE otp_codes (
        id TEXT PRIMARY KEY,
        phone TEXT NOT NULL,
        purpose TEXT NOT NULL,
        binding TEXT NOT NULL,
        code_hash TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        kiosk_id TEXT,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        consumed_at TEXT,
        superseded_at TEXT
      )`,
      `CREATE INDEX otp_phone ON otp_codes(phone, created_at)`,
      `CREATE INDEX otp_kiosk ON otp_codes(kiosk_id, created_at)`,
      `CREATE TABLE registrations (
        id TEXT PRIMARY KEY,
        card_number TEXT NOT NULL REFERENCES cards(number),
        phone TEXT NOT NULL,
        name TEXT,
        otp_id TEXT NOT NULL REFERENCES otp_codes(id),
        state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed')),
        customer_id TEXT REFERENCES customers(id),
        created_at TEXT NOT NULL,
        confirmed_at TEXT
      )`,
    ],
  },
  {
    id: 6,
    name: 'kiosk broker credentials, revocation, enrollment codes',
    sql: [
      // The kiosk's broker password, issued by the gateway at enrollment; only its hash is kept.
      `ALTER TABLE kiosks ADD COLUMN broker_secret_hash TEXT`,
      `ALTER TABLE kiosks ADD COLUMN revoked_at TEXT`,
      `ALTER TABLE kiosks ADD COLUMN revoked_reason TEXT`,
      `CREATE TABLE enrollments (
        code_hash TEXT PRIMARY KEY,
        store_id TEXT NOT NULL REFERENCES stores(id),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        kiosk_id TEXT
      )`,
    ],
  },
  {
    id: 7,
    name: 'programs as versioned documents, store rule bundles, member state, memberships',
    sql: [
      `ALTER TABLE programs ADD COLUMN kind TEXT`,
      // Every PUT is a new version; a version is a draft until it is published (never edited).
      `CREATE TABLE program_versions (
        program_id TEXT NOT NULL REFERENCES programs(id),
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        published_at TEXT,
        published_by TEXT,
        stores TEXT,
        PRIMARY KEY (program_id, version)
      )`,
      // Each signed bundle sent to a store; versions only grow (one counter for all stores).
      `CREATE TABLE rule_bundles (
        version INTEGER PRIMARY KEY AUTOINCREMENT,
        store_id TEXT NOT NULL,
        body TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      `CREATE INDEX rule_bundles_store ON rule_bundles(store_id, version)`,
      // What the evaluator needs to remember per points account between purchases.
      `CREATE TABLE member_state (
        account_id INTEGER PRIMARY KEY REFERENCES accounts(id),
        tier TEXT,
        tier_review_at TEXT,
        birthday_bonus_year INTEGER
      )`,
      // Club and paid memberships belong to the customer, not to a card (non-transferable).
      `CREATE TABLE memberships (
        customer_id TEXT NOT NULL REFERENCES customers(id),
        program_id TEXT NOT NULL REFERENCES programs(id),
        valid_until TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (customer_id, program_id)
      )`,
      `ALTER TABLE purchases ADD COLUMN rule_set_version INTEGER`,
      `ALTER TABLE purchases ADD COLUMN earning_rule TEXT`,
      `ALTER TABLE purchases ADD COLUMN paid INTEGER`,
      `ALTER TABLE purchases ADD COLUMN capped_points INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE purchases ADD COLUMN cashback INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE purchases ADD COLUMN partner_id TEXT`,
      `ALTER TABLE purchases ADD COLUMN tier_before TEXT`,
      `ALTER TABLE purchases ADD COLUMN tier_after TEXT`,
      `ALTER TABLE purchases ADD COLUMN lines TEXT`,
      `UPDATE purchases SET paid = total - discount WHERE paid IS NULL`,
      `CREATE INDEX purchases_account ON purchases(account_id, created_at)`,
      `ALTER TABLE refunds ADD COLUMN cashback_reversed INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE coupons ADD COLUMN reward_name TEXT`,
    ],
  },
  {
    id: 8,
    name: 'cashback wallet payments at checkout',
    sql: [`ALTER TABLE purchases ADD COLUMN wallet_paid INTEGER NOT NULL DEFAULT 0`, `ALTER TABLE refunds ADD COLUMN wallet_returned INTEGER NOT NULL DEFAULT 0`],
  },
  {
    id: 9,
    name: 'staged rule rollout: which program version each store runs, and every publication',
    sql: [
      // The version of each program a store runs. Publishing to some stores changes only their
      // rows, so the other stores keep what they had (docs/programs.md "Publishing").
      `CREATE TABLE store_programs (
        store_id TEXT NOT NULL REFERENCES stores(id),
        program_id TEXT NOT NULL REFERENCES programs(id),
        version INTEGER NOT NULL,
        assigned_at TEXT NOT NULL,
        assigned_by TEXT NOT NULL,
        PRIMARY KEY (store_id, program_id),
        FOREIGN KEY (program_id, version) REFERENCES program_versions(program_id, version)
      )`,
      // Every publish and rollback; \`stores\` NULL means chain-wide (new stores get it too).
      `CREATE TABLE program_publications (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        program_id TEXT NOT NULL REFERENCES programs(id),
        version INTEGER NOT NULL,
        stores TEXT,
        action TEXT NOT NULL CHECK (action IN ('publish', 'rollback')),
        at TEXT NOT NULL,
        actor TEXT NOT NULL
      )`,
      `INSERT INTO program_publications (program_id, version, stores, action, at, actor)
         SELECT program_id, version, stores, 'publish', published_at, COALESCE(published_by, 'unknown')
           FROM program_versions WHERE published_at IS NOT NULL ORDER BY published_at, program_id, version`,
      // Each store gets back, per program, the newest version ever published to it: this undoes
      // the bundles that lost a program when a newer version went to other stores only. The
      // gateway rebuilds a store's bundle at start when it differs from these rows.
      `INSERT INTO store_programs (store_id, program_id, version, assigned_at, assigned_by)
         SELECT s.id, v.program_id, MAX(v.version), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), 'migration'
           FROM stores s JOIN program_versions v
             ON v.published_at IS NOT NULL
            AND (v.stores IS NULL OR EXISTS (SELECT 1 FROM json_each(v.stores) j WHERE j.value = s.id))
          GROUP BY s.id, v.program_id`,
    ],
  },
  {
    id: 10,
    name: 'till sales a kiosk scan may claim; one claim per receipt for scans and POS purchases',
    sql: [
      // What the till registered: a kiosk scan earns on these amounts and items, not the barcode's.
      `CREATE TABLE sales (
        store_id TEXT NOT NULL REFERENCES stores(id),
        receipt_id TEXT NOT NULL,
        till_id TEXT NOT NULL,
        total INTEGER NOT NULL CHECK (total >= 0),
        currency TEXT NOT NULL,
        items TEXT,
        registered_at TEXT NOT NULL,
        registered_by TEXT NOT NULL,
        PRIMARY KEY (store_id, receipt_id)
      )`,
      // Receipts the till never registered earn only where a store allows a few per card a day.
      `ALTER TABLE stores ADD COLUMN legacy_receipts_per_card_day INTEGER NOT NULL DEFAULT 0`,
      `ALTER TABLE claimed_receipts ADD COLUMN kind TEXT`,
      `ALTER TABLE claimed_receipts ADD COLUMN account_id INTEGER`,
      `ALTER TABLE claimed_receipts ADD COLUMN claimed_at TEXT`,
      `CREATE INDEX claimed_receipts_legacy ON claimed_receipts(account_id, claimed_at) WHERE kind = 'legacy'`,
    ],
  },
  {
    id: 11,
    name: 'rate limits counted in the database: pairing guesses, SMS sends per token, store and hour',
    sql: [
      // One row per counted attempt; counted inside the write transaction that acts on it.
      `CREATE TABLE rate_events (
        bucket TEXT NOT NULL,
        key TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      `CREATE INDEX rate_events_window ON rate_events(bucket, key, at)`,
      `CREATE INDEX rate_events_age ON rate_events(at)`,
    ],
  },
  {
    id: 12,
    name: 'fleet commands with expiry and acknowledgement',
    sql: [
      // Kept so a command survives a gateway restart and its outcome can be read later.
      `CREATE TABLE kiosk_commands (
        id TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        type TEXT NOT NULL,
        args TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('queued', 'delivered', 'succeeded', 'failed', 'expired', 'rejected')),
        result TEXT,
        error TEXT,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      `CREATE INDEX kiosk_commands_open ON kiosk_commands(kiosk_id, state, expires_at)`,
    ],
  },
  {
    id: 13,
    name: 'health alarms raised and cleared per kiosk',
    sql: [
      `CREATE TABLE alarms (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kiosk_id TEXT NOT NULL REFERENCES kiosks(id),
        type TEXT NOT NULL,
        detail TEXT NOT NULL,
        raised_at TEXT NOT NULL,
        cleared_at TEXT
      )`,
      // At most one active alarm of a type per kiosk.
      `CREATE UNIQUE INDEX alarms_active ON alarms(kiosk_id, type) WHERE cleared_at IS NULL`,
    ],
  },
  {
    id: 14,
    name: 'desired kiosk configuration per store and per kiosk',
    sql: [
      // A store's fields apply to its kiosks; a kiosk's own fields override them.
      `CREATE TABLE kiosk_config (
        scope TEXT NOT NULL CHECK (scope IN ('store', 'kiosk')),
        id TEXT NOT NULL,
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL,
        PRIMARY KEY (scope, id)
      )`,
      // One counter for every change, so a kiosk's effective version only grows.
      `CREATE TABLE kiosk_config_versions (version INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL)`,
    ],
  },
  {
    id: 15,
    name: 'kiosk requests refused, per store, for the canary view of a rollout',
    sql: [
      `CREATE TABLE request_refusals (
        store_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        code TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      `CREATE INDEX request_refusals_store ON request_refusals(store_id, at)`,
      `CREATE INDEX transfers_at ON transfers(at)`,
    ],
  },
  {
    id: 16,
    name: 'signed agent releases served to kiosks',
    sql: [
      // The tarball is a file in the data directory; this is what proves it.
      `CREATE TABLE agent_releases (
        version TEXT PRIMARY KEY,
        size INTEGER NOT NULL,
        sha256 TEXT NOT NULL,
        signature TEXT NOT NULL,
        uploaded_by TEXT NOT NULL,
        uploaded_at TEXT NOT NULL
      )`,
    ],
  },
  {
    id: 17,
    name: 'a covering index for the member snapshot',
    sql: [
      // The member snapshot (programs/member-snapshot.ts) sums a member's purchases on every tap
      // and earn. Purchase rows carry their items as JSON; with the sums' columns in the index,
      // SQLite reads the index alone (docs/benchmarks.md "ledger").
      `CREATE INDEX purchases_member ON purchases(account_id, created_at, partner_id, paid, capped_points, total, id)`,
      `DROP INDEX purchases_account`,
    ],
  },
  {
    id: 18,
    name: 'entries at the club entrance; registrations verified before they complete',
    sql: [
      // One row per card presented at an entrance kiosk, allowed or not: who came in, and who was turned away why.
      `CREATE TABLE entrance_log (
        op_id TEXT PRIMARY KEY,
        kiosk_id TEXT NOT NULL,
        store_id TEXT NOT NULL,
        program_id TEXT NOT NULL,
        card_number TEXT,
        allowed INTEGER NOT NULL,
        reason TEXT NOT NULL,
        at TEXT NOT NULL
      )`,
      `CREATE INDEX entrance_log_program ON entrance_log(program_id, at)`,
      // A kiosk registers in three steps (phone, code, then name): the code is checked before the name is asked.
      `ALTER TABLE registrations ADD COLUMN verified_at TEXT`,
    ],
  },
  {
    id: 19,
    name: 'staff and their cards, the staff list kiosks cache, and one append-only audit log',
    sql: [
      // A staff card is an NFC UID that is never also a customer card (members/staff-service.ts).
      // store_id NULL: the staff member works in every store (a regional manager).
      `CREATE TABLE staff (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('cashier', 'manager')),
        card_uid TEXT NOT NULL UNIQUE,
        store_id TEXT REFERENCES stores(id),
        status TEXT NOT NULL CHECK (status IN ('active', 'blocked')),
        blocked_reason TEXT,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      )`,
      // Every change to the staff bumps the version kiosks see (like the hotlist).
      `CREATE TABLE staff_list_versions (version INTEGER PRIMARY KEY AUTOINCREMENT, staff_id TEXT NOT NULL, at TEXT NOT NULL)`,
      // Who changed a card, a customer, a balance or the staff, where, why; ids only, no names or
      // phones. op_key makes a retried request's entry land once. Nothing updates or deletes rows.
      `CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        actor_role TEXT NOT NULL,
        place TEXT NOT NULL,
        action TEXT NOT NULL,
        reason TEXT,
        card_number TEXT,
        customer_id TEXT,
        staff_id TEXT,
        detail TEXT NOT NULL,
        op_key TEXT UNIQUE
      )`,
      `CREATE INDEX audit_card ON audit_log(card_number, id)`,
      `CREATE INDEX audit_staff ON audit_log(staff_id, id)`,
      `CREATE INDEX audit_at ON audit_log(at, id)`,
      `CREATE TRIGGER audit_log_append_only_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
      `CREATE TRIGGER audit_log_append_only_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END`,
      // Staff adjustments are limited per manager and day: read by actor and time.
      `CREATE INDEX audit_actor ON audit_log(actor, action, at)`,
    ],
  },
  {
    id: 20,
    name: "the operators' console: sign-in sessions",
    sql: [
      // One row per signed-in browser: the cookie's hash (a copy of the database signs nobody in),
      // the API token it stands for, and the CSRF token its forms carry.
      `CREATE TABLE console_sessions (
        id_hash TEXT PRIMARY KEY,
        token_id TEXT NOT NULL REFERENCES api_tokens(id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      )`,
    ],
  },
  {
    id: 21,
    name: 'offline mode: overdraft debts, offline exceptions, kiosk journal chains',
    sql: [
      // What a card owes after kiosks paid out offline more than its balance (docs/offline.md);
      // later earnings repay it, after any clawback debt.
      `ALTER TABLE debts ADD COLUMN overdraft INTEGER NOT NULL DEFAULT 0 CHECK (overdraft >= 0)`,
      // One row per offline redemption the balance did not cover: the reported exception.
      `CREATE TABLE offline_exceptions (
        op_id TEXT PRIMARY KEY,
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        card_number TEXT NOT NULL,
        store_id TEXT NOT NULL,
        kiosk_id TEXT NOT NULL,
        points INTEGER NOT NULL,
        posted INTEGER NOT NULL,
        overdraft INTEGER NOT NULL CHECK (overdraft > 0),
        redeemed_at TEXT NOT NULL,
        booked_at TEXT NOT NULL
      )`,
      `CREATE INDEX offline_exceptions_booked ON offline_exceptions(booked_at)`,
      // Each kiosk's journal as the gateway received it: one link per journalled operation.
      `CREATE TABLE kiosk_journal (
        kiosk_id TEXT NOT NULL,
        seq INTEGER NOT NULL,
        hash TEXT NOT NULL,
        prev TEXT NOT NULL,
        sig TEXT NOT NULL,
        op_id TEXT NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (kiosk_id, seq)
      ) WITHOUT ROWID`,
    ],
  },
  {
    id: 22,
    name: "the customers' self-service page: sessions and data requests",
    sql: [
      // One row per signed-in phone (docs/self-service.md): the cookie's hash, never the cookie.
      `CREATE TABLE customer_sessions (
        id_hash TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        csrf TEXT NOT NULL,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      )`,
      `CREATE INDEX customer_sessions_customer ON customer_sessions(customer_id)`,
      // What a customer asked for that an operator carries out: erasure (the law gives a month).
      `CREATE TABLE data_requests (
        id TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        kind TEXT NOT NULL CHECK (kind IN ('erasure')),
        state TEXT NOT NULL CHECK (state IN ('queued', 'done', 'declined')),
        created_at TEXT NOT NULL,
        done_at TEXT,
        done_by TEXT,
        note TEXT
      )`,
      // At most one open request of a kind per customer: asking twice changes nothing.
      `CREATE UNIQUE INDEX data_requests_open ON data_requests(customer_id, kind) WHERE state = 'queued'`,
    ],
  },
  {
    id: 23,
    name: 'segments: versioned documents',
    sql: [
      `CREATE TABLE segments (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at TEXT NOT NULL
      )`,
      // Every PUT is a new version; the newest is in force (docs/segments.md).
      `CREATE TABLE segment_versions (
        segment_id TEXT NOT NULL REFERENCES segments(id),
        version INTEGER NOT NULL,
        document TEXT NOT NULL,
        created_at TEXT NOT NULL,
        created_by TEXT NOT NULL,
        PRIMARY KEY (segment_id, version)
      )`,
      // A customer's cards, read at every tap a segment is targeted, on the customers' page and
      // by the reminders: without it each of these scanned every card.
      `CREATE INDEX cards_customer ON cards(customer_id)`,
      `CREATE INDEX coupons_open ON coupons(account_id, expires_at) WHERE used_at IS NULL`,
    ],
  },
  {
    id: 24,
    name: 'reminders: job leases and the reminders sent',
    sql: [
      // One holder at a time per job across replicas (docs/reminders.md): a row, renewed while held.
      `CREATE TABLE job_leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        expires_at TEXT NOT NULL
      )`,
      // One row per reminder, claimed before it is sent: the key makes a second send impossible.
      `CREATE TABLE reminders (
        key TEXT PRIMARY KEY,
        customer_id TEXT NOT NULL REFERENCES customers(id),
        kind TEXT NOT NULL,
        channel TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('sending', 'sent', 'failed')),
        attempts INTEGER NOT NULL DEFAULT 1,
        claimed_at TEXT NOT NULL,
        done_at TEXT,
        error TEXT
      )`,
      `CREATE INDEX reminders_customer ON reminders(customer_id, claimed_at)`,
      // What the reminder job looks for every run: coupons and tier reviews by date, birthdays by month.
      `CREATE INDEX coupons_expiring ON coupons(expires_at) WHERE used_at IS NULL`,
      `CREATE INDEX member_state_review ON member_state(tier_review_at) WHERE tier IS NOT NULL`,
      `CREATE INDEX customers_birthday_month ON customers(CAST(substr(birthday, 6, 2) AS INTEGER)) WHERE birthday IS NOT NULL`,
    ],
  },
  {
    id: 25,
    name: "a member's qualifying spend by day",
    sql: [
      // The tier window's spend without reading a card's whole history (ledger/spend-days.ts),
      // filled from the purchases and refunds booked so far. Written out here rather than taken
      // from spend-days.ts's SPEND_DAYS_FROM_PURCHASES (today the same rows): a shipped
      // migration must not change with the code.
      `CREATE TABLE spend_days (
        account_id INTEGER NOT NULL REFERENCES accounts(id),
        day TEXT NOT NULL,
        paid INTEGER NOT NULL,
        refunded INTEGER NOT NULL,
        PRIMARY KEY (account_id, day)
      ) WITHOUT ROWID`,
      `INSERT INTO spend_days (account_id, day, paid, refunded)
         SELECT p.account_id, substr(p.created_at, 1, 10) AS day, SUM(COALESCE(p.paid, p.total)),
                SUM(CASE WHEN p.total > 0 THEN (COALESCE(p.paid, p.total) * (SELECT COALESCE(SUM(value), 0) FROM refunds r WHERE r.purchase_id = p.id)) / p.total ELSE 0 END)
           FROM purchases p WHERE p.partner_id IS NULL
          GROUP BY p.account_id, day`,
    ],
  },
];

export const SCHEMA_MIGRATIONS_TABLE = `CREATE TABLE IF NOT EXISTS schema_migrations (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at TEXT NOT NULL
)`;
