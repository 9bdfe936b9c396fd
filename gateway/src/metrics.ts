import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlarmService } from './fleet/alarms.js';
import type { KioskRegistry } from './fleet/kiosk-registry.js';

/** Prometheus metrics at GET /metrics. One registry per gateway instance (tests run several). */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly rejectedMessages = new Counter({
    name: 'loyalty_mqtt_rejected_messages_total',
    help: 'Signed messages refused, by reason and channel',
    labelNames: ['reason', 'channel'] as const,
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: 'loyalty_requests_total',
    help: 'Kiosk requests answered, by kind and outcome code',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  });

  readonly brokerDenials = new Counter({
    name: 'loyalty_broker_denials_total',
    help: 'Broker logins, publishes and subscriptions refused, by kind',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });

  /** Kiosks online and offline per store, and active alarms by type, read at each scrape. */
  watchFleet(registry: KioskRegistry, alarms: AlarmService): void {
    new Gauge({
      name: 'loyalty_kiosks',
      help: 'Active kiosks by store and state (online, offline)',
      labelNames: ['store', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        // The summaries, not the full list: a scrape must not parse every kiosk's telemetry.
        for (const kiosk of await registry.healthSummaries()) this.inc({ store: kiosk.storeId, state: kiosk.online ? 'online' : 'offline' });
      },
    });
    new Gauge({
      name: 'loyalty_active_alarms',
      help: 'Alarms raised and not cleared, by type',
      labelNames: ['type'] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        for (const [type, n] of alarms.activeByType) this.set({ type }, n);
      },
    });
  }

  constructor(collectProcessMetrics = false) {
    if (collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Current value of one labelled counter, for tests and the demo. */
  async count(counter: Counter<string>, labels: Record<string, string>): Promise<number> {
    const data = await counter.get();
    return data.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
  }
}
