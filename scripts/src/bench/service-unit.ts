/**
 * How systemd/*.service start the gateway and the kiosk agent — their Node flags and their
 * environment (without the deployment's paths) — so the benchmarks measure them as deployed.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export function serviceUnit(name: 'loyalty-gateway' | 'loyalty-kiosk'): { nodeArgs: string[]; env: Record<string, string> } {
  const unit = fileURLToPath(new URL(`../../../systemd/${name}.service`, import.meta.url));
  const lines = readFileSync(unit, 'utf8').split('\n');
  const exec = lines.find((line) => line.startsWith('ExecStart='));
  const words = exec?.slice('ExecStart='.length).trim().split(/\s+/) ?? [];
  const script = words.findIndex((word) => word.endsWith('.js'));
  if (!exec || script < 1) throw new Error(`cannot read the ExecStart in ${unit}`);
  const env: Record<string, string> = {};
  for (const line of lines) {
    const match = /^Environment=([A-Z_]+)=(.*)$/.exec(line);
    if (match && !match[1]!.startsWith('LOYALTY_')) env[match[1]!] = match[2]!;
  }
  return { nodeArgs: words.slice(1, script), env };
}
