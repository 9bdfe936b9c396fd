/** The demo store, programs, customers and cards `npm start` creates on first run. */
import { readFileSync } from 'node:fs';
import type { Gateway } from '@loyalty/gateway';

/** The example documents of docs/programs.md that the demo store runs. */
export const DEMO_PROGRAMS = ['points', 'cashback'] as const;
const programFile = (name: string) => new URL(`../../docs/programs/${name}.json`, import.meta.url);

export const DEMO_STORE = { id: 'store-1', name: 'Demo Store', timezone: 'Europe/Berlin' };
export const DEMO_KIOSK_ID = 'kiosk-1';

export const DEMO_CARDS = [
  // A number from the range kept for fiction (555-01xx): the demo's SMS codes go to the log only.
  { number: '10009', uid: '04A1B2C3D4E5F6', customer: 'Anna Karenina', phone: '+12025550109', note: 'active, NFC + printed; phone +1 202 555 0109' },
  { number: '10017', uid: '04112233445566', customer: 'Ivan Petrov', phone: undefined, note: 'active' },
  { number: '10025', uid: undefined, customer: undefined, phone: undefined, note: 'not registered yet' },
];

/** Staff cards for trying staff mode at the demo kiosk (docs/staff.md): tap the UID. */
export const DEMO_STAFF = [
  { name: 'Olga Smirnova', role: 'cashier', uid: '04C0FFEE000001' },
  { name: 'Marat Ivanov', role: 'manager', uid: '04C0FFEE000002' },
] as const;

export async function seedDemo(gateway: Gateway): Promise<boolean> {
  // A demo data dir from before staff mode gets its staff cards too.
  if ((await gateway.staff.list()).length === 0 && (await gateway.directory.countCards()) > 0) await seedStaff(gateway);
  if ((await gateway.directory.countCards()) > 0) return false;
  await gateway.directory.ensureStore(DEMO_STORE);
  // The documented example programs, published as an operator would (PUT, then publish).
  for (const name of DEMO_PROGRAMS) {
    const document = JSON.parse(readFileSync(programFile(name), 'utf8')) as { id: string };
    await gateway.programs.put(document.id, document, 'demo');
    await gateway.programs.publish(document.id, undefined, 'demo');
  }
  for (const card of DEMO_CARDS) {
    const customerId = card.customer ? (await gateway.customers.create({ name: card.customer, ...(card.phone ? { phone: card.phone } : {}) }, 'demo')).id : undefined;
    await gateway.directory.issueCard({ number: card.number, uid: card.uid, programId: 'points', customerId });
  }
  await seedStaff(gateway);
  return true;
}

async function seedStaff(gateway: Gateway): Promise<void> {
  for (const staff of DEMO_STAFF) await gateway.staff.create({ name: staff.name, role: staff.role, cardUid: staff.uid, storeId: DEMO_STORE.id, actor: 'demo' });
}
