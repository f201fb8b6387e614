import { en, type Catalog, type MessageKey } from './catalogs/en.ts';
import { de } from './catalogs/de.ts';
import { fr } from './catalogs/fr.ts';
import type { Language } from './languages.ts';

export type { MessageKey };
export type MessageVars = Record<string, string | number>;

const CATALOGS: Record<Language, Catalog> = { en, de, fr };

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** A message in one language, with `{name}` placeholders filled and plurals chosen by `count`. */
export interface Translator {
  readonly lang: Language;
  /** Plain text (templates escape it). */
  t(key: MessageKey, vars?: MessageVars): string;
  /** For catalog messages that hold markup (<strong>): the variables are escaped, the markup is not. */
  html(key: MessageKey, vars?: MessageVars): string;
  /** A calendar date, e.g. "1 Dec 2026" / "01.12.2026" / "1 déc. 2026". */
  date(value: Date): string;
  /** How long ago, e.g. "2 hours ago" / "vor 2 Stunden" / "il y a 2 heures". */
  ago(value: Date, now?: Date): string;
}

const AGO_UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 86_400],
  ['month', 30 * 86_400],
  ['week', 7 * 86_400],
  ['day', 86_400],
  ['hour', 3_600],
  ['minute', 60],
  ['second', 1],
];

/**
 * Messages come only from the catalogs, which are checked at compile time (every language has
 * every key of the English one); a key that is still missing at run time (a computed key) is a
 * bug, so it throws unless `lenient` (production shows the key rather than failing a sign-in).
 */
export function createTranslator(lang: Language, options: { lenient?: boolean } = {}): Translator {
  const catalog = CATALOGS[lang];
  const plurals = new Intl.PluralRules(lang);
  const dates = new Intl.DateTimeFormat(lang, { dateStyle: 'medium' });
  const numbers = new Intl.NumberFormat(lang);
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });

  function format(key: MessageKey, vars: MessageVars, escape: (text: string) => string): string {
    const message = catalog[key] as Catalog[MessageKey] | undefined;
    if (message === undefined) {
      if (options.lenient) return key;
      throw new Error(`i18n: no message "${key}" in "${lang}"`);
    }
    const template = typeof message === 'string'
      ? message
      : message[plurals.select(Number(vars['count'] ?? 0)) as keyof typeof message] ?? message.other;
    // Most messages have no placeholder: a page shows dozens of them.
    if (!template.includes('{')) return template;
    return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
      const value = vars[name];
      if (value === undefined) {
        if (options.lenient) return whole;
        throw new Error(`i18n: message "${key}" in "${lang}" needs {${name}}`);
      }
      return escape(typeof value === 'number' ? numbers.format(value) : value);
    });
  }

  return {
    lang,
    t: (key, vars = {}) => format(key, vars, (text) => text),
    html: (key, vars = {}) => format(key, vars, escapeHtml),
    date: (value) => dates.format(value),
    ago(value, now = new Date()) {
      const seconds = Math.max(0, Math.round((now.getTime() - value.getTime()) / 1000));
      const [unit, size] = AGO_UNITS.find(([, length]) => seconds >= length) ?? ['second', 1];
      return relative.format(-Math.floor(seconds / size), unit);
    },
  };
}

/** What every template gets from the translator: `it.t(key, vars)`, `it.html(…)`, `it.date(d)`, `it.lang`. */
export function translationData(i18n: Translator): { lang: Language; t: Translator['t']; html: Translator['html']; date: Translator['date']; ago: Translator['ago'] } {
  return { lang: i18n.lang, t: i18n.t, html: i18n.html, date: i18n.date, ago: i18n.ago };
}
