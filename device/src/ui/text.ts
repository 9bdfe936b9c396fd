/**
 * Every word the kiosk shows or prints, in English and Russian (docs/kiosk-page.md "Languages").
 * The LCD's lines are short (20x4, then fitted and transliterated: its ROM has no Cyrillic); the
 * page has room for whole sentences. Dates and money are in the store's zone and the language's
 * format, through Intl.
 */
import type { Money } from '@loyalty/protocol';
import type { Lang, MemberView, Notice, View } from './view.js';

const LOCALES: Record<Lang, string> = { en: 'en-GB', ru: 'ru-RU' };

const dayFormats = new Map<string, Intl.DateTimeFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();

function cached(cache: Map<string, Intl.DateTimeFormat>, lang: Lang, timeZone: string, options: Intl.DateTimeFormatOptions): Intl.DateTimeFormat {
  const key = `${lang}|${timeZone}`;
  let format = cache.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(LOCALES[lang], { timeZone, ...options });
    cache.set(key, format);
  }
  return format;
}

/** "31 Dec 2026" / "31 дек. 2026 г." in the store's zone. */
export function formatDay(iso: string, lang: Lang, timeZone: string): string {
  return cached(dayFormats, lang, timeZone, { day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso));
}

/** "29/11/2026, 14:02" / "29.11.2026, 14:02" in the store's zone. */
export function formatLocalTime(iso: string, lang: Lang, timeZone: string): string {
  return cached(timeFormats, lang, timeZone, { day: '2-digit', month: '2-digit', year: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** Minor units with their currency: "12.50 EUR" (the code, not a sign: printers and LCDs have no ₽). */
export function formatMoney(money: Money, lang: Lang): string {
  const amount = (money.amount / 100).toFixed(2);
  return `${lang === 'ru' ? amount.replace('.', ',') : amount} ${money.currency}`;
}

export interface Words {
  lcd: (view: View) => string[];
  notice: Record<Notice, { title: string; hint: string }>;
  page: {
    welcomeTitle: string;
    welcomeHint: string;
    reading: string;
    points: string;
    hello: (name: string | null) => string;
    tier: string;
    toNextTier: (spend: string, tier: string) => string;
    wallet: string;
    expiring: (points: number, day: string) => string;
    member: (name: string, until: string | null) => string;
    scanReceipt: string;
    collecting: string;
    estimate: (points: number) => string;
    earned: (points: number) => string;
    newBalance: string;
    pendingTitle: string;
    pendingHint: string;
    done: string;
    backIn: (seconds: number | string) => string;
    printerProblem: string;
    outOfService: string;
    outOfServiceHint: string;
    notPaired: string;
    notPairedHint: string;
    language: string;
  };
  slip: {
    balance: string;
    collected: string;
    pending: string;
    test: string;
    hello: (name: string) => string;
    card: string;
    tier: string;
    pointsBalance: string;
    expiring: (day: string) => string;
    tillReceipt: string;
    pointsEarned: string;
    newBalance: string;
    pendingLines: string[];
    time: string;
    timeUnknown: string;
    kiosk: string;
    copy: string;
  };
}

const en: Words = {
  lcd: (view) => {
    switch (view.screen) {
      case 'welcome':
        return ['Welcome!', 'Tap or scan your', 'loyalty card'];
      case 'reading':
        return ['One moment...'];
      case 'member':
        return [view.member.name ? `Hello ${view.member.name}` : 'Hello!', `Points: ${view.member.balance}`, 'Scan a receipt to', 'collect points'];
      case 'collecting':
        return view.estimate === null ? ['Collecting points...'] : ['You will earn', `${view.estimate} points`, 'Collecting...'];
      case 'earned':
        return [`+${view.pointsEarned} points`, `Balance: ${view.member.balance}`, 'Thank you!'];
      case 'earnPending':
        return ['Points saved', 'Will be added when', 'kiosk is online'];
      case 'notice':
        return lcdNotice.en(view.notice, view.detail);
      case 'outOfService':
        return ['Out of service', 'Sorry! Please use', 'another kiosk'];
      case 'notPaired':
        return ['Not paired', 'Staff: start with', '--pair CODE from', 'the admin console'];
    }
  },
  notice: {
    notRecognised: { title: 'Card not recognised', hint: 'Please ask staff' },
    invalidNumber: { title: 'Card number not valid', hint: 'Please scan again' },
    blocked: { title: 'Card blocked', hint: 'Please ask staff' },
    unlinked: { title: 'Card not registered', hint: 'Please ask staff' },
    offline: { title: 'Kiosk offline', hint: 'Balance unavailable, please try later' },
    tapFirst: { title: 'Tap your card first', hint: 'then scan the receipt' },
    unknownCode: { title: 'Code not recognised', hint: 'Scan a card or a till receipt' },
    receiptUsed: { title: 'Receipt already used for points', hint: '' },
    receiptUnknown: { title: 'Receipt not found', hint: 'No points for it. Please ask at the till' },
    receiptForged: { title: 'Receipt not valid', hint: 'No points for it. Please ask at the till' },
    receiptTooOld: { title: 'Receipt too old to collect points', hint: '' },
    receiptLimit: { title: 'Daily receipt limit reached', hint: 'Please ask at the till' },
    failed: { title: 'Sorry', hint: 'Please try again' },
  },
  page: {
    welcomeTitle: 'Welcome!',
    welcomeHint: 'Tap or scan your loyalty card',
    reading: 'One moment…',
    points: 'points',
    hello: (name) => (name ? `Hello, ${name}` : 'Hello!'),
    tier: 'Tier',
    toNextTier: (spend, tier) => `Spend ${spend} more to reach ${tier}`,
    wallet: 'Cashback wallet',
    expiring: (points, day) => `${points} points expire on ${day}`,
    member: (name, until) => (until ? `${name} until ${until}` : name),
    scanReceipt: 'Scan a till receipt to collect points',
    collecting: 'Collecting points…',
    estimate: (points) => `You will earn ${points} points`,
    earned: (points) => `+${points} points`,
    newBalance: 'New balance',
    pendingTitle: 'Points saved',
    pendingHint: 'They will be added when the kiosk is back online',
    done: 'Done',
    backIn: (seconds) => `Back to start in ${seconds} s`,
    printerProblem: 'Printer problem: the slip could not be printed',
    outOfService: 'Out of service',
    outOfServiceHint: 'Sorry! Please use another kiosk',
    notPaired: 'Not paired',
    notPairedHint: 'Staff: start the agent with --pair CODE from the admin console',
    language: 'Русский',
  },
  slip: {
    balance: 'BALANCE',
    collected: 'POINTS COLLECTED',
    pending: 'POINTS PENDING',
    test: 'TEST PAGE',
    hello: (name) => `Hello, ${name}`,
    card: 'Card',
    tier: 'Tier',
    pointsBalance: 'Points balance',
    expiring: (day) => `Expire ${day}`,
    tillReceipt: 'Till receipt',
    pointsEarned: 'Points earned',
    newBalance: 'New balance',
    pendingLines: ['PENDING - NOT YET BOOKED', 'The kiosk is offline. Your points', 'are saved and will be added when', 'the connection is back.'],
    time: 'Time',
    timeUnknown: 'not known (offline)',
    kiosk: 'Kiosk',
    copy: '*** COPY ***',
  },
};

const ru: Words = {
  lcd: (view) => {
    switch (view.screen) {
      case 'welcome':
        return ['Добро пожаловать!', 'Приложите или', 'отсканируйте карту'];
      case 'reading':
        return ['Минутку...'];
      case 'member':
        // The name alone: "Здравствуйте, " would leave no room for it on 20 columns.
        return [view.member.name ?? 'Здравствуйте!', `Баллы: ${view.member.balance}`, 'Отсканируйте чек,', 'чтобы начислить'];
      case 'collecting':
        return view.estimate === null ? ['Начисляем баллы...'] : ['Будет начислено', `${view.estimate} баллов`, 'Начисляем...'];
      case 'earned':
        return [`+${view.pointsEarned} баллов`, `Баланс: ${view.member.balance}`, 'Спасибо!'];
      case 'earnPending':
        return ['Баллы сохранены', 'Начислим, когда', 'киоск будет в сети'];
      case 'notice':
        return lcdNotice.ru(view.notice, view.detail);
      case 'outOfService':
        return ['Не работает', 'Извините! Другой', 'киоск рядом'];
      case 'notPaired':
        return ['Не подключен', 'Персонал: запуск', 'с --pair КОД из', 'консоли'];
    }
  },
  notice: {
    notRecognised: { title: 'Карта не распознана', hint: 'Обратитесь к персоналу' },
    invalidNumber: { title: 'Неверный номер карты', hint: 'Отсканируйте ещё раз' },
    blocked: { title: 'Карта заблокирована', hint: 'Обратитесь к персоналу' },
    unlinked: { title: 'Карта не зарегистрирована', hint: 'Обратитесь к персоналу' },
    offline: { title: 'Киоск не в сети', hint: 'Баланс недоступен, попробуйте позже' },
    tapFirst: { title: 'Сначала приложите карту', hint: 'затем отсканируйте чек' },
    unknownCode: { title: 'Код не распознан', hint: 'Отсканируйте карту или чек' },
    receiptUsed: { title: 'Баллы за этот чек уже начислены', hint: '' },
    receiptUnknown: { title: 'Чек не найден', hint: 'Баллы не начислены. Обратитесь на кассу' },
    receiptForged: { title: 'Чек недействителен', hint: 'Баллы не начислены. Обратитесь на кассу' },
    receiptTooOld: { title: 'Чек слишком старый', hint: '' },
    receiptLimit: { title: 'Дневной лимит чеков исчерпан', hint: 'Обратитесь на кассу' },
    failed: { title: 'Извините', hint: 'Попробуйте ещё раз' },
  },
  page: {
    welcomeTitle: 'Добро пожаловать!',
    welcomeHint: 'Приложите или отсканируйте карту лояльности',
    reading: 'Минутку…',
    points: 'баллов',
    hello: (name) => (name ? `Здравствуйте, ${name}` : 'Здравствуйте!'),
    tier: 'Уровень',
    toNextTier: (spend, tier) => `Ещё ${spend} покупок до уровня «${tier}»`,
    wallet: 'Кешбэк',
    expiring: (points, day) => `${points} баллов сгорят ${day}`,
    member: (name, until) => (until ? `${name} до ${until}` : name),
    scanReceipt: 'Отсканируйте чек, чтобы начислить баллы',
    collecting: 'Начисляем баллы…',
    estimate: (points) => `Будет начислено ${points} баллов`,
    earned: (points) => `+${points} баллов`,
    newBalance: 'Новый баланс',
    pendingTitle: 'Баллы сохранены',
    pendingHint: 'Они будут начислены, когда киоск снова будет в сети',
    done: 'Готово',
    backIn: (seconds) => `Возврат на начало через ${seconds} с`,
    printerProblem: 'Проблема с принтером: чек не напечатан',
    outOfService: 'Не работает',
    outOfServiceHint: 'Извините! Воспользуйтесь другим киоском',
    notPaired: 'Не подключен',
    notPairedHint: 'Персонал: запустите агент с --pair КОД из консоли',
    language: 'English',
  },
  slip: {
    balance: 'БАЛАНС',
    collected: 'БАЛЛЫ НАЧИСЛЕНЫ',
    pending: 'БАЛЛЫ В ОЖИДАНИИ',
    test: 'ТЕСТОВАЯ СТРАНИЦА',
    hello: (name) => `Здравствуйте, ${name}`,
    card: 'Карта',
    tier: 'Уровень',
    pointsBalance: 'Баланс баллов',
    expiring: (day) => `Сгорят ${day}`,
    tillReceipt: 'Чек',
    pointsEarned: 'Начислено',
    newBalance: 'Новый баланс',
    pendingLines: ['ОЖИДАЕТ - ЕЩЁ НЕ НАЧИСЛЕНО', 'Киоск не в сети. Баллы', 'сохранены и будут начислены,', 'когда связь восстановится.'],
    time: 'Время',
    timeUnknown: 'неизвестно (нет связи)',
    kiosk: 'Киоск',
    copy: '*** КОПИЯ ***',
  },
};

const lcdNotice: Record<Lang, (notice: Notice, detail?: string) => string[]> = {
  en: (notice, detail) => {
    switch (notice) {
      case 'notRecognised':
        return ['Card not recognised', 'Please ask staff'];
      case 'invalidNumber':
        return ['Card number not', 'valid, please', 'scan again'];
      case 'blocked':
        return ['Card blocked', 'Please ask staff'];
      case 'unlinked':
        return ['Card not registered', 'Please ask staff'];
      case 'offline':
        return ['Kiosk offline', 'Balance unavailable', 'Please try later'];
      case 'tapFirst':
        return ['Tap your card first', 'then scan receipt'];
      case 'unknownCode':
        return ['Code not recognised', 'Scan a card or a', 'till receipt'];
      case 'receiptUsed':
        return ['Receipt already', 'used for points'];
      case 'receiptUnknown':
        return ['Receipt not found', 'No points for it', 'Please ask at', 'the till'];
      case 'receiptForged':
        return ['Receipt not valid', 'No points for it', 'Please ask at', 'the till'];
      case 'receiptTooOld':
        return ['Receipt too old', 'to collect points'];
      case 'receiptLimit':
        return ['Daily receipt limit', 'reached. Please', 'ask at the till'];
      case 'failed':
        return ['Sorry:', detail ?? 'please try again'];
    }
  },
  ru: (notice, detail) => {
    const words = ru.notice[notice];
    if (notice === 'failed') return ['Извините:', detail ?? 'попробуйте ещё раз'];
    return [words.title, ...(words.hint ? [words.hint] : [])];
  },
};

export const WORDS: Record<Lang, Words> = { en, ru };

/** The LCD's lines for a member screen, for callers outside the agent (a console, tests). */
export function memberLines(lang: Lang, member: Pick<MemberView, 'name' | 'balance'>): string[] {
  return WORDS[lang].lcd({ screen: 'member', member: { cardMasked: '', tier: null, nextTier: null, wallet: null, nextExpiry: null, memberships: [], ...member } });
}
