import { createHash } from 'node:crypto';
import type { Context, Middleware } from 'koa';
import type Provider from 'oidc-provider';
import type { ProviderHolder } from '../oidc/provider-holder.ts';

/** Answers that depend on nothing but the provider instance: the issuer's metadata and public keys. */
const CACHED_PATHS = new Set(['/.well-known/openid-configuration', '/jwks']);

interface Cached {
  body: Buffer;
  etag: string;
  headers: Record<string, string>;
}

/** Per-request headers, and those the cache sets itself. */
const NOT_KEPT = new Set(['date', 'x-request-id', 'content-length', 'etag', 'vary', 'set-cookie', 'connection', 'keep-alive']);

const isCacheable = (ctx: Context) => (ctx.method === 'GET' || ctx.method === 'HEAD') && CACHED_PATHS.has(ctx.path);

/**
 * Discovery and JWKS as precomputed bytes with a strong ETag, answered before any other
 * middleware: apps and their libraries fetch them constantly, and the answer only changes with a
 * new oidc-provider instance (a key rotation or client reload), so it is kept per instance.
 * The first request for each is answered by oidc-provider as usual and its bytes kept (`capture`);
 * later ones never reach it (`serve`). CORS is answered as oidc-provider does for these (any origin).
 */
export function createWellKnownCache(holder: Pick<ProviderHolder, 'current' | 'inUse'>) {
  const cache = new WeakMap<Provider, Map<string, Cached>>();

  const serve: Middleware = async (ctx, next) => {
    if (!isCacheable(ctx)) return next();
    const cached = cache.get(holder.current)?.get(ctx.path);
    if (!cached) return next();
    ctx.set(cached.headers);
    ctx.set('Access-Control-Allow-Origin', ctx.get('Origin') || '*');
    ctx.vary('Origin');
    ctx.set('ETag', cached.etag);
    if (ctx.get('If-None-Match') === cached.etag) {
      ctx.status = 304;
      return;
    }
    ctx.status = 200;
    ctx.body = cached.body;
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
    entries.set(ctx.path, { body, etag, headers });
    ctx.body = body;
    ctx.set('ETag', etag);
  };

  return { serve, capture };
}
