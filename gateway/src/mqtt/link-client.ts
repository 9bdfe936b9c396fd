/**
 * What the kiosk link asks of its way to the broker: an mqtt.js client for an external broker
 * (client.ts), or the embedded broker reached in-process (in-process-client.ts).
 */
export interface LinkClient {
  readonly connected: boolean;
  on(event: 'message', listener: (topic: string, payload: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'connect' | 'reconnect', listener: () => void): unknown;
  once(event: 'connect', listener: () => void): unknown;
  once(event: 'error', listener: (error: Error) => void): unknown;
  connect(): unknown;
  subscribeAsync(filters: string[], options: { qos: 1 }): Promise<unknown>;
  publishAsync(topic: string, payload: string, options: { qos: 1; retain: boolean }): Promise<unknown>;
  endAsync(): Promise<unknown>;
}
