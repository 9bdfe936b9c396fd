#!/usr/bin/env node
/**
 * The kiosk's launcher (docs/fleet.md "Agent updates"): systemd starts this file of the installed
 * agent, and it starts the agent release `current` points at, or the installed agent itself. It
 * is the one piece an update never replaces, like a device's bootloader, so it can always roll a
 * bad release back: a release on trial gets a number of starts and a deadline to become healthy.
 *   node device/dist/boot.js [the agent's options]
 */
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { resolveStateDir } from './config.js';
import { AgentDir } from './update/agent-dir.js';
import { armDeadline, chooseRelease, noteStartError } from './update/boot-decision.js';

const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: false });
const dir = new AgentDir(resolveStateDir(process.env, typeof values.config === 'string' ? values.config : process.env.LOYALTY_KIOSK_CONFIG));
// Tells the agent it may switch versions: this launcher is here to roll a bad one back.
process.env.LOYALTY_KIOSK_BOOT = '1';
const choice = chooseRelease(dir, new Date());
if (choice.rolledBack) process.stderr.write(`loyalty-kiosk boot: rolled back from ${choice.rolledBack.to} to ${choice.rolledBack.from}: ${choice.rolledBack.reason}\n`);
const main = choice.release ? join(dir.releaseDir(choice.release), 'device', 'dist', 'main.js') : fileURLToPath(new URL('./main.js', import.meta.url));
if (choice.release) armDeadline(dir, choice.release, (code) => process.exit(code));
try {
  await import(pathToFileURL(main).href);
} catch (error) {
  if (choice.release) noteStartError(dir, error);
  throw error;
}
