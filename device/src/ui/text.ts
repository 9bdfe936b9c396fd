/**
 * Every word the kiosk shows or prints, in English and Russian (docs/kiosk-page.md "Languages").
 * The LCD's lines are short (20x4, then fitted and transliterated: its ROM has no Cyrillic); the
 * page has room for whole sentences. Dates and money are in the store's zone and the language's
 * format, through Intl.
 */
import { englishPoints, englishPointsExpire, russianExpire, russianPoints, type Money } from '@loyalty/protocol';
import type { EntranceView, Lang, MemberView, Notice, View } from './view.js';
import { STAFF_WORDS } from './staff-text.js';

const LOCALES: Record<Lang, string> = { en: 'en-GB', ru: 'ru-RU' };

const dayFormats = new Map<string, Intl.DateTimeFormat>();
const timeFormats = new Map<string, Intl.DateTimeFormat>();
const clockFormats = new Map<string, Intl.DateTimeFormat>();

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

const offerEndFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * The last day a promotion runs, from its store-local end ("2026-12-14T00:00" is exclusive, so
 * "Sunday 13 Dec"): the local date is read as it is, with no zone to convert.
 */
export function formatOfferEnd(localEnd: string, lang: Lang): string {
  const [date, time] = localEnd.split('T') as [string, string];
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const endsAtMidnight = time === '00:00';
  const day = new Date(Date.UTC(y, m - 1, d) - (endsAtMidnight ? 86_400_000 : 0));
  // Russian without the weekday: "до 13 декабря" keeps the month's genitive, a weekday would need its own.
  const text = cached(offerEndFormats, lang, 'UTC', lang === 'ru' ? { day: 'numeric', month: 'long' } : { weekday: 'long', day: 'numeric', month: 'short' }).format(day);
  return endsAtMidnight ? text : `${text}, ${time}`;
}

/** "14:02" in the store's zone. */
export function formatClock(iso: string, lang: Lang, timeZone: string): string {
  return cached(clockFormats, lang, timeZone, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** Minor units with their currency: "12.50 EUR" (the code, not a sign: printers and LCDs have no ₽). */
export function formatMoney(money: Money, lang: Lang): string {
  const amount = (money.amount / 100).toFixed(2);
  return `${lang === 'ru' ? amount.replace('.', ',') : amount} ${money.currency}`;
}

export interface Words {
  lcd: (view: View) => string[];
  /** under what the LCD showed when the slip could not be printed; alone on a two-line LCD */
  lcdPrinterWarning: { under: string[]; alone: string[] };
  notice: Record<Notice, { title: string; hint: string }>;
  page: {
    welcomeTitle: string;
    welcomeHint: string;
    /** the welcome screen's button for customers without their card */
    byPhone: string;
    reading: string;
    /** the word after a balance: "points", "баллов" */
    points: (n: number) => string;
    hello: (name: string | null) => string;
    /** an offline tap: the balance is the card token's, as of when it was issued (docs/offline.md) */
    asOf: (time: string) => string;
    tier: string;
    toNextTier: (spend: string, tier: string) => string;
    /** a promotion meant for this member ("Double points on dairy for you until Sunday 13 Dec") */
    personalOffer: (name: string, until: string | null) => string;
    wallet: string;
    expiring: (points: number, day: string) => string;
    member: (name: string, until: string | null) => string;
    scanReceipt: string;
    card: string;
    spend: string;
    rewardsTitle: string;
    pointsOff: (value: string) => string;
    offerPoints: (points: number) => string;
    back: string;
    redeeming: string;
    codeTitle: string;
    codeHint: (points: number) => string;
    wrongCode: string;
    confirm: string;
    couponTitle: string;
    couponWorth: (value: string) => string;
    couponCode: string;
    validUntil: (day: string) => string;
    couponPrinting: string;
    couponPrinted: string;
    couponNotPrinted: string;
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
    unregistered: string;
    unregisteredHint: string;
    register: string;
    phoneTitle: string;
    phoneHint: string;
    phoneInvalid: string;
    sendCode: string;
    registerCodeHint: (phone: string) => string;
    nameTitle: string;
    nameHint: string;
    otherAlphabet: string;
    marketing: string;
    terms: string;
    continue: string;
    linkTitle: string;
    linkHint: string;
    linkCard: string;
    registeredWelcome: (points: number | null) => string;
    addedToAccount: string;
    entranceTitle: string;
    entranceHint: string;
    entrance: (entry: EntranceView, day: (iso: string) => string, money: (m: Money) => string) => { title: string; lines: string[] };
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
    coupon: string;
    pointsOffTitle: string;
    worth: (value: string) => string;
    /** a coupon issued while the kiosk was offline: a heading and a line (each fits 32 columns) */
    issuedOffline: [string, string];
    validUntil: string;
    pointsSpent: string;
    oneUse: string;
  };
}

const en: Words = {
  lcdPrinterWarning: { under: ['Printer problem:', 'slip not printed'], alone: ['Printer problem', 'Slip not printed'] },
  lcd: (view) => {
    switch (view.screen) {
      case 'welcome':
        return view.entrance ? ['Members entrance', 'Tap your card'] : ['Welcome!', 'Tap or scan your', 'loyalty card'];
      case 'entrance':
        return lcdEntrance(en, view.entry);
      case 'reading':
        return ['One moment...'];
      case 'member':
        return view.member.asOf
          ? [view.member.name ? `Hello ${view.member.name}` : 'Hello!', `Points: ${view.member.balance}`, `as of ${view.member.asOf}`, 'Kiosk offline']
          : [view.member.name ? `Hello ${view.member.name}` : 'Hello!', `Points: ${view.member.balance}`, 'Scan a receipt to', 'collect points'];
      case 'collecting':
        return view.estimate === null ? ['Collecting points...'] : ['You will earn', `${view.estimate} points`, 'Collecting...'];
      case 'earned':
        return [`+${view.pointsEarned} points`, `Balance: ${view.member.balance}`, 'Thank you!'];
      case 'earnPending':
        return ['Points saved', 'Will be added when', 'kiosk is online'];
      case 'rewards':
        return ['Spend points:', 'choose on the', 'touchscreen'];
      case 'redeeming':
        return ['One moment...'];
      case 'enterCode':
        return ['Enter the SMS code', 'on the touchscreen'];
      case 'coupon':
        return ['Your coupon:', view.coupon.code, view.printed ? 'Printed' : 'Printing...', `Balance: ${view.member.balance}`];
      case 'unregistered':
        return ['Card not registered', 'Register it on the', 'touchscreen'];
      case 'enterPhone':
      case 'registerCode':
        return view.identify ? ['Phone sign-in:', 'please continue on', 'the touchscreen'] : ['Registering:', 'please continue on', 'the touchscreen'];
      case 'enterName':
      case 'linkToAccount':
        return ['Registering:', 'please continue on', 'the touchscreen'];
      case 'registering':
        return ['One moment...'];
      case 'notice':
        return lcdNotice.en(view.notice, view.detail);
      case 'outOfService':
        return ['Out of service', 'Sorry! Please use', 'another kiosk'];
      case 'staff':
        return STAFF_WORDS.en.lcd(view);
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
    spendOffline: { title: 'Spending points needs the connection', hint: 'The kiosk is offline. Please try again later' },
    offlineLimit: { title: 'Too many points to spend offline', hint: 'The kiosk is offline. Choose fewer points, or try again later' },
    offlineRetryOnline: { title: 'Please try again when the kiosk is online', hint: 'This one needs the connection. Nothing was spent' },
    connectionLost: { title: 'Connection lost', hint: 'Nothing is spent twice. If a coupon was issued, it is kept on your card' },
    notEnoughPoints: { title: 'Not enough points', hint: 'Choose something else' },
    noPhone: { title: 'No phone number on this card', hint: 'Register the card to spend this many points' },
    codeExpired: { title: 'The code has expired', hint: 'Nothing was changed. Please start again' },
    codeLocked: { title: 'Too many wrong codes', hint: 'Nothing was changed. Please ask staff' },
    codeLimit: { title: 'No more codes for now', hint: 'Please try again later or ask staff' },
    registerOffline: { title: 'Registration needs the connection', hint: 'The kiosk is offline. Please try again later' },
    registrationPending: { title: 'Registration saved', hint: 'Your card is registered as soon as the kiosk is back online' },
    entranceOffline: { title: 'Membership cannot be checked now', hint: 'Please ask staff' },
    linkedElsewhere: { title: 'This card is registered to someone else', hint: 'Please ask staff' },
    staffRefused: { title: 'Staff card not accepted', hint: 'Please ask your manager' },
    noAccount: { title: 'No account with this number', hint: 'Register a card to collect points, or ask staff' },
    cannotRecord: { title: 'This kiosk cannot record anything now', hint: 'Nothing was changed. Please ask staff or at the till' },
    failed: { title: 'Sorry', hint: 'Please try again' },
  },
  page: {
    welcomeTitle: 'Welcome!',
    welcomeHint: 'Tap or scan your loyalty card',
    byPhone: 'No card? Use your phone number',
    reading: 'One moment…',
    points: englishPoints,
    hello: (name) => (name ? `Hello, ${name}` : 'Hello!'),
    asOf: (time) => `balance as of ${time} · kiosk offline`,
    tier: 'Tier',
    toNextTier: (spend, tier) => `Spend ${spend} more to reach ${tier}`,
    personalOffer: (name, until) => (until ? `${name} for you until ${until}` : `${name}: just for you`),
    wallet: 'Cashback wallet',
    expiring: (points, day) => `${points} ${englishPointsExpire(points)} on ${day}`,
    member: (name, until) => (until ? `${name} until ${until}` : name),
    scanReceipt: 'Scan a till receipt to collect points',
    card: 'Card',
    spend: 'Spend points',
    rewardsTitle: 'Spend your points',
    pointsOff: (value) => `${value} off your next purchase`,
    offerPoints: (points) => `${points} ${englishPoints(points)}`,
    back: 'Back',
    redeeming: 'One moment…',
    codeTitle: 'Enter the code',
    codeHint: (points) => `We sent a code by SMS to the card owner's phone to confirm spending ${points} points`,
    wrongCode: 'Wrong code, please try again',
    confirm: 'Confirm',
    couponTitle: 'Your coupon',
    couponWorth: (value) => `Worth ${value}`,
    couponCode: 'Code',
    validUntil: (day) => `Valid until ${day}`,
    couponPrinting: 'Printing your coupon…',
    couponPrinted: 'Take your coupon from the printer',
    couponNotPrinted: 'The coupon could not be printed: it is kept on your card; show this code at the till or ask staff to print it',
    collecting: 'Collecting points…',
    estimate: (points) => `You will earn ${points} ${englishPoints(points)}`,
    earned: (points) => `+${points} ${englishPoints(points)}`,
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
    unregistered: 'This card is not registered yet',
    unregisteredHint: 'Register it with your phone number to collect and spend points',
    register: 'Register this card',
    phoneTitle: 'Your phone number',
    phoneHint: 'With the country code, such as +49 151 12345678. We send a code by SMS',
    phoneInvalid: 'That is not a valid phone number',
    sendCode: 'Send code',
    registerCodeHint: (phone) => `Enter the code we sent to ${phone}`,
    nameTitle: 'Your name',
    nameHint: 'First name and surname',
    otherAlphabet: 'АБВ',
    marketing: 'Send me offers by SMS',
    terms: 'By continuing you accept the loyalty programme terms',
    continue: 'Continue',
    linkTitle: 'This phone already has an account',
    linkHint: 'Add this card to it: its points and the account’s stay yours',
    linkCard: 'Add this card',
    registeredWelcome: (points) => (points ? `Card registered! ${points} welcome points with your first purchase` : 'Card registered!'),
    addedToAccount: 'This card was added to your account',
    entranceTitle: "Members' entrance",
    entranceHint: 'Tap or scan your card',
    entrance: (e, day, money) => {
      const renew = e.renewal ? [`Renew at the till: ${money(e.renewal.fee)} for ${e.renewal.periodMonths} months`] : [];
      switch (e.reason) {
        case 'member':
          return { title: e.name ? `Welcome, ${e.name}` : 'Welcome!', lines: [e.programName, ...(e.validUntil ? [`Member until ${day(e.validUntil)}`] : [])] };
        case 'membership_expired':
          return { title: `Membership expired on ${day(e.validUntil!)}`, lines: [e.programName, ...renew] };
        case 'not_a_member':
          return { title: 'Not a member', lines: [e.programName, ...renew] };
        case 'card_blocked':
          return { title: 'Card blocked', lines: ['Please ask staff'] };
        case 'card_not_registered':
          return { title: 'Card not registered', lines: ['Please ask staff'] };
        case 'card_not_found':
          return { title: 'Card not recognised', lines: ['Please ask staff'] };
      }
    },
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
    coupon: 'COUPON',
    pointsOffTitle: 'Points off your purchase',
    worth: (value) => `Worth ${value}`,
    issuedOffline: ['ISSUED OFFLINE', 'Booked when the kiosk reconnects'],
    validUntil: 'Valid until',
    pointsSpent: 'Points spent',
    oneUse: 'One use only. Show at the till.',
  },
};

const ru: Words = {
  lcdPrinterWarning: { under: ['Ошибка принтера:', 'чек не напечатан'], alone: ['Ошибка принтера', 'Чек не напечатан'] },
  lcd: (view) => {
    switch (view.screen) {
      case 'welcome':
        return view.entrance ? ['Вход для членов', 'клуба: приложите', 'карту'] : ['Добро пожаловать!', 'Приложите или', 'отсканируйте карту'];
      case 'entrance':
        return lcdEntrance(ru, view.entry);
      case 'reading':
        return ['Минутку...'];
      case 'member':
        // The name alone: "Здравствуйте, " would leave no room for it on 20 columns.
        return view.member.asOf
          ? [view.member.name ?? 'Здравствуйте!', `Баллы: ${view.member.balance}`, `на ${view.member.asOf}`, 'Киоск не в сети']
          : [view.member.name ?? 'Здравствуйте!', `Баллы: ${view.member.balance}`, 'Отсканируйте чек,', 'чтобы начислить'];
      case 'collecting':
        return view.estimate === null ? ['Начисляем баллы...'] : ['Будет начислено', `${view.estimate} ${russianPoints(view.estimate)}`, 'Начисляем...'];
      case 'earned':
        return [`+${view.pointsEarned} ${russianPoints(view.pointsEarned)}`, `Баланс: ${view.member.balance}`, 'Спасибо!'];
      case 'earnPending':
        return ['Баллы сохранены', 'Начислим, когда', 'киоск будет в сети'];
      case 'rewards':
        return ['Потратить баллы:', 'выберите на', 'экране'];
      case 'redeeming':
        return ['Минутку...'];
      case 'enterCode':
        return ['Введите код из SMS', 'на экране'];
      case 'coupon':
        return ['Ваш купон:', view.coupon.code, view.printed ? 'Напечатан' : 'Печатаем...', `Баланс: ${view.member.balance}`];
      case 'unregistered':
        return ['Карта не', 'зарегистрирована', 'Регистрация на', 'экране'];
      case 'enterPhone':
      case 'registerCode':
        return view.identify ? ['Вход по телефону:', 'продолжите на', 'экране'] : ['Регистрация:', 'продолжите на', 'экране'];
      case 'enterName':
      case 'linkToAccount':
        return ['Регистрация:', 'продолжите на', 'экране'];
      case 'registering':
        return ['Минутку...'];
      case 'notice':
        return lcdNotice.ru(view.notice, view.detail);
      case 'outOfService':
        return ['Не работает', 'Извините! Другой', 'киоск рядом'];
      case 'staff':
        return STAFF_WORDS.ru.lcd(view);
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
    spendOffline: { title: 'Для списания баллов нужна связь', hint: 'Киоск не в сети. Попробуйте позже' },
    offlineLimit: { title: 'Без связи столько баллов не списать', hint: 'Киоск не в сети. Выберите меньше баллов или попробуйте позже' },
    offlineRetryOnline: { title: 'Повторите, когда киоск будет в сети', hint: 'Эта операция требует связи. Баллы не списаны' },
    connectionLost: { title: 'Связь прервалась', hint: 'Дважды ничего не спишется. Если купон выдан, он сохранён на карте' },
    notEnoughPoints: { title: 'Недостаточно баллов', hint: 'Выберите другое' },
    noPhone: { title: 'К карте не привязан телефон', hint: 'Зарегистрируйте карту, чтобы списать столько баллов' },
    codeExpired: { title: 'Срок действия кода истёк', hint: 'Ничего не изменилось. Начните заново' },
    codeLocked: { title: 'Слишком много неверных кодов', hint: 'Ничего не изменилось. Обратитесь к персоналу' },
    codeLimit: { title: 'Коды сейчас недоступны', hint: 'Попробуйте позже или обратитесь к персоналу' },
    registerOffline: { title: 'Для регистрации нужна связь', hint: 'Киоск не в сети. Попробуйте позже' },
    registrationPending: { title: 'Регистрация сохранена', hint: 'Карта будет зарегистрирована, как только киоск снова будет в сети' },
    entranceOffline: { title: 'Членство сейчас не проверить', hint: 'Обратитесь к персоналу' },
    linkedElsewhere: { title: 'Карта зарегистрирована на другого человека', hint: 'Обратитесь к персоналу' },
    staffRefused: { title: 'Карта сотрудника не принята', hint: 'Обратитесь к менеджеру' },
    noAccount: { title: 'Нет счёта с этим номером', hint: 'Зарегистрируйте карту, чтобы копить баллы, или обратитесь к персоналу' },
    cannotRecord: { title: 'Киоск сейчас не может ничего сохранить', hint: 'Ничего не изменилось. Обратитесь к персоналу или на кассу' },
    failed: { title: 'Извините', hint: 'Попробуйте ещё раз' },
  },
  page: {
    welcomeTitle: 'Добро пожаловать!',
    welcomeHint: 'Приложите или отсканируйте карту лояльности',
    byPhone: 'Нет карты? Войти по номеру телефона',
    reading: 'Минутку…',
    points: russianPoints,
    hello: (name) => (name ? `Здравствуйте, ${name}` : 'Здравствуйте!'),
    asOf: (time) => `баланс на ${time} · киоск не в сети`,
    tier: 'Уровень',
    toNextTier: (spend, tier) => `Ещё ${spend} покупок до уровня «${tier}»`,
    personalOffer: (name, until) => (until ? `${name} — для вас до ${until} включительно` : `${name} — специально для вас`),
    wallet: 'Кешбэк',
    expiring: (points, day) => `${points} ${russianPoints(points)} ${russianExpire(points)} ${day}`,
    member: (name, until) => (until ? `${name} до ${until}` : name),
    scanReceipt: 'Отсканируйте чек, чтобы начислить баллы',
    card: 'Карта',
    spend: 'Потратить баллы',
    rewardsTitle: 'Потратить баллы',
    pointsOff: (value) => `Скидка ${value} на следующую покупку`,
    offerPoints: (points) => `${points} ${russianPoints(points)}`,
    back: 'Назад',
    redeeming: 'Минутку…',
    codeTitle: 'Введите код',
    codeHint: (points) => `Мы отправили SMS с кодом на телефон владельца карты, чтобы подтвердить списание ${points} ${russianPoints(points)}`,
    wrongCode: 'Неверный код, попробуйте ещё раз',
    confirm: 'Подтвердить',
    couponTitle: 'Ваш купон',
    couponWorth: (value) => `Номинал ${value}`,
    couponCode: 'Код',
    validUntil: (day) => `Действует до ${day}`,
    couponPrinting: 'Печатаем купон…',
    couponPrinted: 'Заберите купон из принтера',
    couponNotPrinted: 'Купон не напечатан: он сохранён на карте; покажите этот код на кассе или попросите персонал напечатать его',
    collecting: 'Начисляем баллы…',
    estimate: (points) => `Будет начислено ${points} ${russianPoints(points)}`,
    earned: (points) => `+${points} ${russianPoints(points)}`,
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
    unregistered: 'Эта карта ещё не зарегистрирована',
    unregisteredHint: 'Зарегистрируйте её по номеру телефона, чтобы копить и тратить баллы',
    register: 'Зарегистрировать карту',
    phoneTitle: 'Ваш номер телефона',
    phoneHint: 'С кодом страны, например +7 912 3456789. Мы пришлём код в SMS',
    phoneInvalid: 'Это не номер телефона',
    sendCode: 'Получить код',
    registerCodeHint: (phone) => `Введите код, отправленный на ${phone}`,
    nameTitle: 'Ваше имя',
    nameHint: 'Имя и фамилия',
    otherAlphabet: 'ABC',
    marketing: 'Присылать предложения по SMS',
    terms: 'Продолжая, вы принимаете правила программы лояльности',
    continue: 'Продолжить',
    linkTitle: 'У этого номера уже есть аккаунт',
    linkHint: 'Добавьте карту к нему: баллы карты и аккаунта остаются вашими',
    linkCard: 'Добавить карту',
    registeredWelcome: (points) => (points ? `Карта зарегистрирована! ${points} приветственных баллов с первой покупкой` : 'Карта зарегистрирована!'),
    addedToAccount: 'Карта добавлена к вашему аккаунту',
    entranceTitle: 'Вход для членов клуба',
    entranceHint: 'Приложите или отсканируйте карту',
    entrance: (e, day, money) => {
      const renew = e.renewal ? [`Продлить на кассе: ${money(e.renewal.fee)} за ${e.renewal.periodMonths} мес.`] : [];
      switch (e.reason) {
        case 'member':
          return { title: e.name ? `Добро пожаловать, ${e.name}` : 'Добро пожаловать!', lines: [e.programName, ...(e.validUntil ? [`Членство до ${day(e.validUntil)}`] : [])] };
        case 'membership_expired':
          return { title: `Членство закончилось ${day(e.validUntil!)}`, lines: [e.programName, ...renew] };
        case 'not_a_member':
          return { title: 'Вы не член клуба', lines: [e.programName, ...renew] };
        case 'card_blocked':
          return { title: 'Карта заблокирована', lines: ['Обратитесь к персоналу'] };
        case 'card_not_registered':
          return { title: 'Карта не зарегистрирована', lines: ['Обратитесь к персоналу'] };
        case 'card_not_found':
          return { title: 'Карта не распознана', lines: ['Обратитесь к персоналу'] };
      }
    },
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
    coupon: 'КУПОН',
    pointsOffTitle: 'Скидка баллами',
    worth: (value) => `Номинал ${value}`,
    issuedOffline: ['ВЫДАН БЕЗ СВЯЗИ', 'Учтётся при подключении киоска'],
    validUntil: 'Действует до',
    pointsSpent: 'Списано баллов',
    oneUse: 'Однократно. Предъявите на кассе.',
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
      case 'spendOffline':
        return ['Kiosk offline', 'Points cannot be', 'spent now'];
      case 'offlineLimit':
        return ['Kiosk offline', 'Too many points', 'to spend offline'];
      case 'offlineRetryOnline':
        return ['Please try again', 'when online', 'Nothing spent'];
      case 'connectionLost':
        return ['Connection lost', 'Nothing is spent', 'twice'];
      case 'notEnoughPoints':
        return ['Not enough points'];
      case 'noPhone':
        return ['No phone on card', 'Please register it'];
      case 'codeExpired':
        return ['Code expired', 'Points not spent'];
      case 'codeLocked':
        return ['Too many wrong codes', 'Please ask staff'];
      case 'codeLimit':
        return ['No more codes now', 'Please ask staff'];
      case 'registerOffline':
        return ['Kiosk offline', 'Registration needs', 'the connection'];
      case 'registrationPending':
        return ['Registration saved', 'Completes when the', 'kiosk is online'];
      case 'entranceOffline':
        return ['Cannot check now', 'Please ask staff'];
      case 'linkedElsewhere':
        return ['Card registered to', 'someone else', 'Please ask staff'];
      case 'staffRefused':
        return ['Staff card not', 'accepted. Please', 'ask your manager'];
      case 'noAccount':
        return ['No account with', 'this number'];
      case 'cannotRecord':
        return ['Cannot record now', 'Nothing was changed', 'Please ask staff'];
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

/** The entrance's answer on 20 columns: the verdict first, the rest as it fits (dates as YYYY-MM-DD). */
function lcdEntrance(words: Words, entry: EntranceView): string[] {
  if (entry.reason === 'membership_expired' && entry.validUntil) {
    return words === ru ? ['Членство истекло', entry.validUntil.slice(0, 10), entry.programName] : ['Membership expired', `on ${entry.validUntil.slice(0, 10)}`, entry.programName];
  }
  const { title, lines } = words.page.entrance(
    entry,
    (iso) => iso.slice(0, 10),
    (money) => formatMoney(money, words === ru ? 'ru' : 'en'),
  );
  return [title, ...lines];
}

/** The LCD's lines for a member screen, for callers outside the agent (a console, tests). */
export function memberLines(lang: Lang, member: Pick<MemberView, 'name' | 'balance'>): string[] {
  return WORDS[lang].lcd({ screen: 'member', member: { cardMasked: '', tier: null, nextTier: null, wallet: null, nextExpiry: null, personalOffers: [], memberships: [], canSpend: false, ...member } });
}
