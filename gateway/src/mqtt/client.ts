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
 * `writeCache: false`: otherwise mqtt-packet builds 65,536 two-byte Buffers at the first write
 * (6 MiB of heap, 65k objects every full GC marks) to save a 2-byte allocation per packet.
 */
export function createMqttClient(endpoint: MqttEndpoint, options: IClientOptions): MqttClient {
  const streamBuilder = () => netConnect({ host: endpoint.host, port: endpoint.port, noDelay: true });
  return new MqttClient(streamBuilder, {
    protocolVersion: 4,
    username: endpoint.username,
    password: endpoint.password,
    reconnectPeriod: 1000,
    connectTimeout: 5000,
    writeCache: false,
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
