import type { Middleware } from 'koa';
import { OUTAGE_RETRY_AFTER_SECONDS } from '../../errors.ts';

/**
 * oidc-provider answers its own errors; when a dependency is down it answers 503 (see
 * oidc/unavailable.ts) and this adds the Retry-After that tells apps and browsers when to retry.
 */
export const retryAfterOn503: Middleware = async (ctx, next) => {
  await next();
  if (ctx.status === 503 && !ctx.response.get('Retry-After')) ctx.set('Retry-After', String(OUTAGE_RETRY_AFTER_SECONDS));
};
