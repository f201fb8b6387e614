import { isLanguage, type Language } from './languages.ts';

export interface LanguageSignals {
  /** An explicit choice: the language switcher's `?lang=`, then the cookie it sets. */
  chosen: readonly unknown[];
  /** OIDC `ui_locales` from the app: space-separated BCP 47 tags, most preferred first. */
  uiLocales?: unknown;
  /** Accept-Language negotiation over the allowed languages (Koa's ctx.acceptsLanguages). */
  accepts: (languages: string[]) => string | false;
}

/**
 * The person's own choice on this site wins, then what the app asked for, then the browser's
 * languages, then the first allowed language (APP_LANGUAGES).
 */
export function chooseLanguage(allowed: readonly Language[], signals: LanguageSignals): Language {
  const fallback = allowed[0] ?? 'en';
  for (const choice of signals.chosen) {
    if (isLanguage(choice) && allowed.includes(choice)) return choice;
  }
  if (typeof signals.uiLocales === 'string') {
    for (const tag of signals.uiLocales.split(/\s+/).slice(0, 10)) {
      const base = tag.split('-')[0]?.toLowerCase();
      if (isLanguage(base) && allowed.includes(base)) return base;
    }
  }
  if (allowed.length === 1) return fallback;
  const accepted = signals.accepts([...allowed]);
  return isLanguage(accepted) ? accepted : fallback;
}
