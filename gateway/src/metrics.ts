import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AlarmService } from './fleet/alarms.js';
import type { HealthSummary, KioskRegistry } from './fleet/kiosk-registry.js';

/** Latency buckets in seconds: a tap is answered in milliseconds, a slow report in seconds. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256];

/**
 * Prometheus metrics at GET /metrics (docs/operator-guide.md "Metrics"), one registry per gateway
 * instance (tests run several). The output passes `promtool check metrics`: counters end in
 * _total, nothing else does, units are in the names.
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  readonly rejectedMessages = new Counter({
    name: 'loyalty_mqtt_rejected_messages_total',
    help: 'Signed messages refused, by reason and channel',
    labelNames: ['reason', 'channel'] as const,
    registers: [this.registry],
  });
  readonly requests = new Counter({
    name: 'loyalty_kiosk_requests_total',
    help: 'Kiosk requests answered, by kind and outcome code',
    labelNames: ['kind', 'code'] as const,
    registers: [this.registry],
  });
  readonly requestDuration = new Histogram({
    name: 'loyalty_kiosk_request_duration_seconds',
    help: 'Kiosk requests, from the signed request verified to the signed reply published, by kind',
    labelNames: ['kind'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly brokerDenials = new Counter({
    name: 'loyalty_mqtt_refusals_total',
    help: 'Broker connections, logins, publishes and subscriptions refused, by reason',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: 'loyalty_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly httpDuration = new Histogram({
    name: 'loyalty_http_request_duration_seconds',
    help: 'HTTP request latency, by method and route pattern',
    labelNames: ['method', 'route'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });
  readonly commitBatchSize = new Histogram({
    name: 'loyalty_ledger_commit_batch_operations',
    help: 'Operations committed together in one ledger transaction (group commit)',
    buckets: BATCH_BUCKETS,
    registers: [this.registry],
  });
  readonly commitDuration = new Histogram({
    name: 'loyalty_ledger_commit_duration_seconds',
    help: 'Ledger transactions, from BEGIN to the durable COMMIT',
    buckets: LATENCY_BUCKETS,
    registers: [this.registry],
  });

  readonly reminderRuns = new Counter({
    name: 'loyalty_reminder_runs_total',
    help: 'Runs of the reminder job, by outcome: ran, not_leader (another replica holds the lease), failed',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly remindersSent = new Counter({
    name: 'loyalty_reminders_sent_total',
    help: 'Reminders sent to customers, by kind and channel',
    labelNames: ['kind', 'channel'] as const,
    registers: [this.registry],
  });
  readonly reminderFailures = new Counter({
    name: 'loyalty_reminder_failures_total',
    help: 'Reminders the SMS provider or the SMTP server refused, by kind and channel (retried twice)',
    labelNames: ['kind', 'channel'] as const,
    registers: [this.registry],
  });

  constructor(collectProcessMetrics = false) {
    // Zero from the start: an alert on a rate needs the series before the first event.
    for (const outcome of ['ran', 'not_leader', 'failed']) this.reminderRuns.inc({ outcome }, 0);
    for (const kind of ['points_expiring', 'coupon_expiring', 'tier_review', 'birthday_bonus']) {
      for (const channel of ['sms', 'email']) {
        this.remindersSent.inc({ kind, channel }, 0);
        this.reminderFailures.inc({ kind, channel }, 0);
      }
    }
    if (!collectProcessMetrics) return;
    collectDefaultMetrics({ register: this.registry });
    // prom-client names these three gauges *_total, which promtool refuses for anything but a
    // counter (and alerting rules would treat them as counters); they are left out.
    for (const name of ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']) this.registry.removeSingleMetric(name);
  }

  /** The ledger writer's report of one committed batch (db/writer.ts). */
  observeCommit(operations: number, seconds: number): void {
    this.commitBatchSize.observe(operations);
    this.commitDuration.observe(seconds);
  }

  /** Kiosks by state, their reported outbox depth, and active alarms, read at each scrape. */
  watchFleet(registry: KioskRegistry, alarms: AlarmService): void {
    // One read of the summaries per scrape, shared by the gauges (prom-client collects them
    // concurrently); the summaries, not the full list: a scrape must not parse every kiosk's telemetry.
    let read: { at: number; summaries: Promise<HealthSummary[]> } | null = null;
    const fleet = (): Promise<HealthSummary[]> => {
      if (!read || Date.now() - read.at > 1000) read = { at: Date.now(), summaries: registry.healthSummaries() };
      return read.summaries;
    };
    new Gauge({
      name: 'loyalty_kiosks',
      help: 'Active kiosks by store and state (online: connected to the broker; offline)',
      labelNames: ['store', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const kiosk of await fleet()) this.inc({ store: kiosk.storeId, state: kiosk.online ? 'online' : 'offline' });
      },
    });
    new Gauge({
      name: 'loyalty_kiosks_connected',
      help: 'Active kiosks connected to the broker now, all stores',
      registers: [this.registry],
      async collect() {
        this.set((await fleet()).filter((kiosk) => kiosk.online).length);
      },
    });
    const outboxByStore = async () => {
      const byStore = new Map<string, { sum: number; max: number }>();
      for (const kiosk of await fleet()) {
        if (kiosk.outboxDepth === null) continue;
        const store = byStore.get(kiosk.storeId) ?? { sum: 0, max: 0 };
        store.sum += kiosk.outboxDepth;
        store.max = Math.max(store.max, kiosk.outboxDepth);
        byStore.set(kiosk.storeId, store);
      }
      return byStore;
    };
    new Gauge({
      name: 'loyalty_kiosk_outbox_operations',
      help: "Operations waiting in the outboxes of a store's kiosks, as last reported",
      labelNames: ['store'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [store, { sum }] of await outboxByStore()) this.set({ store }, sum);
      },
    });
    new Gauge({
      name: 'loyalty_kiosk_outbox_operations_max',
      help: "Operations waiting in the outbox of a store's deepest kiosk, as last reported",
      labelNames: ['store'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [store, { max }] of await outboxByStore()) this.set({ store }, max);
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

  /** Current value of one labelled counter, for tests and the demo. */
  async count(counter: Counter<string>, labels: Record<string, string>): Promise<number> {
    const data = await counter.get();
    return data.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
  }
}
