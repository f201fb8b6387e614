import type { Middleware } from 'koa';
import mount from 'koa-mount';
import type Provider from 'oidc-provider';
import type { ProviderHolder } from '../oidc/provider-holder.ts';

/**
 * First in the chain: the request keeps the oidc-provider instance that was current when it
 * arrived, for our routes (through `holder.provider`) and the mounted provider alike, even when
 * a reload (new signing keys, re-read client files) replaces it meanwhile.
 */
export function pinProvider(holder: ProviderHolder): Middleware {
  return (_ctx, next) => holder.pin(holder.current, next);
}

/**
 * `mount(provider)` for a provider that can be replaced: koa-mount composes an app's middleware
 * when it mounts it, so each instance is mounted once, on first use, and every request goes to
 * the one it is pinned to.
 */
export function mountProvider(holder: ProviderHolder): Middleware {
  const mounted = new WeakMap<Provider, Middleware>();
  return (ctx, next) => {
    const provider = holder.inUse();
    let middleware = mounted.get(provider);
    if (!middleware) {
      middleware = mount(provider);
      mounted.set(provider, middleware);
    }
    return middleware(ctx, next);
  };
}
