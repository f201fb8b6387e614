import { Router } from '@koa/router';
import type { Middleware } from 'koa';
import { AppError } from '../../errors.ts';
import { formBody } from '../middleware/body.ts';

/**
 * oidc-provider's authorization and end-session endpoints (its default routes: we configure
 * none). OIDC Core 3.1.2.1 and RP-Initiated Logout 1.0 require both to accept POST.
 */
export const FORM_POST_PATHS = ['/auth', '/session/end'] as const;

/**
 * The form becomes a URL, which must fit where request lines go: Node reads at most 16 KB of
 * request line plus headers (cookies included), nginx by default 8 KB per request line, which
 * must also hold the method, path and protocol around the query.
 */
export const FORM_POST_LIMIT_BYTES = 8_000;

/** What a urlencoded body may contain: characters valid in a query string, `%XX` escapes, `+`. */
const QUERY_CHARACTERS = /^[A-Za-z0-9\-._~!$'()*+,;=:@/?&%]*$/;

function isWellFormed(body: string): boolean {
  if (!QUERY_CHARACTERS.test(body)) return false;
  try {
    // Throws on a broken %-escape or one that does not decode to UTF-8.
    for (const field of body.split('&')) decodeURIComponent(field.replaceAll('+', ' '));
    return true;
  } catch {
    return false;
  }
}

/** The shared form parser, with a 413 that tells the app what to do instead. */
function readForm(): Middleware {
  const parse = formBody({ limit: `${FORM_POST_LIMIT_BYTES}b` });
  return async (ctx, next) => {
    try {
      await parse(ctx, next);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'payload_too_large') throw error;
      throw new AppError('payload_too_large', {
        status: 413,
        description:
          `The app sent a request larger than ${FORM_POST_LIMIT_BYTES.toLocaleString('en')} bytes. It should send a shorter one, ` +
          'or push it first (PAR, pushed authorization requests) and send only the request_uri.',
      });
    }
  };
}

/**
 * POST at the authorization and end-session endpoints, without oidc-provider's own POST support
 * (which needs SameSite=None cookies). A cross-site POST carries no SameSite=Lax cookie, so the
 * provider would not see the person's session. We answer 303 to the same path with the form as
 * the query string: the browser follows with a top-level GET, which carries the cookies, and
 * oidc-provider handles it as any GET. The body goes through byte for byte, so duplicated
 * parameters stay duplicated and are still refused there. No same-origin check: relying parties
 * post from their own sites by design. A query string on the POST itself is not carried over.
 */
export function formPostRedirectRoutes(): Router {
  const router = new Router();
  for (const path of FORM_POST_PATHS) {
    // GET stays oidc-provider's; declared so that the router's allowedMethods, for methods nobody
    // serves here, answers `Allow: HEAD, GET, POST` rather than POST alone.
    router.get(path, (_ctx, next) => next());
    router.post(path, readForm(), (ctx) => {
      const body = ctx.request.rawBody ?? '';
      if (!isWellFormed(body)) {
        throw new AppError('invalid_request', { status: 400, description: 'The app sent a malformed form (not valid application/x-www-form-urlencoded).' });
      }
      ctx.set('Cache-Control', 'no-store');
      ctx.status = 303;
      ctx.redirect(body ? `${path}?${body}` : path);
    });
  }
  return router;
}
