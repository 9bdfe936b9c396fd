/**
 * What reminders say (docs/reminders.md) and how the customers' page counts points, in English and
 * Russian: every kind in both languages, numbers with the right word forms (1 балл, 2 балла,
 * 5 баллов, 21 балл), dates in the store's zone, and the way out in every message.
 */
import { describe, expect, it } from 'vitest';
import { REMINDER_KINDS, reminderText, type ReminderFacts } from '../../gateway/src/reminders/messages.js';
import { MY_WORDS } from '../../gateway/src/self-service/words.js';

const FACTS: Record<string, ReminderFacts> = {
  points_expiring: { kind: 'points_expiring', points: 120, expiresAt: '2026-12-31T21:00:00.000Z' },
  coupon_expiring: { kind: 'coupon_expiring', code: 'C0123', value: { amount: 500, currency: 'EUR' }, rewardName: null, expiresAt: '2026-12-19T09:00:00.000Z' },
  tier_review: { kind: 'tier_review', tier: 'Gold', reviewAt: '2026-12-31T21:00:00.000Z', spendNeeded: { amount: 12_050, currency: 'EUR' } },
  birthday_bonus: { kind: 'birthday_bonus', points: 250, until: '2026-12-27T09:00:00.000Z' },
};
const input = (lang: 'en' | 'ru') => ({ lang, timeZone: 'Europe/Moscow', cardMasked: '*0009', optOutUrl: 'https://loyalty.example/my/opt-out?c=1&t=x' });

describe('reminder texts', () => {
  it('says every kind in both languages, each with the opt-out link', () => {
    for (const kind of REMINDER_KINDS) {
      for (const lang of ['en', 'ru'] as const) {
        const text = reminderText(FACTS[kind]!, input(lang));
        expect(text.subject.length, `${kind} ${lang}`).toBeGreaterThan(5);
        expect(`${text.subject} ${text.text}`).not.toMatch(/undefined|NaN|null/);
        expect(text.optOut).toContain('https://loyalty.example/my/opt-out?c=1&t=x');
      }
    }
    // Local midnight in Moscow is 21:00 UTC the day before; money in the language's format.
    expect(reminderText(FACTS.tier_review!, input('en')).text).toBe('Your Gold level is reviewed on 1 January. Spend 120.50 EUR more by then to keep it (card *0009).');
    expect(reminderText(FACTS.tier_review!, input('ru')).text).toBe('Уровень «Gold» пересматривается 1 января. Совершите покупки ещё на 120,50 EUR, чтобы его сохранить (карта *0009).');
    expect(reminderText(FACTS.coupon_expiring!, input('en')).text).toBe('Your coupon worth 5.00 EUR (C0123) can be used until 19 December.');
  });

  it('puts the word forms with the number: 1 point, 1 балл, 2 балла, 5 баллов, 21 балл', () => {
    const subject = (points: number, lang: 'en' | 'ru') => reminderText({ kind: 'points_expiring', points, expiresAt: '2026-12-31T21:00:00.000Z' }, input(lang)).subject;
    // Midnight starting 1 January in Moscow: the points' last day is 31 December.
    expect(subject(1, 'en')).toBe('1 point expires on 31 December');
    expect(subject(2, 'en')).toBe('2 points expire on 31 December');
    expect([1, 2, 5, 11, 21, 22, 111].map((n) => subject(n, 'ru'))).toEqual([
      '1 балл сгорит 31 декабря',
      '2 балла сгорят 31 декабря',
      '5 баллов сгорят 31 декабря',
      '11 баллов сгорят 31 декабря',
      '21 балл сгорит 31 декабря',
      '22 балла сгорят 31 декабря',
      '111 баллов сгорят 31 декабря',
    ]);
    // An end that is not at midnight is named by its own day.
    expect(reminderText({ kind: 'points_expiring', points: 3, expiresAt: '2026-12-31T09:00:00.000Z' }, input('en')).subject).toBe('3 points expire on 31 December');
    expect(reminderText(FACTS.birthday_bonus!, input('ru')).text).toBe('С днём рождения! Бонус 250 баллов ждёт вас при покупке до 27 декабря (карта *0009).');
    expect(MY_WORDS.ru.account.points('1', 1)).toBe('1 балл');
    expect(MY_WORDS.ru.account.points('1 234', 1234)).toBe('1 234 балла');
    expect(MY_WORDS.en.account.points('1', 1)).toBe('1 point');
    expect(MY_WORDS.ru.account.expiring('21', '1 янв.', 21)).toBe('21 балл сгорит 1 янв.');
  });
});
