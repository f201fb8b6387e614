import type { Middleware } from 'koa';
import type { Logger } from '../../lib/logger.ts';
import { arrivedOverHttps, type IsTrustedProxy } from '../client-ip.ts';

/** Probes that usually hit the app directly over http (Docker HEALTHCHECK, load balancers). */
const DIRECT_PATHS = new Set(['/healthz', '/readyz']);

/**
 * With an https ISSUER, a request that arrives as plain http means the proxy in front does not
 * say `X-Forwarded-Proto: https` (or is not trusted). Nothing breaks — URLs and Secure cookies
 * follow ISSUER — but the operator should know, once: a warning per request would flood the log.
 */
export function plainHttpWarning(options: { issuer: string; trustProxySet: boolean; isTrustedProxy: IsTrustedProxy; logger: Logger }): Middleware {
  let warned = !options.issuer.startsWith('https:');
  return async (ctx, next) => {
    if (!warned && !DIRECT_PATHS.has(ctx.path) && !arrivedOverHttps(ctx.req, options.isTrustedProxy)) {
      warned = true;
      const peer = ctx.req.socket.remoteAddress ?? 'unknown';
      const forwardedProto = ctx.get('x-forwarded-proto') || undefined;
      let why: string;
      if (!options.trustProxySet) {
        why = 'TRUST_PROXY is not set, so X-Forwarded-* headers are ignored: set TRUST_PROXY (e.g. true for one proxy in front) and have the proxy send X-Forwarded-Proto: https';
      } else if (!options.isTrustedProxy(peer, 0)) {
        why = `it came from ${peer}, which TRUST_PROXY does not list as a proxy: add the proxy's address to TRUST_PROXY`;
      } else {
        why = `the proxy at ${peer} did not send X-Forwarded-Proto: https: add it to the proxy's configuration`;
      }
      options.logger.warn(
        { peer, forwardedProto, issuer: options.issuer },
        `ISSUER is https but a request arrived as plain http without a trusted X-Forwarded-Proto: https header; ${why}. URLs and Secure cookies still follow ISSUER (logged once)`,
      );
    }
    await next();
  };
}
