import type { Middleware } from 'koa';
import type Provider from 'oidc-provider';
import { metadataOf } from '../../oidc/client-metadata.ts';

/**
 * OIDC Core §11 lets a provider grant `offline_access` (a refresh token) without prompt=consent
 * when "other conditions" permit it; oidc-provider drops the scope unless prompt has consent. Our
 * condition is a first-party app whose client file lists the refresh_token grant: its request
 * gets `consent` added to `prompt` here, and the interaction policy (oidc/interaction-policy.ts)
 * resolves consent for first-party apps without a page. Third-party apps are left alone: their
 * people see the consent page and may refuse.
 */
export function firstPartyOfflineAccess(provider: Provider): Middleware {
  return async (ctx, next) => {
    if (ctx.method === 'GET' && ctx.path === '/auth') {
      const params = new URLSearchParams(ctx.querystring);
      const scopes = (params.get('scope') ?? '').split(' ');
      const prompts = (params.get('prompt') ?? '').split(' ').filter(Boolean);
      const clientId = params.getAll('client_id');
      // A repeated parameter is oidc-provider's to refuse; rewriting would hide it.
      const single = clientId.length === 1 && params.getAll('prompt').length <= 1 && params.getAll('scope').length === 1;
      if (single && scopes.includes('offline_access') && !prompts.includes('consent') && !prompts.includes('none')) {
        const client = await provider.Client.find(clientId[0]!);
        if (client && metadataOf(client)['first_party'] === true && client.grantTypeAllowed('refresh_token')) {
          params.set('prompt', [...prompts, 'consent'].join(' '));
          ctx.querystring = params.toString();
        }
      }
    }
    await next();
  };
}
