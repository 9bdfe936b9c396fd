import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadGatewayConfig } from '@loyalty/gateway';
import { KioskConfigError, parseKioskConfig } from '@loyalty/device';

describe('gateway config', () => {
  it('has working defaults for the one-store setup', () => {
    const config = loadGatewayConfig({});
    expect(config).toMatchObject({ dataDir: './var', http: { host: '127.0.0.1', port: 8080 }, mqtt: { mode: 'embedded', port: 1883 } });
  });

  it('layers env over the file and names every wrong field', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'gw.json');
    writeFileSync(file, JSON.stringify({ http: { port: 9000 }, mqtt: { mode: 'cluster' } }));
    expect(() => loadGatewayConfig({ LOYALTY_GW_HTTP_PORT: '70000' }, file)).toThrow(ConfigError);
    try {
      loadGatewayConfig({ LOYALTY_GW_HTTP_PORT: '70000', LOYALTY_GW_LEDGER_URL: 'postgres://x' }, file);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('http.port');
      expect(message).toContain('mqtt.mode');
      expect(message).toContain('ledgerUrl');
      expect(message).toContain(file);
    }
    expect(() => loadGatewayConfig({}, join(dir, 'missing.json'))).toThrow(/cannot read config file .*missing\.json: ENOENT/);
    writeFileSync(file, JSON.stringify({ htpp: { port: 1 } }));
    expect(() => loadGatewayConfig({}, file)).toThrow(/htpp/);
    writeFileSync(file, '{ not json');
    expect(() => loadGatewayConfig({}, file)).toThrow(/not valid JSON/);
    writeFileSync(file, JSON.stringify({ http: { port: 9000 } }));
    expect(loadGatewayConfig({ LOYALTY_GW_MQTT_PORT: '2883' }, file)).toMatchObject({ http: { port: 9000 }, mqtt: { port: 2883 } });
  });
});

describe('kiosk config', () => {
  const valid = { kioskId: 'k1', storeId: 's1', gateway: { publicKeys: ['A'.repeat(43)] } };

  it('fills defaults', () => {
    expect(parseKioskConfig(valid)).toMatchObject({ stateDir: './var/kiosk', requestTimeoutMs: 3000, display: { columns: 20, rows: 4 }, printer: { columns: 42 } });
  });

  it('names the wrong fields', () => {
    expect(() => parseKioskConfig({ ...valid, kioskId: 'a/b', printer: { columns: 40 } })).toThrow(KioskConfigError);
    try {
      parseKioskConfig({ ...valid, kioskId: 'a/b', printer: { columns: 40 }, gateway: { publicKeys: ['short'] } });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('kioskId: use 1-64 of');
      expect(message).toContain('printer.columns: must be 32, 42 or 48');
      expect(message).toContain('gateway.publicKeys.0: must be a 43-character');
    }
  });

  it('reads a real hardware section and names its wrong fields', () => {
    const hardware = {
      mode: 'real',
      reader: { readers: ['ACS ACR122U'] },
      scanner: { kind: 'serial', path: '/dev/ttyACM0' },
      printer: { kind: 'tcp', host: '10.0.5.20' },
      display: { kind: 'lcd', port: '/dev/ttyACM1' },
    };
    expect(parseKioskConfig({ ...valid, hardware }).hardware).toEqual({
      mode: 'real',
      reader: { readers: ['ACS ACR122U'] },
      scanner: { kind: 'serial', path: '/dev/ttyACM0', baudRate: 9600, lineEnding: 'CRLF' },
      printer: { kind: 'tcp', host: '10.0.5.20', port: 9100 },
      codePage: 'PC866_CYRILLIC2',
      display: { kind: 'lcd', port: '/dev/ttyACM1', controller: 'PCF8574', address: 0x27 },
    });
    const bad = { ...hardware, scanner: { kind: 'serial', path: 'ttyACM0' }, printer: { kind: 'usb' }, codePage: 'KOI8' };
    expect(() => parseKioskConfig({ ...valid, hardware: bad })).toThrow(/hardware\.scanner\.path: an absolute device path/);
    expect(() => parseKioskConfig({ ...valid, hardware: bad })).toThrow(/hardware\.printer\.kind/);
    expect(() => parseKioskConfig({ ...valid, hardware: bad })).toThrow(/hardware\.codePage/);
    expect(parseKioskConfig(valid).hardware.mode).toBe('emulated');
  });
});
