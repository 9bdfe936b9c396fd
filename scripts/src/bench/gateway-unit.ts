/**
 * How systemd/loyalty-gateway.service starts the gateway — its Node flags and its environment
 * (without the deployment's paths) — so the benchmarks measure the gateway as it is deployed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const UNIT = fileURLToPath(new URL('../../../systemd/loyalty-gateway.service', import.meta.url));

export function gatewayUnit(): { nodeArgs: string[]; env: Record<string, string> } {
  const lines = readFileSync(UNIT, 'utf8').split('\n');
  const exec = lines.find((line) => line.startsWith('ExecStart='));
  const words = exec?.slice('ExecStart='.length).trim().split(/\s+/) ?? [];
  const script = words.findIndex((word) => word.endsWith('main.js'));
  if (!exec || script < 1) throw new Error(`cannot read the gateway's ExecStart in ${UNIT}`);
  const env: Record<string, string> = {};
  for (const line of lines) {
    const match = /^Environment=([A-Z_]+)=(.*)$/.exec(line);
    if (match && !match[1]!.startsWith('LOYALTY_')) env[match[1]!] = match[2]!;
  }
  return { nodeArgs: words.slice(1, script), env };
}
