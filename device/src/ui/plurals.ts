/** Words that follow a number of points on the kiosk's screens and slips, in each language. */

const russianPlurals = new Intl.PluralRules('ru-RU');

/** The Russian word for points after a number: 1 балл, 2 балла, 5 баллов, 21 балл (the sign does not count). */
export function ballov(n: number): string {
  const form = russianPlurals.select(Math.abs(n));
  return form === 'one' ? 'балл' : form === 'few' ? 'балла' : 'баллов';
}

/** "1 point", "2 points". */
export function pointsEn(n: number): string {
  return Math.abs(n) === 1 ? 'point' : 'points';
}
