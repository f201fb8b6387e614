import type { Context, Middleware } from 'koa';
import { LANGUAGE_NAMES, type Language } from '../i18n/languages.ts';
import { chooseLanguage } from '../i18n/negotiate.ts';
import { createTranslator, type Translator } from '../i18n/translator.ts';

/** The person's language choice on this site (the switcher's `?lang=`): a preference, not a secret. */
export const LANGUAGE_COOKIE = 'idp_lang';
const ONE_YEAR_MS = 365 * 24 * 60 * 60 * 1000;

declare module 'koa' {
  interface DefaultState {
    i18n?: Translator;
  }
}

export interface LanguageOptions {
  allowed: readonly Language[];
  secure: boolean;
  /** Production shows a missing message's key instead of failing the request. */
  lenient: boolean;
}

/** A link of the language switcher: this page in another language. */
export interface LanguageLink {
  lang: Language;
  name: string;
  href: string;
  current: boolean;
}

export function createLanguages(options: LanguageOptions) {
  const translators = new Map(options.allowed.map((lang) => [lang, createTranslator(lang, { lenient: options.lenient })]));
  const translatorFor = (lang: Language) => translators.get(lang) ?? createTranslator(lang, { lenient: options.lenient });

  /** The response then depends on the request's Accept-Language and cookies: caches must know. */
  function choose(ctx: Context, uiLocales?: unknown): Language {
    ctx.vary('Accept-Language');
    ctx.vary('Cookie');
    return chooseLanguage(options.allowed, {
      chosen: [ctx.query['lang'], ctx.cookies.get(LANGUAGE_COOKIE)],
      uiLocales,
      accepts: (languages) => ctx.acceptsLanguages(languages),
    });
  }

  return {
    /**
     * `?lang=` (the switcher) is chosen and remembered in a cookie at once; otherwise the request's
     * language is worked out when a page or message first needs it (token and userinfo never do).
     */
    middleware(): Middleware {
      return async (ctx, next) => {
        if (ctx.querystring.includes('lang=')) {
          const lang = choose(ctx);
          if (ctx.query['lang'] === lang) {
            ctx.cookies.set(LANGUAGE_COOKIE, lang, { httpOnly: true, sameSite: 'lax', secure: options.secure, maxAge: ONE_YEAR_MS, path: '/', overwrite: true });
          }
          ctx.state.i18n = translatorFor(lang);
        } else {
          let translator: Translator | undefined;
          Object.defineProperty(ctx.state, 'i18n', { enumerable: true, get: () => (translator ??= translatorFor(choose(ctx))) });
        }
        await next();
      };
    },

    /** The translator for this request; the app's `ui_locales` counts unless the person chose. */
    of(ctx: Context, uiLocales?: unknown): Translator {
      if (uiLocales !== undefined) return translatorFor(choose(ctx, uiLocales));
      return ctx.state.i18n ?? translatorFor(choose(ctx));
    },

    /** Links to this page in each allowed language (only for pages reached by GET). */
    links(ctx: Context, current: Language): LanguageLink[] {
      if (options.allowed.length < 2 || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return [];
      return options.allowed.map((lang) => ({
        lang,
        name: LANGUAGE_NAMES[lang],
        href: `${samePath(ctx.path)}?${withLanguage(ctx.querystring, lang)}`,
        current: lang === current,
      }));
    },
  };
}

/**
 * The request's path as a link on this site: a path that starts with `//` (say a 404 for
 * `//evil.example/x`) would otherwise be a link to another host.
 */
function samePath(path: string): string {
  return `/${path.replace(/^\/+/, '')}`;
}

/** This page's query with `lang` set: an authorization request stays the same request. */
function withLanguage(querystring: string, lang: Language): string {
  const query = new URLSearchParams(querystring);
  query.set('lang', lang);
  return query.toString();
}

export type Languages = ReturnType<typeof createLanguages>;
