import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Eta } from 'eta';
import type { Context } from 'koa';
import type { AppConfig } from '../config/env.ts';
import { translationData, type MessageKey, type Translator } from '../i18n/translator.ts';
import type { Languages } from './language.ts';

const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export interface Branding {
  appName: string;
  appLogoUrl: string | undefined;
  appAccent: string;
}

export type Render = (template: string, data?: Record<string, unknown>) => string;

/** The page scripts' messages (public/js/webauthn-ui.js reads them from the page). */
const SCRIPT_MESSAGES = {
  busy: 'script.busy',
  unsupported: 'script.unsupported',
  alreadyRegistered: 'script.alreadyRegistered',
  cancelledRegister: 'script.cancelledRegister',
  cancelledSignIn: 'script.cancelledSignIn',
  notSupportedKind: 'script.notSupportedKind',
  wrongAddress: 'script.wrongAddress',
  offline: 'script.offline',
  generic: 'script.generic',
  serverError: 'script.serverError',
} as const satisfies Record<string, MessageKey>;

function scriptMessages(i18n: Translator): Record<string, string> {
  return Object.fromEntries(Object.entries(SCRIPT_MESSAGES).map(([name, key]) => [name, i18n.t(key)]));
}

export interface PageOptions {
  status?: number;
  /** The app's OIDC `ui_locales`, on sign-in pages. */
  uiLocales?: unknown;
}

/** A page's data: `title` is a message key, translated by the layout. */
export type PageData = { title?: MessageKey } & Record<string, unknown>;

/**
 * Eta with auto-escaping on: every `<%= %>` is HTML-escaped; raw output (`<%~ %>`) is kept for
 * markup we build ourselves. Templates are cached after the first render.
 */
export function createViews(config: Pick<AppConfig, 'appName' | 'appLogoUrl' | 'appAccent' | 'production'>, languages: Languages) {
  const eta = new Eta({ views: VIEWS_DIR, autoEscape: true, cache: config.production, autoTrim: false });
  const branding: Branding = { appName: config.appName, appLogoUrl: config.appLogoUrl, appAccent: config.appAccent };
  const render: Render = (template, data = {}) => eta.render(path.join('./', template), { ...branding, ...data });
  /** The script messages as the layout's attribute value (JSON, HTML-escaped), once per language. */
  const scriptMessagesAttributes = new WeakMap<Translator, string>();
  const scriptMessagesAttribute = (i18n: Translator): string => {
    let attribute = scriptMessagesAttributes.get(i18n);
    if (attribute === undefined) {
      attribute = eta.config.escapeFunction(JSON.stringify(scriptMessages(i18n)));
      scriptMessagesAttributes.set(i18n, attribute);
    }
    return attribute;
  };

  return {
    render,
    /** Renders a hosted page into the response, in the request's language. */
    page(ctx: Context, template: string, data: PageData = {}, options: PageOptions = {}): void {
      const i18n = languages.of(ctx, options.uiLocales);
      ctx.status = options.status ?? 200;
      ctx.type = 'html';
      ctx.set('Content-Language', i18n.lang);
      ctx.body = render(template, { ...translationData(i18n), scriptMessagesAttribute: scriptMessagesAttribute(i18n), languageLinks: languages.links(ctx, i18n.lang), ...data });
    },
    /** The request's translator, for text built in code (error descriptions, notices). */
    i18n: (ctx: Context, uiLocales?: unknown): Translator => languages.of(ctx, uiLocales),
  };
}

export type Views = ReturnType<typeof createViews>;
