/**
 * A kiosk whose storage fills up, over the real broker, with its journal in a real libSQL file
 * capped at 1 MiB (docs/fleet.md "Storage"): a customer is told the kiosk cannot record anything
 * and nothing is printed or booked; the fleet sees the storage down and the `journal_unwritable`
 * alarm in the API, the metrics and the console; once the journal drains the alarm clears and
 * the kiosk serves again. Low free space raises `storage_low`.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { OpIdGenerator, receiptCode } from '@loyalty/protocol';
import { JournalWriteError, decodeEscPos, receiptText } from '@loyalty/device';
import { POINTS_DOC_ANY_TIME } from '../support/programs.js';
import { ANNA, BORIS, STORE, callApi, eventually, registerSale, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';

describe('a kiosk whose storage fills up', () => {
  let dirs: Array<{ path: string; remove: () => void }> = [];
  let gateway: Gateway | null = null;
  let k: TestKiosk | null = null;
  let admin = '';

  afterEach(async () => {
    await k?.kiosk.stop();
    await gateway?.stop();
    k = null;
    gateway = null;
    for (const d of dirs) d.remove();
  });

  async function setUp(config: Record<string, unknown>): Promise<TestKiosk> {
    dirs = [tempDir('gw-storage'), tempDir('kiosk-storage')];
    ({ gateway } = await startGateway(dirs[0]!.path));
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Berlin' });
    await seed(gateway);
    await gateway.programs.put('points', POINTS_DOC_ANY_TIME, 'test');
    await gateway.programs.publish('points', undefined, 'test');
    admin = (await gateway.tokens.create('admin', 'ops')).token;
    k = await startKiosk(gateway, dirs[1]!.path, { config: { heartbeatIntervalMs: 1000, page: { enabled: false }, ...config } });
    await eventually(() => k!.kiosk.link.connected && k!.kiosk.rules.version !== null, 5000, 'kiosk online with its rules');
    return k;
  }

  const api = (path: string) => callApi(gateway!.httpUrl, admin, 'GET', path);
  const activeAlarms = async () => (await api('/alarms?active=true')).body.items as Array<{ type: string; detail: string }>;
  const storageHealth = async () => (await api('/kiosks/kiosk-1')).body.telemetry?.health?.storage as { state: string; detail?: string } | undefined;
  const screen = () => k!.kiosk.agent.current.view;
  const tap = (uid: string) => {
    k!.hardware.reader.remove();
    k!.hardware.reader.present(uid);
  };

  /**
   * A long outage's worth of earns, journalled and not yet answered, up to the journal's cap (the
   * kiosks here resend only after a reconnect, so the journal keeps what is written to it).
   */
  async function fillJournal(kiosk: TestKiosk): Promise<void> {
    const ids = new OpIdGenerator();
    let refused: unknown = null;
    let journalled = 0;
    while (refused === null && journalled < 20_000) {
      const earn = { kind: 'earn' as const, opId: ids.next(), card: { number: ANNA.number }, receipt: { id: `T-OLD-${journalled}`, total: { amount: 1234, currency: 'EUR' } } };
      await kiosk.kiosk.outbox.add(earn).then(
        () => (journalled += 1),
        (error: unknown) => (refused = error),
      );
    }
    expect(refused).toBeInstanceOf(JournalWriteError);
    expect(journalled).toBeGreaterThan(1000);
  }

  /** The console's fleet page as an operator signed in with `token` sees it. */
  async function fleetPage(token: string): Promise<string> {
    const base = gateway!.httpUrl;
    const signIn = await fetch(`${base}/admin/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token }),
    });
    const cookie = signIn.headers
      .getSetCookie()
      .find((c) => c.startsWith('lk_console='))!
      .split(';')[0]!;
    return (await fetch(`${base}/admin/kiosks`, { headers: { cookie } })).text();
  }

  it('tells the customer it cannot record, books and prints nothing, raises journal_unwritable, and serves again once there is room', async () => {
    const kiosk = await setUp({ resendIntervalMs: 600_000, storage: { journalMaxMiB: 1 } });
    await eventually(async () => (await storageHealth())?.state === 'ok', 5000, 'storage reported ok');
    expect((await storageHealth())?.detail).toMatch(/^\d+ MiB free$/);

    await fillJournal(kiosk);

    // A look-up is not journalled: Anna is shown as ever. Her receipt is not.
    tap(ANNA.uid);
    await eventually(() => screen().screen === 'member', 5000, 'the member on screen');
    const receipt = { id: 'T-FULL-1', total: { amount: 1234, currency: 'EUR' } };
    await registerSale(gateway!, receipt);
    const printed = kiosk.hardware.printer.jobs.length;
    kiosk.hardware.scanner.scan(receiptCode(receipt));
    await eventually(() => screen().screen === 'notice', 5000, 'the answer to the scan');
    expect(screen()).toMatchObject({ screen: 'notice', notice: 'cannotRecord' });
    expect(kiosk.hardware.display.current.lines.slice(0, 3)).toEqual(['Cannot record now', 'Nothing was changed', 'Please ask staff']);
    expect(kiosk.hardware.printer.jobs.length).toBe(printed);
    expect((await gateway!.ledger.identify({ number: ANNA.number })).balance).toBe(0);
    expect(kiosk.log.find((l) => l.msg === 'operation refused: the journal cannot be written')).toHaveLength(1);

    // The fleet sees it within a heartbeat: the storage down, the alarm, the gauge and the console.
    await eventually(async () => (await activeAlarms()).some((a) => a.type === 'journal_unwritable'), 6000, 'journal_unwritable raised');
    expect((await activeAlarms()).find((a) => a.type === 'journal_unwritable')?.detail).toMatch(/^journal full \(SQLITE_FULL\) since \d{4}-/);
    expect(await storageHealth()).toMatchObject({ state: 'down' });
    expect(await (await fetch(`${gateway!.httpUrl}/metrics`)).text()).toMatch(/loyalty_active_alarms\{type="journal_unwritable"\} 1/);
    const fleet = await fleetPage(admin);
    expect(fleet).toMatch(/Storage: down \(journal full \(SQLITE_FULL\)/);
    expect(fleet).toContain('journal full: cannot serve');

    // The journal drains (the old receipts were never registered: each is answered and goes), the alarm clears.
    await kiosk.kiosk.requests.resendPending({ all: true });
    await eventually(async () => (await kiosk.kiosk.outbox.depth()) === 0, 20_000, 'the journal drained');
    await eventually(async () => !(await activeAlarms()).some((a) => a.type === 'journal_unwritable'), 6000, 'journal_unwritable cleared');
    expect(await storageHealth()).toMatchObject({ state: 'ok' });

    // Anna's receipt collects now.
    kiosk.kiosk.agent.pageInput({ action: 'done' });
    tap(ANNA.uid);
    await eventually(() => screen().screen === 'member', 5000, 'the member again');
    kiosk.hardware.scanner.scan(receiptCode(receipt));
    await eventually(() => screen().screen === 'earned', 5000, 'collected');
    expect((await gateway!.ledger.identify({ number: ANNA.number })).balance).toBe(223);
    // A balance slip for the tap, then the earn's.
    expect(kiosk.hardware.printer.jobs.length).toBe(printed + 2);
    expect(receiptText(decodeEscPos(kiosk.hardware.printer.jobs.at(-1)!)).join('\n')).toContain('+223');
  });

  it('tells staff their action was not done, and leaves the card as it was', async () => {
    const kiosk = await setUp({ resendIntervalMs: 600_000, storage: { journalMaxMiB: 1 } });
    await gateway!.staff.create({ name: 'Olga Petrova', cardUid: '04AA0000000C01', role: 'cashier', storeId: STORE.id, actor: 'test' });
    await eventually(() => kiosk.kiosk.staff.version !== null, 5000, 'the staff list on the kiosk');
    await fillJournal(kiosk);
    tap('04AA0000000C01');
    await eventually(() => screen().screen === 'staff', 5000, 'staff mode');
    kiosk.kiosk.agent.pageInput({ action: 'staff', value: 'block' });
    await eventually(() => (screen() as { step?: { kind: string } }).step?.kind !== 'menu', 5000, 'the block asks for a card');
    tap(BORIS.uid);
    await eventually(() => (screen() as { step?: { kind: string } }).step?.kind === 'reason', 5000, 'the reasons');
    kiosk.kiosk.agent.pageInput({ action: 'staffReason', value: 'stolen' });
    await eventually(() => (screen() as { message?: { kind: string } }).message !== undefined, 5000, 'the outcome above the menu');
    expect(screen()).toMatchObject({ screen: 'staff', step: { kind: 'menu' }, message: { kind: 'cannotRecord' } });
    expect(kiosk.hardware.display.current.lines[1]).toMatch(/^Not done/);
    expect((await gateway!.ledger.findCard({ number: BORIS.number }))?.status).toBe('active');
  });

  it('raises storage_low while free space is below the low mark', async () => {
    // No disk here is that small: a mark above any free space stands in for a card nearly full.
    await setUp({ storage: { lowFreeMiB: 1_048_576 } });
    await eventually(async () => (await activeAlarms()).some((a) => a.type === 'storage_low'), 6000, 'storage_low raised');
    expect((await activeAlarms()).find((a) => a.type === 'storage_low')?.detail).toMatch(/^\d+ MiB free, below 1048576 MiB$/);
    expect(await storageHealth()).toMatchObject({ state: 'degraded' });
    // Customers are served meanwhile: low space is a warning, not a stop.
    tap(ANNA.uid);
    await eventually(() => screen().screen === 'member', 5000, 'the member on screen');
  });
});
