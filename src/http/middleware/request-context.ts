import { randomUUID } from 'node:crypto';
import type { Middleware } from 'koa';
import { redactPath, type Logger } from '../../lib/logger.ts';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,64}$/;

declare module 'koa' {
  interface DefaultState {
    log: Logger;
    requestId: string;
    /** Set on JSON endpoints for page scripts: their errors are JSON whatever the request says. */
    api?: boolean;
  }
}

/**
 * Gives every request an id (a sane incoming X-Request-Id is kept, for tracing through a proxy),
 * a child logger carrying it, and one access-log line. Paths are logged without query strings
 * and with emailed-link secrets masked.
 */
export function requestContext(logger: Logger): Middleware {
  return async (ctx, next) => {
    const incoming = ctx.get('x-request-id');
    const requestId = REQUEST_ID.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    // The child logger is made when something logs: most requests log nothing below the access line.
    let log: Logger | undefined;
    Object.defineProperty(ctx.state, 'log', { enumerable: true, get: () => (log ??= logger.child({ requestId })) });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } finally {
      const level = ctx.path === '/healthz' || ctx.path === '/readyz' ? 'debug' : 'info';
      if (logger.isLevelEnabled(level)) {
        const line = {
          method: ctx.method,
          path: redactPath(ctx.path),
          status: ctx.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        };
        ctx.state.log[level](line, 'request');
      }
    }
  };
}
