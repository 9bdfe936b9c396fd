import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';

/** A phone number in E.164 (`+4915112345678`), or null when it is not a valid number. */
export function normalisePhone(raw: string, defaultCountry: string): string | null {
  const parsed = parsePhoneNumberFromString(raw.trim(), defaultCountry as CountryCode);
  return parsed?.isValid() ? parsed.number : null;
}

/** For logs and screens: `+49 ••• ••• 5678`. */
export function maskPhone(e164: string): string {
  return `${e164.slice(0, 3)} ••• ${e164.slice(-4)}`;
}
