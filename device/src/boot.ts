#!/usr/bin/env node
/**
 * The kiosk's launcher (docs/fleet.md "Agent updates"): systemd starts this file of the installed
 * agent, and it starts the agent release `current` points at, or the installed agent itself. It
 * is the one piece an update never replaces, like a device's bootloader, so it can always roll a
 * bad release back: a release on trial gets a number of starts and a deadline to become healthy.
 *   node device/dist/boot.js [the agent's options]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { AgentDir } from './update/agent-dir.js';
import { armDeadline, chooseRelease, noteStartError } from './update/boot-decision.js';

/** The state directory as main.js finds it: LOYALTY_KIOSK_STATE_DIR, else the config file's, else its default. */
function stateDir(): string {
  if (process.env.LOYALTY_KIOSK_STATE_DIR) return process.env.LOYALTY_KIOSK_STATE_DIR;
  const { values } = parseArgs({ options: { config: { type: 'string' } }, strict: false });
  const file = typeof values.config === 'string' ? values.config : process.env.LOYALTY_KIOSK_CONFIG;
  if (file) {
    try {
      const configured = (JSON.parse(readFileSync(file, 'utf8')) as { stateDir?: unknown }).stateDir;
      if (typeof configured === 'string') return configured;
    } catch {
      // main.js reports a broken config file with its reason.
    }
  }
  return './var/kiosk';
}

const dir = new AgentDir(stateDir());
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
