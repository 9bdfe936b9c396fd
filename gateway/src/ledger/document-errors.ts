/**
 * A refused document (a program, a segment) as operators read it: every bad field with its path,
 * and the first three in the message (docs/api.md "Errors").
 */
import type { ErrorCode } from '@loyalty/protocol';
import type { z } from 'zod';
import { LedgerError } from './errors.js';

export function documentRefusal(code: ErrorCode, what: string, issues: z.core.$ZodIssue[]): LedgerError {
  const details = issues.map((i) => ({ path: i.path, field: i.path.join('.') || '(document)', message: i.message }));
  const first = details
    .slice(0, 3)
    .map((d) => `${d.field}: ${d.message}`)
    .join('; ');
  return new LedgerError(code, `${what} is not valid: ${first}`, details);
}
