import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

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

  constructor(collectProcessMetrics = false) {
    if (collectProcessMetrics) collectDefaultMetrics({ register: this.registry });
  }

  /** Current value of one labelled counter, for tests and the demo. */
  async count(counter: Counter<string>, labels: Record<string, string>): Promise<number> {
    const data = await counter.get();
    return data.values.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)).reduce((sum, v) => sum + v.value, 0);
  }
}
