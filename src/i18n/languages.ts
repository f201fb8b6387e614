/** The languages the hosted pages and emails are written in; the first is the fallback. */
export const SUPPORTED_LANGUAGES = ['en', 'de', 'fr'] as const;

export type Language = (typeof SUPPORTED_LANGUAGES)[number];

/** Each language's name in itself, for the language switcher. */
export const LANGUAGE_NAMES: Record<Language, string> = {
  en: 'English',
  de: 'Deutsch',
  fr: 'Français',
};

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (SUPPORTED_LANGUAGES as readonly string[]).includes(value);
}
