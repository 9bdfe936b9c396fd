/**
 * Staff mode's words in English and Russian (docs/staff.md): the touchscreen page's labels, the
 * LCD's four short lines (fitted and transliterated by ui/screens.ts), and the shift report slip.
 * Kept apart from the customers' words (ui/text.ts): staff read these, customers never do.
 */
import type { Lang, StaffAction, StaffMessage, StaffStep, View } from './view.js';
import { russianPoints } from '@loyalty/protocol';
import { wrapWords } from './wrap.js';

type StaffView = Extract<View, { screen: 'staff' }>;

export interface StaffWords {
  title: string;
  /** the LCD's first line, before the name: short (20 columns, transliterated) */
  lcdTitle: string;
  noteTitle: string;
  noteHint: string;
  otherAlphabet: string;
  next: string;
  role: Record<'cashier' | 'manager', string>;
  action: Record<StaffAction, string>;
  reasons: Record<string, string>;
  tapCard: Record<'issue' | 'block' | 'adjust' | 'replace', string>;
  orTypeNumber: string;
  useNumber: string;
  oldCardTitle: string;
  oldCardHint: string;
  invalidNumber: string;
  findByPhone: string;
  phoneTitle: string;
  phoneHint: string;
  phoneInvalid: string;
  sendCode: string;
  codeTitle: string;
  codeHint: (phone: string) => string;
  wrongCode: string;
  confirm: string;
  pickTitle: string;
  cardLine: (masked: string, balance: number) => string;
  reasonTitle: (purpose: 'block' | 'replace' | 'adjust', card: string) => string;
  pointsTitle: (card: string) => string;
  add: string;
  remove: string;
  confirmTap: (points: number, card: string) => string;
  confirmTapHint: string;
  working: string;
  back: string;
  message: (m: StaffMessage) => string;
  lcd: (view: StaffView) => string[];
  slip: { report: string; staff: string; since: string; earns: string; redemptions: string; registrations: string; staffActions: string };
}

const signed = (points: number) => (points > 0 ? `+${points}` : String(points));

const en: StaffWords = {
  title: 'Staff mode',
  lcdTitle: 'Staff',
  noteTitle: 'The reason, in words',
  noteHint: 'Kept in the audit log with the adjustment',
  otherAlphabet: 'АБВ',
  next: 'Next',
  role: { cashier: 'Cashier', manager: 'Manager' },
  action: {
    issue: 'Issue a card',
    replace: 'Replace a lost card',
    block: 'Block a card',
    adjust: 'Adjust points',
    reprint: 'Reprint last slip',
    testPage: 'Print a test page',
    shiftReport: 'Shift report',
    exit: 'Leave staff mode',
  },
  reasons: {
    lost: 'Lost',
    stolen: 'Stolen',
    fraud_suspected: 'Fraud suspected',
    damaged: 'Damaged',
    missing_points: 'Missing points',
    goodwill: 'Goodwill',
    correction: 'Correction',
    other: 'Other',
  },
  tapCard: {
    issue: 'Tap or scan the new card',
    block: 'Tap or scan the card to block',
    adjust: 'Tap or scan the customer’s card',
    replace: 'Tap or scan the new card',
  },
  orTypeNumber: 'or type its number',
  useNumber: 'Use this number',
  oldCardTitle: 'The lost card',
  oldCardHint: 'Type its number, or find the customer by phone',
  invalidNumber: 'That card number is not valid',
  findByPhone: 'Find by phone',
  phoneTitle: 'The customer’s phone',
  phoneHint: 'A code goes to this phone by SMS',
  phoneInvalid: 'That phone number is not valid',
  sendCode: 'Send code',
  codeTitle: 'The code from the SMS',
  codeHint: (phone) => `Ask the customer for the code sent to ${phone}`,
  wrongCode: 'Wrong code, try again',
  confirm: 'Confirm',
  pickTitle: 'Which card was lost?',
  cardLine: (masked, balance) => `${masked} · ${balance} points`,
  reasonTitle: (purpose, card) => `${purpose === 'block' ? 'Block' : purpose === 'replace' ? 'Replace' : 'Adjust'} ${card}: why?`,
  pointsTitle: (card) => `Points for ${card}`,
  add: 'Add',
  remove: 'Take away',
  confirmTap: (points, card) => `${signed(points)} points on ${card}`,
  confirmTapHint: 'Tap your manager card again to confirm',
  working: 'One moment...',
  back: 'Back',
  message: (m) => {
    switch (m.kind) {
      case 'blocked':
        return m.already ? `Card ${m.cardMasked} was already blocked` : `Card ${m.cardMasked} is blocked`;
      case 'blockPending':
        return `Saved: card ${m.cardMasked} will be blocked when the kiosk is back online`;
      case 'replaced':
        return `Card ${m.oldMasked} replaced by ${m.newMasked}: ${m.balance} points moved`;
      case 'adjusted':
        return `${signed(m.points)} points on ${m.cardMasked}; balance ${m.balance}`;
      case 'issued':
        return m.existingCustomer ? `Card ${m.cardMasked} added to the customer’s account` : `Card ${m.cardMasked} issued`;
      case 'printed':
        return m.what === 'reprint' ? 'Last slip printed again' : m.what === 'testPage' ? 'Test page printed' : 'Shift report printed; a new shift starts';
      case 'nothingToReprint':
        return 'Nothing printed since the kiosk started';
      case 'printerProblem':
        return 'Printer problem: nothing printed';
      case 'managerNeeded':
        return 'Manager card needed';
      case 'onlineOnly':
        return 'Kiosk offline: this needs the connection';
      case 'cannotRecord':
        return 'Not done: the kiosk cannot record anything (its storage is full)';
      case 'pending':
        return 'Saved: it completes when the kiosk is back online';
      case 'cardNotFound':
        return 'Card not recognised';
      case 'alreadyRegistered':
        return `Card ${m.cardMasked} is already registered`;
      case 'refused':
        return `Not done: ${m.detail}`;
    }
  },
  lcd: (view) => lcdLines(en, view),
  slip: { report: 'SHIFT REPORT', staff: 'Staff', since: 'Shift since', earns: 'Receipts / points', redemptions: 'Coupons / points', registrations: 'Cards registered', staffActions: 'Staff actions' },
};

const ru: StaffWords = {
  title: 'Режим персонала',
  lcdTitle: 'Персонал',
  noteTitle: 'Причина своими словами',
  noteHint: 'Сохраняется в журнале вместе с изменением',
  otherAlphabet: 'ABC',
  next: 'Далее',
  role: { cashier: 'Кассир', manager: 'Менеджер' },
  action: {
    issue: 'Выдать карту',
    replace: 'Заменить утерянную',
    block: 'Заблокировать карту',
    adjust: 'Изменить баллы',
    reprint: 'Повторить чек',
    testPage: 'Тестовая печать',
    shiftReport: 'Отчёт за смену',
    exit: 'Выйти',
  },
  reasons: {
    lost: 'Утеряна',
    stolen: 'Украдена',
    fraud_suspected: 'Подозрение на мошенничество',
    damaged: 'Повреждена',
    missing_points: 'Не начислены баллы',
    goodwill: 'Жест доброй воли',
    correction: 'Исправление',
    other: 'Другое',
  },
  tapCard: {
    issue: 'Приложите или отсканируйте новую карту',
    block: 'Приложите или отсканируйте карту',
    adjust: 'Приложите или отсканируйте карту клиента',
    replace: 'Приложите или отсканируйте новую карту',
  },
  orTypeNumber: 'или введите её номер',
  useNumber: 'Этот номер',
  oldCardTitle: 'Утерянная карта',
  oldCardHint: 'Введите её номер или найдите клиента по телефону',
  invalidNumber: 'Неверный номер карты',
  findByPhone: 'Найти по телефону',
  phoneTitle: 'Телефон клиента',
  phoneHint: 'На этот номер придёт SMS с кодом',
  phoneInvalid: 'Неверный номер телефона',
  sendCode: 'Отправить код',
  codeTitle: 'Код из SMS',
  codeHint: (phone) => `Спросите у клиента код, отправленный на ${phone}`,
  wrongCode: 'Неверный код, попробуйте ещё раз',
  confirm: 'Подтвердить',
  pickTitle: 'Какая карта утеряна?',
  cardLine: (masked, balance) => `${masked} · ${balance} ${russianPoints(balance)}`,
  reasonTitle: (purpose, card) => `${purpose === 'block' ? 'Блокировка' : purpose === 'replace' ? 'Замена' : 'Изменение'} ${card}: причина?`,
  pointsTitle: (card) => `Баллы для ${card}`,
  add: 'Начислить',
  remove: 'Списать',
  confirmTap: (points, card) => `${signed(points)} ${russianPoints(points)} на ${card}`,
  confirmTapHint: 'Приложите карту менеджера ещё раз для подтверждения',
  working: 'Минуту...',
  back: 'Назад',
  message: (m) => {
    switch (m.kind) {
      case 'blocked':
        return m.already ? `Карта ${m.cardMasked} уже заблокирована` : `Карта ${m.cardMasked} заблокирована`;
      case 'blockPending':
        return `Сохранено: карта ${m.cardMasked} будет заблокирована, когда киоск снова будет в сети`;
      case 'replaced':
        return `Карта ${m.oldMasked} заменена на ${m.newMasked}: перенесено ${m.balance} ${russianPoints(m.balance)}`;
      case 'adjusted':
        return `${signed(m.points)} ${russianPoints(m.points)} на ${m.cardMasked}; баланс ${m.balance}`;
      case 'issued':
        return m.existingCustomer ? `Карта ${m.cardMasked} добавлена к счёту клиента` : `Карта ${m.cardMasked} выдана`;
      case 'printed':
        return m.what === 'reprint' ? 'Последний чек напечатан повторно' : m.what === 'testPage' ? 'Тестовая страница напечатана' : 'Отчёт напечатан; начата новая смена';
      case 'nothingToReprint':
        return 'С момента запуска ничего не печаталось';
      case 'printerProblem':
        return 'Проблема с принтером: ничего не напечатано';
      case 'managerNeeded':
        return 'Нужна карта менеджера';
      case 'onlineOnly':
        return 'Киоск не в сети: это требует связи';
      case 'cannotRecord':
        return 'Не выполнено: киоск не может ничего сохранить (память заполнена)';
      case 'pending':
        return 'Сохранено: завершится, когда киоск снова будет в сети';
      case 'cardNotFound':
        return 'Карта не распознана';
      case 'alreadyRegistered':
        return `Карта ${m.cardMasked} уже зарегистрирована`;
      case 'refused':
        return `Не выполнено: ${m.detail}`;
    }
  },
  lcd: (view) => lcdLines(ru, view),
  slip: {
    report: 'ОТЧЁТ ЗА СМЕНУ',
    staff: 'Сотрудник',
    since: 'Смена с',
    earns: 'Чеков / баллов',
    redemptions: 'Купонов / баллов',
    registrations: 'Карт зарегистр.',
    staffActions: 'Действий персонала',
  },
};

export const STAFF_WORDS: Record<Lang, StaffWords> = { en, ru };

/** Four short lines: who, where in the action, what to do; the page has the buttons. */
function lcdLines(w: StaffWords, view: StaffView): string[] {
  const who = `${w.lcdTitle}: ${view.staff.name}`;
  const step: StaffStep = view.step;
  switch (step.kind) {
    case 'menu':
      return view.message ? [who, ...wrap(w.message(view.message))] : [who, w.role[view.staff.role]];
    case 'tapCard':
      return [who, ...wrap(w.tapCard[step.purpose])];
    case 'oldCard':
      return [who, w.oldCardTitle, ...wrap(w.oldCardHint).slice(0, 2)];
    case 'findPhone':
      return [who, w.phoneTitle];
    case 'findCode':
      return [who, w.codeTitle, step.phoneMasked];
    case 'pickCard':
      return [who, ...wrap(w.pickTitle)];
    case 'reason':
      return [who, ...wrap(w.reasonTitle(step.purpose, step.cardMasked))];
    case 'note':
      return [who, ...wrap(w.noteTitle)];
    case 'points':
      return [who, ...wrap(w.pointsTitle(step.cardMasked))];
    case 'confirmTap':
      return [w.confirmTap(step.points, step.cardMasked), ...wrap(w.confirmTapHint)];
    case 'working':
      return [who, w.working];
  }
}

/** Words over 20-column lines (the LCD), at most three. */
function wrap(text: string, width = 20): string[] {
  return wrapWords(text, width).slice(0, 3);
}
