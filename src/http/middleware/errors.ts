import type { Context, Middleware } from 'koa';
import { AppError, DependencyUnavailableError, outageBehind } from '../../errors.ts';
import type { MessageKey } from '../../i18n/translator.ts';
import type { Views } from '../views.ts';

/** What to do next, by status, where the generic "go back to the app" would be wrong. */
const NEXT_STEPS: Partial<Record<number, MessageKey>> = {
  429: 'error.next.429',
  503: 'error.next.503',
  404: 'error.next.404',
};

function titleFor(status: number): MessageKey {
  if (status === 404) return 'error.title.404';
  if (status === 429) return 'error.title.429';
  if (status === 503) return 'error.title.503';
  if (status === 401 || status === 403) return 'error.title.notAllowed';
  if (status >= 500) return 'error.title.default';
  return 'error.title.badRequest';
}

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/|$)/;

/**
 * The way back from an error page: to this sign-in's first page (which shows where it stands),
 * to the account page, or home. Never the page that just failed.
 */
function wayBack(ctx: Context, code: string): { href: string; label: MessageKey } {
  const interaction = INTERACTION_PATH.exec(ctx.path);
  if (interaction && code !== 'session_expired') {
    const base = `/interaction/${interaction[1]}`;
    if (!(ctx.method === 'GET' && ctx.path.replace(/\/$/, '') === base)) return { href: base, label: 'error.backToSignIn' };
  }
  if (ctx.path.startsWith('/account/')) return { href: '/account', label: 'error.back' };
  if (ctx.path.startsWith('/admin/')) return { href: '/admin', label: 'error.back' };
  return { href: '/', label: 'error.home' };
}

function wantsJson(ctx: Context): boolean {
  if (ctx.state.api === true || ctx.request.is('application/json')) return true;
  return ctx.accepts('html', 'json') === 'json';
}

interface Failure {
  status: number;
  code: string;
  /** A catalog message in the caller's language; otherwise `description` as it is. */
  messageKey?: MessageKey | undefined;
  messageVars?: Record<string, string | number>;
  description?: string;
  /** Extra JSON fields (AppError.details), e.g. `unknown_credential` for the passkey script. */
  details?: Record<string, string | boolean>;
}

function send(ctx: Context, views: Views, failure: Failure) {
  const i18n = views.i18n(ctx);
  const description = failure.messageKey ? i18n.t(failure.messageKey, failure.messageVars) : (failure.description ?? i18n.t('error.badRequest'));
  if (wantsJson(ctx)) {
    ctx.status = failure.status;
    ctx.body = { ...failure.details, error: failure.code, error_description: description };
    return;
  }
  const title = titleFor(failure.status);
  const next = NEXT_STEPS[failure.status];
  views.page(ctx, 'error', {
    title,
    heading: i18n.t(title),
    error: failure.code,
    description,
    nextStep: next ? i18n.t(next) : undefined,
    back: wayBack(ctx, failure.code),
  }, { status: failure.status });
}

/**
 * The last word on every failure in our routes: people get a page saying what happened and what
 * to do next (and a way back), scripts get `{error, error_description}`, both in the caller's
 * language. Nothing unexpected leaks: a stack trace goes to the log, never to the response.
 */
export function errorHandler(views: Views): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        send(ctx, views, { status: 404, code: 'not_found', messageKey: 'error.notFound' });
      }
    } catch (thrown) {
      // An outage wrapped by a library (oidc-provider's interaction helpers) still answers 503.
      const caught = outageBehind(thrown) ?? thrown;
      if (caught instanceof AppError && caught.expose) {
        // An outage is expected and says which dependency; no stack trace for it.
        if (caught instanceof DependencyUnavailableError) {
          ctx.state.log.warn({ dependency: caught.dependency, reason: (caught.cause as Error | undefined)?.message }, 'dependency unavailable');
        } else if (caught.status >= 500) {
          ctx.state.log.error({ err: caught }, caught.code);
        }
        ctx.set(caught.headers);
        send(ctx, views, { status: caught.status, code: caught.code, messageKey: caught.messageKey, messageVars: caught.messageVars, description: caught.description, details: caught.details });
        return;
      }
      // Koa's http-errors and oidc-provider's errors (e.g. an expired interaction) carry a
      // status and, for the latter, an OAuth error code and description.
      const httpError = caught as { status?: number; expose?: boolean; message?: string; error?: string; error_description?: string };
      if (typeof httpError.status === 'number' && httpError.status < 500 && httpError.expose) {
        const code = typeof httpError.error === 'string' ? httpError.error : 'invalid_request';
        send(ctx, views, { status: httpError.status, code, description: httpError.error_description ?? httpError.message ?? 'Bad request' });
        return;
      }
      if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
        // A client error whose message is not meant for the caller: say only that much.
        send(ctx, views, { status: httpError.status, code: 'invalid_request', messageKey: 'error.badRequest' });
        return;
      }
      ctx.state.log.error({ err: caught }, 'unhandled error');
      send(ctx, views, { status: 500, code: 'server_error', messageKey: 'error.server' });
    }
  };
}
