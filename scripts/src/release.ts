#!/usr/bin/env node
/**
 * `npm run release [-- --out DIR] [--version V]`: the install tarballs of the gateway and of the
 * kiosk agent, each with its built code, its production dependencies (native addons for this
 * machine's platform), docs/ and systemd/. An install is unpacking one into /opt/loyalty-kiosk
 * (docs/operator-guide.md "Installing"): nothing is compiled or downloaded on the target.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { buildRelease } from '@loyalty/gateway';
import { ReleaseVersion } from '@loyalty/protocol';

const { values } = parseArgs({ options: { out: { type: 'string', default: 'dist-releases' }, version: { type: 'string' }, help: { type: 'boolean', short: 'h' } } });
if (values.help) {
  process.stdout.write('usage: npm run release [-- --out DIR] [--version V]   the gateway and kiosk install tarballs (docs/operator-guide.md)\n');
  process.exit(0);
}
if (values.version !== undefined && !ReleaseVersion.safeParse(values.version).success) {
  process.stderr.write(`release: --version must look like 1.2.3 (got ${values.version})\n`);
  process.exit(2);
}
const outDir = resolve(values.out);
mkdirSync(outDir, { recursive: true });
for (const name of ['loyalty-gateway', 'loyalty-kiosk-agent'] as const) {
  const built = await buildRelease({ root: process.cwd(), outDir, version: values.version, name, install: true });
  process.stdout.write(`${built.file}\n  ${name} ${built.version}, ${built.size} bytes, SHA-256 ${built.sha256}\n`);
}
