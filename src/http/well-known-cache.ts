import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { ProviderHolder } from '../oidc/provider-holder.ts';

/** Answers that depend on nothing but the provider instance: the issuer's metadata and public keys. */
const CACHED_PATHS = new Set(['/.well-known/openid-configuration', '/jwks']);

interface Cached {
  /**
   * The bytes as a latin1 string (one character per byte, so any bytes survive): Node sends such a
   * body in the same write as the head, itself latin1 (one system call: about 3 % less CPU per
   * answer here), where a Buffer goes out beside it in a writev. Not utf8: Node would then encode
   * the head as utf8 too, and mangle any non-ASCII byte in an echoed Origin. Its length is the
   * byte count.
   */
  bytes: string;
  etag: string;
  headers: Record<string, string>;
}

/** Per-request headers, and those the cache sets itself. */
const NOT_KEPT = new Set(['date', 'x-request-id', 'content-length', 'etag', 'vary', 'set-cookie', 'connection', 'keep-alive']);

const isCacheable = (ctx: Context) => (ctx.method === 'GET' || ctx.method === 'HEAD') && CACHED_PATHS.has(ctx.path);

/** The request's path as Koa's ctx.path has it: the URL up to its query. */
function pathOf(url: string | undefined): string {
  if (url === undefined) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Discovery and JWKS as precomputed bytes with a strong ETag, answered by Node's own request
 * listener before Koa builds a context: apps and their libraries fetch them constantly, and the
 * answer only changes with a new oidc-provider instance (a key rotation or client reload), so it
 * is kept per instance. The first request for each is answered by oidc-provider as usual and its
 * bytes kept (`capture`); later ones never reach Koa (`answer`). CORS is answered as oidc-provider
 * does for these (any origin).
 */
export function createWellKnownCache(holder: Pick<ProviderHolder, 'current' | 'inUse'>) {
  const cache = new WeakMap<Provider, Map<string, Cached>>();

  /** True when the request was answered from the cache; otherwise nothing was touched. */
  const answer = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const cached = cache.get(holder.current)?.get(pathOf(req.url));
    if (!cached) return false;
    const headers = {
      ...cached.headers,
      'access-control-allow-origin': req.headers.origin || '*',
      vary: 'Origin',
      etag: cached.etag,
    };
    if (req.headers['if-none-match'] === cached.etag) {
      res.writeHead(304, headers).end();
    } else {
      res.writeHead(200, { ...headers, 'content-length': cached.bytes.length }).end(req.method === 'HEAD' ? undefined : cached.bytes, 'latin1');
    }
    return true;
  };

  const capture: Middleware = async (ctx, next) => {
    await next();
    if (!isCacheable(ctx) || ctx.status !== 200 || ctx.body === undefined || ctx.body === null) return;
    const body = Buffer.isBuffer(ctx.body) ? ctx.body : typeof ctx.body === 'string' ? Buffer.from(ctx.body) : Buffer.from(JSON.stringify(ctx.body));
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(ctx.response.headers)) {
      if (NOT_KEPT.has(name) || name.startsWith('access-control-') || value === undefined) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`;
    const provider = holder.inUse();
    let entries = cache.get(provider);
    if (!entries) cache.set(provider, (entries = new Map()));
    entries.set(ctx.path, { bytes: body.toString('latin1'), etag, headers });
    ctx.body = body;
    ctx.set('ETag', etag);
  };

  return { answer, capture };
}

export type WellKnownCache = ReturnType<typeof createWellKnownCache>;
