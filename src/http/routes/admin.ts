import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AppConfig } from '../../config/env.ts';
import type { CookieKeyring } from '../../lib/cookie-keyring.ts';
import type { AccountAdmin } from '../../services/account-admin.ts';
import type { AccountsService } from '../../services/accounts.ts';
import type { AdminOperations } from '../../services/admin-operations.ts';
import type { GroupsService } from '../../services/groups.ts';
import type { PasskeysService } from '../../services/passkeys.ts';
import type { Throttle } from '../../services/throttle.ts';
import type { AdminReverificationStore } from '../../stores/admin-reverification.ts';
import { returnFromSignIn, sendToSignIn } from '../account-sign-in.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import type { Views } from '../views.ts';
import { createAdminAccess } from './admin/access.ts';
import { auditRoutes } from './admin/audit.ts';
import { groupRoutes } from './admin/groups.ts';
import { createAdminPages } from './admin/page.ts';
import { reverifyRoutes } from './admin/reverify.ts';
import { userRoutes } from './admin/users.ts';

export interface AdminRoutesDeps {
  config: Pick<AppConfig, 'issuer' | 'origin' | 'signup'>;
  provider: Provider;
  views: Views;
  accounts: Pick<AccountsService, 'findActive'>;
  accountAdmin: AccountAdmin;
  groups: GroupsService;
  operations: AdminOperations;
  audit: Pick<AuditLog, 'list' | 'lastSignIn'>;
  passkeys: PasskeysService;
  throttle: Throttle;
  reverification: AdminReverificationStore;
  cookieKeyring: Pick<CookieKeyring, 'keys'>;
}

/**
 * `/admin`: what the admin CLI does, as pages, for members of the `admins` group signed in with
 * a passkey. Every change is a plain form POST that needs this session's form token and a passkey
 * ceremony of this admin within five minutes (public/js/admin.js runs it before submitting), and
 * goes through the same operations as the CLI, recorded as `admin-page:<username>`.
 */
export function adminRoutes(deps: AdminRoutesDeps): Router {
  const { config, views, reverification } = deps;
  const router = new Router({ prefix: '/admin' });
  router.use(async (ctx, next) => {
    // Who may do what, and one-time links: never kept by a browser or a proxy.
    ctx.set('Cache-Control', 'no-store');
    await next();
  });
  router.use(sameOrigin(config.origin));

  // Back from sign-in (the same way as the account page), and a new sign-in with a passkey.
  router.get('/callback', (ctx) => {
    returnFromSignIn(ctx, '/admin');
    ctx.redirect('/admin');
  });
  router.get('/sign-in', (ctx) => sendToSignIn(ctx, config, '/admin', { prompt: 'login' }));

  const access = createAdminAccess(deps);
  router.use(access.requireAdmin);
  const pages = createAdminPages({ views, reverification, secure: config.origin.startsWith('https:'), formTokenOf: access.formTokenOf });
  const parts = { ...deps, pages, requireFreshPasskey: access.requireFreshPasskey };
  reverifyRoutes(router, parts);
  userRoutes(router, parts);
  groupRoutes(router, parts);
  auditRoutes(router, parts);
  return router;
}
