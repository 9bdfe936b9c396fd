/** The kiosk's cache of signed, versioned messages (rules bundle, hotlist), over a real file. */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { SignedVersionedCache, StaffCache } from '@loyalty/device';
import type { StaffList } from '@loyalty/protocol';
import { createLogger } from '@loyalty/protocol/node';
import { tempDir } from '../support/system.js';

const silent = createLogger({ level: 'silent', name: 't', destination: new Writable({ write: (_c, _e, d) => d() }) });
type Body = { version: number; store: string };
/** A stand-in signature: "signed:" + the JSON body. */
const sign = (body: Body) => `signed:${JSON.stringify(body)}`;
const verify = (raw: string): Body | null => (raw.startsWith('signed:') ? (JSON.parse(raw.slice(7)) as Body) : null);

describe('signed versioned cache', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  const make = () => {
    const dir = tempDir('signed-cache');
    dirs.push(dir);
    const path = `${dir.path}/thing.jws`;
    return { path, cache: () => new SignedVersionedCache<Body, 'wrong_store'>({ path, name: 'thing', verify, check: (b) => (b.store === 's1' ? null : 'wrong_store'), log: silent }) };
  };

  it('keeps the newest accepted version on disk (0600) and loads it again', () => {
    const { path, cache } = make();
    const first = cache();
    expect(first.load()).toBeNull();
    expect(first.offer({ version: 2, store: 's1' }, sign({ version: 2, store: 's1' }))).toEqual({ accepted: true });
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = cache();
    expect(again.load()).toEqual({ version: 2, store: 's1' });
    expect(again.version).toBe(2);
  });

  it('refuses an older or equal version, a bad signature and what check refuses, keeping what it held', () => {
    const { cache } = make();
    const c = cache();
    c.offer({ version: 5, store: 's1' }, sign({ version: 5, store: 's1' }));
    expect(c.offer({ version: 4, store: 's1' }, sign({ version: 4, store: 's1' }))).toEqual({ accepted: false, reason: 'older_version' });
    expect(c.offer({ version: 5, store: 's1' }, sign({ version: 5, store: 's1' }))).toEqual({ accepted: false, reason: 'older_version' });
    expect(c.offer({ version: 9, store: 's1' }, 'forged')).toEqual({ accepted: false, reason: 'bad_signature' });
    expect(c.offer({ version: 9, store: 's2' }, sign({ version: 9, store: 's2' }))).toEqual({ accepted: false, reason: 'wrong_store' });
    expect(c.current).toEqual({ version: 5, store: 's1' });
  });

  it('ignores a stored file that no longer verifies', () => {
    const { path, cache } = make();
    cache().offer({ version: 3, store: 's1' }, sign({ version: 3, store: 's1' }));
    writeFileSync(path, readFileSync(path, 'utf8').replace('signed:', 'tampered:'));
    const c = cache();
    expect(c.load()).toBeNull();
    expect(c.version).toBeNull();
  });
});

describe('the staff list on the kiosk', () => {
  const dirs: Array<{ remove: () => void }> = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });
  const list = (version: number, storeId: string, staff: StaffList['staff']): StaffList => ({ version, storeId, staff });
  const signList = (l: StaffList) => `signed:${JSON.stringify(l)}`;
  const verifyList = (raw: string) => (raw.startsWith('signed:') ? (JSON.parse(raw.slice(7)) as StaffList) : null);
  const olga = { id: 'S1', name: 'Olga P.', role: 'cashier' as const, uid: '04AA0000000C01' };

  it('knows the staff cards of the newest list of its store, keeps it across a restart, and says when it changed', () => {
    const dir = tempDir('staff-cache');
    dirs.push(dir);
    const cache = new StaffCache(`${dir.path}/staff.jws`, 'store-1', verifyList, silent);
    let changes = 0;
    cache.onChange(() => {
      changes += 1;
    });
    expect(cache.byCard(olga.uid)).toBeNull();
    expect(cache.offer(list(3, 'store-1', [olga]), signList(list(3, 'store-1', [olga])))).toBe(true);
    expect(cache.byCard(olga.uid)).toEqual(olga);
    // Another store's list, or an older one, changes nothing.
    expect(cache.offer(list(9, 'store-2', []), signList(list(9, 'store-2', [])))).toBe(false);
    expect(cache.offer(list(2, 'store-1', []), signList(list(2, 'store-1', [])))).toBe(false);
    expect(cache.byCard(olga.uid)).toEqual(olga);
    expect(changes).toBe(1);
    // Blocked: left out of the next version.
    expect(cache.offer(list(4, 'store-1', []), signList(list(4, 'store-1', [])))).toBe(true);
    expect(cache.byCard(olga.uid)).toBeNull();
    const restarted = new StaffCache(`${dir.path}/staff.jws`, 'store-1', verifyList, silent);
    restarted.load();
    expect(restarted.version).toBe(4);
    expect(restarted.byCard(olga.uid)).toBeNull();
  });
});
