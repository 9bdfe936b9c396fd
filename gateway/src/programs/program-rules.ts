/**
 * The rules a program runs under outside any one store's request (the customers' page, the
 * reminders): those of the first store, by id, that runs the program. Its time zone is the one
 * dates are shown in, its tiers and bonuses the ones in force.
 */
import type { RuleSet } from '@loyalty/protocol';
import type { SqlExecutor } from '../db/sql.js';
import type { ProgramService } from './program-service.js';

export async function rulesOfProgram(db: SqlExecutor, programs: Pick<ProgramService, 'ruleSetFor'>, programId: string): Promise<RuleSet | null> {
  const store = (await db.execute({ sql: 'SELECT store_id FROM store_programs WHERE program_id = ? ORDER BY store_id LIMIT 1', args: [programId] })).rows[0];
  return store ? programs.ruleSetFor(db, String(store.store_id), 'EUR') : null;
}
