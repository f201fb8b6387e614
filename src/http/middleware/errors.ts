import type { Context, Middleware } from 'koa';
import { AppError, DependencyUnavailableError, outageBehind } from '../../errors.ts';
import type { Render } from '../views.ts';

/** What to do next, by status, where the generic "go back to the app" would be wrong. */
const NEXT_STEPS: Record<number, string> = {
  429: 'Meanwhile, you can sign in another way if you have one: a passkey on another device, for example.',
  503: 'If it keeps happening, tell the people who run this service.',
  404: 'Check the address, or go back to the app you came from.',
};

function wantsJson(ctx: Context): boolean {
  if (ctx.state.api === true || ctx.request.is('application/json')) return true;
  return ctx.accepts('html', 'json') === 'json';
}

function send(ctx: Context, render: Render, status: number, error: string, description: string, title: string) {
  ctx.status = status;
  if (wantsJson(ctx)) {
    ctx.body = { error, error_description: description };
    return;
  }
  ctx.type = 'html';
  ctx.body = render('error', { title, error, description, nextStep: NEXT_STEPS[status] });
}

/**
 * The last word on every failure in our routes: people get a page saying what happened and what
 * to do next, scripts get `{error, error_description}`. Nothing unexpected leaks: a stack trace
 * goes to the log, never to the response.
 */
export function errorHandler(render: Render): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) {
        send(ctx, render, 404, 'not_found', 'There is nothing at this address.', 'Page not found');
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
        send(ctx, render, caught.status, caught.code, caught.description, titleFor(caught.status));
        return;
      }
      // Koa's http-errors and oidc-provider's errors (e.g. an expired interaction) carry a
      // status and, for the latter, an OAuth error code and description.
      const httpError = caught as { status?: number; expose?: boolean; message?: string; error?: string; error_description?: string };
      if (typeof httpError.status === 'number' && httpError.status < 500 && httpError.expose) {
        const code = typeof httpError.error === 'string' ? httpError.error : 'invalid_request';
        const description = httpError.error_description ?? httpError.message ?? 'Bad request';
        send(ctx, render, httpError.status, code, description, titleFor(httpError.status));
        return;
      }
      if (typeof httpError.status === 'number' && httpError.status >= 400 && httpError.status < 500) {
        // A client error whose message is not meant for the caller: say only that much.
        send(ctx, render, httpError.status, 'invalid_request', 'The request could not be processed.', titleFor(httpError.status));
        return;
      }
      ctx.state.log.error({ err: caught }, 'unhandled error');
      send(ctx, render, 500, 'server_error', 'Something went wrong on our side. Please try again in a moment.', 'Something went wrong');
    }
  };
}

function titleFor(status: number): string {
  if (status === 404) return 'Page not found';
  if (status === 429) return 'Too many attempts';
  if (status === 503) return 'Please try again';
  if (status === 401 || status === 403) return 'Not allowed';
  if (status >= 500) return 'Something went wrong';
  return 'That did not work';
}
