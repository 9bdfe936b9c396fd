#!/usr/bin/env node
/**
 * `npm start`: the whole system on embedded defaults in one process — the gateway (embedded
 * MQTT broker, libSQL ledger file under ./var) and one emulated kiosk driven from this
 * terminal. A second run reuses ./var. Logs go to ./var/logs so the terminal stays the kiosk.
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { createEmulatedHardware, Kiosk, KioskConsole, loadKioskIdentity, pairKiosk, readEnrollment, withEnrollment } from '@loyalty/device';
import { Gateway, loadGatewayConfig } from '@loyalty/gateway';
import { createLogger } from '@loyalty/protocol/node';
import type { ReceiptRef } from '@loyalty/protocol';
import { DEMO_CARDS, DEMO_PROGRAMS, DEMO_KIOSK_ID, DEMO_STAFF, DEMO_STORE, seedDemo } from './demo-seed.js';

async function main(): Promise<void> {
  const loaded = loadGatewayConfig(process.env);
  // A demo customer without a card may get a digital one on the customers' page (docs/self-service.md).
  const gatewayConfig = { ...loaded, customers: { ...loaded.customers, digitalCardProgram: loaded.customers.digitalCardProgram ?? 'points' } };
  const dataDir = resolve(gatewayConfig.dataDir);
  const logDir = resolve(dataDir, 'logs');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const gatewayLog = createLogger({ level: gatewayConfig.logLevel, name: 'gateway', destination: createWriteStream(resolve(logDir, 'gateway.log'), { flags: 'a' }) });
  const kioskLog = createLogger({ level: 'info', name: 'kiosk', destination: createWriteStream(resolve(logDir, 'kiosk.log'), { flags: 'a' }) });

  const gateway = new Gateway({ config: gatewayConfig, log: gatewayLog });
  await gateway.start();
  const seeded = await seedDemo(gateway);

  const { token } = await gateway.tokens.create('admin', 'npm start demo');
  const { token: tillToken } = await gateway.tokens.create('pos', 'npm start demo till');
  // The demo's till registers each sale over the POS API, as a real till does before it prints the receipt.
  const till = async (receipt: ReceiptRef): Promise<void> => {
    const response = await fetch(`${gateway.httpUrl}/api/v1/sales`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tillToken}`, 'content-type': 'application/json', 'idempotency-key': `demo-till-${receipt.id}` },
      body: JSON.stringify({ storeId: DEMO_STORE.id, tillId: 'demo-till', receiptId: receipt.id, total: receipt.total.amount, currency: receipt.total.currency }),
    });
    if (response.status !== 201) throw new Error(`POST /sales answered ${response.status}: ${await response.text()}`);
  };
  const kioskStateDir = resolve(dataDir, DEMO_KIOSK_ID);
  let paired = 'reused its pairing';
  if (!readEnrollment(kioskStateDir)) {
    // Pair the demo kiosk the way a real one is paired: a one-time code, then --pair CODE.
    const response = await fetch(`${gateway.httpUrl}/api/v1/enrollments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ storeId: DEMO_STORE.id }),
    });
    const { code } = (await response.json()) as { code: string };
    await pairKiosk({ gatewayUrl: gateway.httpUrl, code, stateDir: kioskStateDir, kioskId: DEMO_KIOSK_ID });
    paired = `paired now with code ${code}`;
  }
  if (seeded) {
    // The demo store's kiosks may pay points out while the gateway is away (docs/offline.md), set as an operator sets it.
    const response = await fetch(`${gateway.httpUrl}/api/v1/stores/${DEMO_STORE.id}/kiosk-config`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ offline: { budgetPointsPerDay: 5000, onlineSelectionPercent: 10 } }),
    });
    if (!response.ok) throw new Error(`PATCH /stores/${DEMO_STORE.id}/kiosk-config answered ${response.status}: ${await response.text()}`);
  }
  const identity = loadKioskIdentity(kioskStateDir);
  const enrolled = withEnrollment({ stateDir: kioskStateDir }, 'demo kiosk config');
  // The broker where the gateway listens now: a later `npm start` on other ports (README) reuses the pairing.
  const kioskConfig = { ...enrolled, mqtt: { ...enrolled.mqtt, host: gateway.mqttEndpoint.host, port: gateway.mqttEndpoint.port } };
  const hardware = createEmulatedHardware({
    displayColumns: kioskConfig.display.columns,
    displayRows: kioskConfig.display.rows,
    printerColumns: kioskConfig.printer.columns,
    codePage: kioskConfig.hardware.codePage,
  });
  const kiosk = new Kiosk(kioskConfig, hardware, kioskLog);

  let stopping = false;
  const terminal = new KioskConsole({
    hardware,
    agent: () => kiosk.agent,
    status: async () => `kiosk ${DEMO_KIOSK_ID}: mqtt ${kiosk.link.connected ? 'connected' : 'offline'}, outbox ${await kiosk.outbox.depth()} pending`,
    currency: 'EUR',
    till,
    input: process.stdin,
    output: process.stdout,
    onQuit: () => void stop('quit'),
  });
  const stop = async (why: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    process.stdout.write(`\n${why}: stopping the kiosk and the gateway...\n`);
    terminal.stop();
    await kiosk.stop();
    await gateway.stop();
    process.stdout.write('stopped cleanly; data kept in ' + dataDir + '\n');
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('Ctrl-C'));
  process.on('SIGTERM', () => void stop('SIGTERM'));

  const out = (text: string) => process.stdout.write(`${text}\n`);
  out('loyalty-kiosk demo: gateway + embedded MQTT broker + libSQL ledger + one emulated kiosk');
  out(`  data:        ${dataDir}${seeded ? ' (created and seeded now)' : ' (reused from an earlier run)'}`);
  out(`  ledger:      ${gateway.ledgerUrl}`);
  out(`  logs:        ${logDir}/gateway.log, ${logDir}/kiosk.log`);
  out(`  HTTP API:    ${gateway.httpUrl}/api/v1  (health: ${gateway.httpUrl}/healthz, metrics: ${gateway.httpUrl}/metrics)`);
  out(`  MQTT broker: mqtt://${gateway.mqttEndpoint.host}:${gateway.mqttEndpoint.port}`);
  out(`  kiosk:       ${DEMO_KIOSK_ID} in ${DEMO_STORE.id}, key ${identity.fingerprint} (${paired})`);
  out(`admin token: ${token}`);
  out(`  console:     ${gateway.httpUrl}/admin  (sign in with the admin token)`);
  out(`  customers:   ${gateway.httpUrl}/my  (Anna signs in with +1 202 555 0109; the SMS code is in ${logDir}/gateway.log)`);
  out(`  try: curl -H "Authorization: Bearer <token>" ${gateway.httpUrl}/api/v1/cards/10009`);
  out(`  programs:    ${DEMO_PROGRAMS.join(', ')} (docs/programs/*.json; GET ${gateway.httpUrl}/api/v1/programs)`);
  out('demo cards:');
  for (const card of DEMO_CARDS) out(`  ${card.number}${card.uid ? `  UID ${card.uid}` : ''}  ${card.note}`);
  out('staff cards (tap one to open staff mode on the kiosk page):');
  for (const staff of DEMO_STAFF) out(`  UID ${staff.uid}  ${staff.role} ${staff.name}`);
  out('');
  await kiosk.start();
  // The first tap should find the kiosk online: wait (briefly) for its first connection.
  const deadline = Date.now() + 5000;
  while (!kiosk.link.connected && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  if (!kiosk.link.connected) out('(the kiosk is not connected to the gateway yet; it keeps trying)');
  // The touchscreen page: open it in a browser; it shows what the terminal's kiosk shows.
  out(`  kiosk page:  ${kiosk.pageUrl ?? `not served (port ${kioskConfig.page.port} in use; see ${logDir}/kiosk.log)`}`);
  terminal.start();
}

main().catch((error: Error) => {
  process.stderr.write(`npm start failed: ${error.message}\n`);
  process.exit(1);
});
