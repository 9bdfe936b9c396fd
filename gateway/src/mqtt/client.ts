import { connect as netConnect } from 'node:net';
import { MqttClient, type IClientOptions } from 'mqtt';

export interface MqttEndpoint {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

/**
 * An mqtt.js client over a TCP socket with Nagle off (docs/hardware-lab.md: 44 ms per side otherwise).
 * MQTT 3.1.1 because aedes speaks nothing newer. Not connected until the caller says so.
 */
export function createMqttClient(endpoint: MqttEndpoint, options: IClientOptions): MqttClient {
  const streamBuilder = () => netConnect({ host: endpoint.host, port: endpoint.port, noDelay: true });
  return new MqttClient(streamBuilder, {
    protocolVersion: 4,
    username: endpoint.username,
    password: endpoint.password,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    ...options,
    manualConnect: true,
  });
}

export function parseMqttUrl(url: string): MqttEndpoint {
  const parsed = new URL(url);
  if (parsed.protocol !== 'mqtt:') throw new Error(`mqtt.url ${url}: only mqtt:// is supported (put TLS in a local proxy or use a VPN)`);
  return {
    host: parsed.hostname,
    port: parsed.port ? Number(parsed.port) : 1883,
    username: parsed.username ? decodeURIComponent(parsed.username) : undefined,
    password: parsed.password ? decodeURIComponent(parsed.password) : undefined,
  };
}
