/**
 * The golden scenarios (docs/programs.md): every scenario is evaluated by the gateway (HTTP /quotes, with
 * the bundle it published) and by a kiosk (its cached bundle, received over MQTT and verified),
 * and both must give the recorded result. UPDATE_GOLDEN=1 records the results again after an
 * intended change of the rules; review the diff of the golden file before committing it.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Gateway } from '@loyalty/gateway';
import { EvaluationError, evaluate } from '@loyalty/protocol';
import { STORE, eventually, seed, startGateway, startKiosk, tempDir, type TestKiosk } from '../support/system.js';
import { GOLDEN_DOCS, GOLDEN_SEGMENTS } from '../support/programs.js';
import { GOLDEN_SCENARIOS } from '../support/golden-scenarios.js';

const GOLDEN_FILE = new URL('../golden/evaluator.golden.json', import.meta.url);

describe('golden scenarios: gateway and kiosk agree', () => {
  const dirs = [tempDir('gw-golden'), tempDir('kiosk-golden')];
  let gateway: Gateway;
  let k: TestKiosk;
  let admin = '';

  beforeAll(async () => {
    ({ gateway } = await startGateway(dirs[0]!.path));
    await gateway.directory.ensureStore({ ...STORE, timezone: 'Europe/Berlin' });
    await seed(gateway);
    admin = (await gateway.tokens.create('admin', 'golden')).token;
    k = await startKiosk(gateway, dirs[1]!.path);
    for (const segment of GOLDEN_SEGMENTS) await gateway.segments.put(segment.id, segment, 'golden');
    for (const doc of GOLDEN_DOCS) {
      await gateway.programs.put(String(doc.id), doc, 'golden');
      await gateway.programs.publish(String(doc.id), undefined, 'golden');
    }
    await eventually(() => k.kiosk.rules.ruleSet?.programs.length === GOLDEN_DOCS.length, 5000, 'the full bundle at the kiosk');
  });
  afterAll(async () => {
    await k.kiosk.stop();
    await gateway.stop();
    for (const d of dirs) d.remove();
  });

  it('has at least 50 scenarios, each with the same result on both paths as recorded', async () => {
    expect(GOLDEN_SCENARIOS.length).toBeGreaterThanOrEqual(50);
    const results: Record<string, unknown> = {};
    const rules = k.kiosk.rules.ruleSet!;
    for (const scenario of GOLDEN_SCENARIOS) {
      const response = await fetch(`${gateway.httpUrl}/api/v1/quotes`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ ...scenario.basket, member: scenario.member, at: scenario.at }),
      });
      const body = (await response.json()) as Record<string, unknown>;
      const viaGateway = response.status === 200 ? { quote: body } : { refused: body.error };
      let viaKiosk: unknown;
      try {
        viaKiosk = { quote: JSON.parse(JSON.stringify(evaluate(scenario.basket, scenario.member, rules, Date.parse(scenario.at)))) };
      } catch (error) {
        if (!(error instanceof EvaluationError)) throw error;
        viaKiosk = { refused: error.code };
      }
      expect(viaKiosk, scenario.name).toEqual(viaGateway);
      results[scenario.name] = viaGateway;
    }
    // The scenarios cover refusals, partner purchases, tier changes, bonuses and cashback.
    const quotes = Object.values(results) as Array<{ quote?: Record<string, any>; refused?: string }>;
    expect(quotes.filter((r) => r.refused).length).toBeGreaterThan(0);
    expect(quotes.some((r) => r.quote?.partner)).toBe(true);
    expect(quotes.some((r) => r.quote?.tier && r.quote.tier.before !== r.quote.tier.after)).toBe(true);
    expect(quotes.some((r) => r.quote?.birthdayBonusYear)).toBe(true);
    expect(quotes.some((r) => r.quote?.cashback)).toBe(true);
    // A personal offer reaches its segment's member and nobody else.
    const offered = (name: string) => JSON.stringify(results[name]).includes(':promotion:welcome-back');
    expect([offered('groceries / lapsed'), offered('groceries / regular'), offered('groceries / silver')]).toEqual([true, false, false]);

    const recorded = { scenarios: GOLDEN_SCENARIOS, results };
    if (process.env.UPDATE_GOLDEN === '1' || !existsSync(GOLDEN_FILE)) {
      if (process.env.CI === 'true') throw new Error('the golden file is missing; record it with UPDATE_GOLDEN=1 npm test and commit it');
      writeFileSync(GOLDEN_FILE, `${JSON.stringify(recorded, null, 1)}\n`);
    }
    const golden = JSON.parse(readFileSync(GOLDEN_FILE, 'utf8')) as typeof recorded;
    expect(JSON.parse(JSON.stringify(GOLDEN_SCENARIOS))).toEqual(golden.scenarios);
    for (const name of Object.keys(results)) expect(results[name], name).toEqual(golden.results[name]);
  });
});
