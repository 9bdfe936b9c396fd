/**
 * What a reminder says, by SMS (short, one link) and by e-mail (a subject, a few lines, the same
 * link), in English or Russian (docs/reminders.md). Every message ends with the way out: the
 * opt-out link, which works without signing in.
 */
import { englishPoints, englishPointsExpire, lastDayInstant, russianExpire, russianPoints, type Money } from '@loyalty/protocol';

export type ReminderKind = 'points_expiring' | 'coupon_expiring' | 'tier_review' | 'birthday_bonus';
export const REMINDER_KINDS: readonly ReminderKind[] = ['points_expiring', 'coupon_expiring', 'tier_review', 'birthday_bonus'];

export type ReminderFacts =
  | { kind: 'points_expiring'; points: number; expiresAt: string }
  | { kind: 'coupon_expiring'; code: string; value: Money; rewardName: string | null; expiresAt: string }
  | { kind: 'tier_review'; tier: string; reviewAt: string; spendNeeded: Money }
  | { kind: 'birthday_bonus'; points: number; until: string };

export interface ReminderText {
  subject: string;
  /** the SMS, and the e-mail's first paragraph */
  text: string;
  optOut: string;
}

type Lang = 'en' | 'ru';
const LOCALE: Record<Lang, string> = { en: 'en-GB', ru: 'ru-RU' };

function day(iso: string, lang: Lang, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALE[lang], { day: 'numeric', month: 'long', timeZone }).format(new Date(iso));
}

function money(m: Money, lang: Lang): string {
  const amount = (m.amount / 100).toFixed(2);
  return `${lang === 'ru' ? amount.replace('.', ',') : amount} ${m.currency}`;
}

export function reminderText(facts: ReminderFacts, input: { lang: Lang; timeZone: string; cardMasked: string; optOutUrl: string }): ReminderText {
  const { lang, timeZone, cardMasked } = input;
  const on = (iso: string) => day(iso, lang, timeZone);
  const en = lang === 'en';
  const optOut = en ? `No more reminders: ${input.optOutUrl}` : `Отписаться от напоминаний: ${input.optOutUrl}`;
  switch (facts.kind) {
    case 'points_expiring':
      return en
        ? {
            subject: `${facts.points} ${englishPointsExpire(facts.points)} on ${on(lastDayInstant(facts.expiresAt, timeZone))}`,
            text: `${facts.points} ${englishPoints(facts.points)} on your card ${cardMasked} ${facts.points === 1 ? 'expires' : 'expire'} on ${on(lastDayInstant(facts.expiresAt, timeZone))}. Spend ${facts.points === 1 ? 'it' : 'them'} at a kiosk in the store.`,
            optOut,
          }
        : {
            subject: `${facts.points} ${russianPoints(facts.points)} ${russianExpire(facts.points)} ${on(lastDayInstant(facts.expiresAt, timeZone))}`,
            text: `${facts.points} ${russianPoints(facts.points)} на карте ${cardMasked} ${russianExpire(facts.points)} ${on(lastDayInstant(facts.expiresAt, timeZone))}. Обменяйте их в киоске магазина.`,
            optOut,
          };
    case 'coupon_expiring': {
      const what = facts.rewardName ?? (en ? `coupon worth ${money(facts.value, lang)}` : `купон на ${money(facts.value, lang)}`);
      return en
        ? { subject: `Your coupon expires on ${on(facts.expiresAt)}`, text: `Your ${what} (${facts.code}) can be used until ${on(facts.expiresAt)}.`, optOut }
        : { subject: `Срок купона истекает ${on(facts.expiresAt)}`, text: `Ваш ${what} (${facts.code}) действует до ${on(facts.expiresAt)}.`, optOut };
    }
    case 'tier_review':
      return en
        ? {
            subject: `Keep your ${facts.tier} level`,
            text: `Your ${facts.tier} level is reviewed on ${on(facts.reviewAt)}. Spend ${money(facts.spendNeeded, lang)} more by then to keep it (card ${cardMasked}).`,
            optOut,
          }
        : {
            subject: `Сохраните уровень «${facts.tier}»`,
            text: `Уровень «${facts.tier}» пересматривается ${on(facts.reviewAt)}. Совершите покупки ещё на ${money(facts.spendNeeded, lang)}, чтобы его сохранить (карта ${cardMasked}).`,
            optOut,
          };
    case 'birthday_bonus':
      return en
        ? {
            subject: 'A birthday bonus is waiting for you',
            text: `Happy birthday! ${facts.points} bonus points are waiting for you with a purchase until ${on(facts.until)} (card ${cardMasked}).`,
            optOut,
          }
        : {
            subject: 'Вас ждёт бонус ко дню рождения',
            text: `С днём рождения! Бонус ${facts.points} ${russianPoints(facts.points)} ждёт вас при покупке до ${on(facts.until)} (карта ${cardMasked}).`,
            optOut,
          };
  }
}
