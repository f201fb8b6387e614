import { Router } from '@koa/router';
import type { AppConfig } from '../../config/env.ts';
import { AppError } from '../../errors.ts';

/** Browsers fetch it during passkey ceremonies on a related origin; it changes only with a restart. */
const CACHE_CONTROL = 'public, max-age=3600';

/**
 * `GET /.well-known/webauthn` (WebAuthn Level 3 related origin requests): the origins where
 * passkeys for this RP ID (ISSUER's host) may be used, ISSUER's own first. Without
 * WEBAUTHN_RELATED_ORIGINS there are none besides ISSUER, and the document is a 404.
 */
export function relatedOriginsRoutes(config: Pick<AppConfig, 'origin' | 'relatedOrigins'>): Router {
  const router = new Router();
  // Computed once: the answer depends on the configuration alone.
  const body = config.relatedOrigins.length > 0 ? JSON.stringify({ origins: [config.origin, ...config.relatedOrigins] }) : undefined;
  router.get('/.well-known/webauthn', (ctx) => {
    if (!body) throw new AppError('not_found', { status: 404, messageKey: 'error.notFound' });
    ctx.type = 'application/json';
    ctx.set('Cache-Control', CACHE_CONTROL);
    ctx.body = body;
  });
  return router;
}
