import { chmodSync, existsSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { localFilePath, openSqlClient, type SqlClient as Client } from './sql.js';
import { MIGRATIONS, SCHEMA_MIGRATIONS_TABLE, type Migration } from './migrations.js';

export interface OpenDatabaseOptions {
  url: string;
  authToken?: string;
  /** waits this long for another process's write lock (docs/hardware-lab.md: the default is 0) */
  busyTimeoutMs: number;
}

/** Opens the ledger and applies pending migrations. WAL for file URLs; synchronous stays FULL. */
export async function openDatabase(options: OpenDatabaseOptions, migrations: Migration[] = MIGRATIONS): Promise<Client> {
  const path = localFilePath(options.url);
  if (path !== null) {
    // Personal data and token hashes: the directory the gateway creates and the database files
    // are the service user's alone (docs/security.md).
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  }
  const client = openSqlClient(options);
  if (path !== null) await client.execute('PRAGMA journal_mode = WAL');
  await migrate(client, migrations);
  if (path !== null) {
    for (const file of [path, `${path}-wal`, `${path}-shm`]) if (existsSync(file)) chmodSync(file, 0o600);
  }
  return client;
}

export async function migrate(client: Client, migrations: Migration[]): Promise<number[]> {
  await client.execute(SCHEMA_MIGRATIONS_TABLE);
  const applied = new Set((await client.execute('SELECT id FROM schema_migrations')).rows.map((r) => Number(r.id)));
  const done: number[] = [];
  for (const migration of [...migrations].sort((a, b) => a.id - b.id)) {
    if (applied.has(migration.id)) continue;
    const tx = await client.transaction('write');
    try {
      // Another process may have applied it while we waited for the lock.
      const again = await tx.execute({ sql: 'SELECT 1 FROM schema_migrations WHERE id = ?', args: [migration.id] });
      if (again.rows.length === 0) {
        for (const statement of migration.sql) await tx.execute(statement);
        await tx.execute({
          sql: 'INSERT INTO schema_migrations (id, name, applied_at) VALUES (?, ?, ?)',
          args: [migration.id, migration.name, new Date().toISOString()],
        });
        done.push(migration.id);
      }
      await tx.commit();
    } catch (error) {
      throw new Error(`migration ${migration.id} (${migration.name}) failed: ${(error as Error).message}`, { cause: error });
    } finally {
      tx.close();
    }
  }
  return done;
}
