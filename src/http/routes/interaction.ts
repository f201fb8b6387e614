import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { Render } from '../views.ts';

/**
 * The hosted sign-in pages. oidc-provider sends the browser here with an interaction uid;
 * every endpoint that needs the interaction lives under /interaction/:uid, the path of
 * oidc-provider's interaction cookie.
 */
export function interactionRoutes(deps: { provider: Provider; render: Render }): Router {
  const router = new Router({ prefix: '/interaction/:uid' });
  router.get('/', async (ctx) => {
    const details = await deps.provider.interactionDetails(ctx.req, ctx.res);
    const client = await deps.provider.Client.find(String(details.params['client_id']));
    ctx.type = 'html';
    ctx.body = deps.render('interaction-placeholder', { title: 'Sign in', clientName: client?.clientName ?? client?.clientId });
  });
  return router;
}
