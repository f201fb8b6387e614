import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { AccountsService } from '../../services/accounts.ts';
import { signedIn } from '../signed-in.ts';
import type { Views } from '../views.ts';

/**
 * `/`, the address `npm start` prints: who is signed in in this browser, with the account page
 * and sign-out; or a way to sign in (through the account page).
 */
export function homeRoutes(deps: { provider: Provider; accounts: AccountsService; views: Views }): Router {
  const router = new Router();
  router.get('/', async (ctx) => {
    const current = await signedIn(deps.provider, deps.accounts, ctx);
    ctx.set('Cache-Control', 'no-store');
    deps.views.page(ctx, 'home', { title: 'home.title', user: current?.user });
  });
  return router;
}
