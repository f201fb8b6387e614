import type { IncomingMessage } from 'node:http';
import type Koa from 'koa';
import { clientIp, type IsTrustedProxy } from './client-ip.ts';

/**
 * Makes every URL and cookie follow ISSUER, whatever the request's Host, X-Forwarded-Host,
 * X-Forwarded-Proto or absolute-form request target says, and gives `ctx.ip` the client address
 * that only our trusted proxies vouch for.
 *
 * oidc-provider builds discovery, redirects and Location headers from Koa's `ctx.href`, and marks
 * its cookies Secure from `ctx.secure`; it also makes contexts of its own with
 * `provider.createContext(req, res)`. So the getters go on the request prototype of BOTH Koa apps
 * (ours, whose context the mounted provider uses, and the provider's own), and both agree.
 */
export function pinRequestsToIssuer(apps: Koa[], options: { issuer: string; isTrustedProxy: IsTrustedProxy }): void {
  const issuer = new URL(options.issuer);
  const protocol = issuer.protocol.replace(/:$/, '');
  const host = issuer.host;
  const hostname = issuer.hostname;
  // Both apps' contexts share one IncomingMessage: resolve the address once per request.
  const ips = new WeakMap<IncomingMessage, string>();
  const ipOf = (req: IncomingMessage): string => {
    let ip = ips.get(req);
    if (ip === undefined) {
      ip = clientIp(req, options.isTrustedProxy);
      ips.set(req, ip);
    }
    return ip;
  };

  for (const app of apps) {
    // Koa's own X-Forwarded-* handling stays off: its `ips` would start at the left-most entry.
    app.proxy = false;
    const getters: Record<string, (this: Koa.Request) => unknown> = {
      protocol: () => protocol,
      secure: () => protocol === 'https',
      host: () => host,
      hostname: () => hostname,
      href(this: Koa.Request) {
        return `${issuer.origin}${pathAndQuery(this.originalUrl)}`;
      },
      URL(this: Koa.Request) {
        // Concatenated, not resolved: a target like `//evil.example/x` is a path here.
        return new URL(`${issuer.origin}${pathAndQuery(this.originalUrl)}`);
      },
      ip(this: Koa.Request) {
        return ipOf(this.req);
      },
    };
    for (const [name, get] of Object.entries(getters)) {
      Object.defineProperty(app.request, name, { get, configurable: true, enumerable: true });
    }
  }
}

/** The path and query of a request target, also of an absolute-form one (`GET http://evil/x`). */
function pathAndQuery(target: string | undefined): string {
  if (!target) return '/';
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return `${url.pathname}${url.search}`;
  } catch {
    return '/';
  }
}
