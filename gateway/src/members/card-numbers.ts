/**
 * Card numbers are handed out chain-wide in increasing order: the payload (the number without
 * its Luhn check digit) comes from one counter row, advanced inside the write transaction, so
 * two batch requests at once can never get the same number.
 */
import { cardNumberFor, luhnCheckDigit } from '@loyalty/protocol';
import type { SqlTransaction as Transaction } from '../db/sql.js';

/** The payload of the smallest valid card number ≥ `firstNumber` (10001 → 1000 → "10009"). */
export function firstPayloadFrom(firstNumber: number): number {
  const payload = Math.floor(firstNumber / 10);
  return payload * 10 + luhnCheckDigit(String(payload)) >= firstNumber ? payload : payload + 1;
}

/**
 * Reserves `count` numbers: the next free ones from the counter (skipping numbers issued by
 * other means), or exactly the consecutive range from `firstNumber` when given (the caller
 * refuses it if any is taken).
 */
export async function allocateCardNumbers(tx: Transaction, count: number, configuredFirst: number, firstNumber?: number): Promise<string[]> {
  const row = (await tx.execute('SELECT next_payload FROM card_sequence WHERE id = 1')).rows[0];
  const counter = row ? Number(row.next_payload) : firstPayloadFrom(configuredFirst);
  let numbers: string[];
  let end: number;
  if (firstNumber !== undefined) {
    const start = firstPayloadFrom(firstNumber);
    numbers = Array.from({ length: count }, (_, i) => cardNumberFor(start + i));
    end = start + count;
  } else {
    numbers = [];
    let payload = counter;
    while (numbers.length < count) {
      const number = cardNumberFor(payload);
      if (!(await tx.execute({ sql: 'SELECT 1 FROM cards WHERE number = ?', args: [number] })).rows.length) numbers.push(number);
      payload += 1;
    }
    end = payload;
  }
  if (end > counter) {
    await tx.execute({
      sql: 'INSERT INTO card_sequence (id, next_payload) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET next_payload = max(next_payload, excluded.next_payload)',
      args: [end],
    });
  }
  return numbers;
}
