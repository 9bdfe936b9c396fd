/**
 * The words that follow a number of points, for the kiosk's screens and slips, the customers'
 * page and reminders. Russian has three forms and the verb follows them too: 1 балл сгорит,
 * 2 балла сгорят, 5 баллов сгорят, 21 балл сгорит. The sign does not count (+223 балла).
 */
const russianPlurals = new Intl.PluralRules('ru-RU');

export function russianPlural(n: number, one: string, few: string, many: string): string {
  const form = russianPlurals.select(Math.abs(n));
  return form === 'one' ? one : form === 'few' ? few : many;
}

export const russianPoints = (n: number): string => russianPlural(n, 'балл', 'балла', 'баллов');
export const russianExpire = (n: number): string => russianPlural(n, 'сгорит', 'сгорят', 'сгорят');

/** "1 point", "2 points". */
export const englishPoints = (n: number): string => (Math.abs(n) === 1 ? 'point' : 'points');
/** "1 point expires", "2 points expire". */
export const englishPointsExpire = (n: number): string => (Math.abs(n) === 1 ? 'point expires' : 'points expire');
