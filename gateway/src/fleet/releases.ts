/**
 * Agent releases on the gateway (docs/fleet.md "Agent updates"): an operator uploads a signed
 * tarball, the gateway checks the signature with the release keys in its config and keeps the
 * tarball in its data directory, and kiosks download it when an `update_agent` command names its
 * version. The gateway's check only turns garbage away early: each kiosk verifies the signature
 * again with the release keys in its own config file.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { finished } from 'node:stream/promises';
import { verifyReleaseSignature } from '@loyalty/protocol';
import type { Clock } from '../clock.js';
import type { SqlClient as Client } from '../db/sql.js';
import type { GroupCommitWriter } from '../db/writer.js';
import { LedgerError } from '../ledger/errors.js';

export interface ReleaseView {
  version: string;
  size: number;
  sha256: string;
  signature: string;
  uploadedBy: string;
  uploadedAt: string;
}

export interface ReleaseOptions {
  dataDir: string;
  releaseKeys: readonly string[];
  maxBytes: number;
}

export class ReleaseService {
  private readonly dir: string;

  constructor(
    private readonly client: Client,
    private readonly writer: GroupCommitWriter,
    private readonly clock: Clock,
    private readonly options: ReleaseOptions,
  ) {
    this.dir = join(options.dataDir, 'releases');
  }

  /** Streams an upload to disk (bounded by maxBytes), then keeps it only if a release key signed it. */
  async upload(version: string, signature: string, body: ReadableStream<Uint8Array> | null, actor: string): Promise<ReleaseView> {
    if (this.options.releaseKeys.length === 0) throw new LedgerError('releases_not_configured', 'this gateway has no release keys (fleet.releaseKeys in its config); it accepts no releases');
    if (await this.find(version)) throw new LedgerError('release_exists', `release ${version} is already uploaded; a release's content never changes, give a new version`);
    if (!body) throw new LedgerError('invalid_request', 'send the release tarball as the request body (content-type: application/octet-stream)');
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const temporary = join(this.dir, `.upload-${randomUUID()}`);
    const hash = createHash('sha256');
    let size = 0;
    const file = createWriteStream(temporary, { mode: 0o600 });
    try {
      for await (const chunk of Readable.fromWeb(body as import('node:stream/web').ReadableStream<Uint8Array>)) {
        size += (chunk as Buffer).byteLength;
        if (size > this.options.maxBytes) throw new LedgerError('invalid_request', `the release is larger than ${this.options.maxBytes} bytes (fleet.maxReleaseBytes)`);
        hash.update(chunk as Buffer);
        if (!file.write(chunk)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      }
      file.end();
      await finished(file);
      if (size === 0) throw new LedgerError('invalid_request', 'the release tarball is empty');
      const facts = { version, size, sha256: hash.digest('hex') };
      if (!verifyReleaseSignature(facts, signature, this.options.releaseKeys)) {
        throw new LedgerError('release_signature_invalid', `the signature does not verify for version ${version}, ${size} bytes, SHA-256 ${facts.sha256} with any release key of this gateway`);
      }
      renameSync(temporary, this.path(version));
      const view: ReleaseView = { ...facts, signature, uploadedBy: actor, uploadedAt: this.clock.now().toISOString() };
      await this.writer.run((tx) =>
        tx.execute({
          sql: 'INSERT INTO agent_releases (version, size, sha256, signature, uploaded_by, uploaded_at) VALUES (?, ?, ?, ?, ?, ?)',
          args: [version, size, view.sha256, signature, actor, view.uploadedAt],
        }),
      );
      return view;
    } finally {
      file.destroy();
      rmSync(temporary, { force: true });
    }
  }

  async list(): Promise<ReleaseView[]> {
    const rows = (await this.client.execute('SELECT * FROM agent_releases ORDER BY uploaded_at DESC')).rows;
    return rows.map((row) => toView(row as unknown as Row));
  }

  async get(version: string): Promise<ReleaseView> {
    const release = await this.find(version);
    if (!release) throw new LedgerError('release_not_found', `no release ${version}; upload it first (POST /api/v1/releases)`);
    return release;
  }

  /** The tarball's bytes, for a kiosk's download. */
  async open(version: string): Promise<{ release: ReleaseView; stream: ReadableStream<Uint8Array> }> {
    const release = await this.get(version);
    const path = this.path(version);
    if (statSync(path, { throwIfNoEntry: false })?.size !== release.size) throw new LedgerError('release_not_found', `the tarball of release ${version} is missing from this gateway's data directory`);
    return { release, stream: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array> };
  }

  /** update_agent's arguments for a version: where kiosks download it, and what proves it. */
  async commandArgs(version: string, baseUrl: string): Promise<Record<string, unknown>> {
    const release = await this.get(version);
    return { version, url: new URL(`/api/v1/releases/${version}/agent.tgz`, baseUrl).href, size: release.size, sha256: release.sha256, signature: release.signature };
  }

  private async find(version: string): Promise<ReleaseView | null> {
    const row = (await this.client.execute({ sql: 'SELECT * FROM agent_releases WHERE version = ?', args: [version] })).rows[0];
    return row ? toView(row as unknown as Row) : null;
  }

  private path(version: string): string {
    return join(this.dir, `${version}.tgz`);
  }
}

interface Row {
  version: string;
  size: number;
  sha256: string;
  signature: string;
  uploaded_by: string;
  uploaded_at: string;
}

function toView(row: Row): ReleaseView {
  return { version: row.version, size: Number(row.size), sha256: row.sha256, signature: row.signature, uploadedBy: row.uploaded_by, uploadedAt: row.uploaded_at };
}
