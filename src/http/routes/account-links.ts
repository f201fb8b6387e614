import { Router } from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { AppConfig } from '../../config/env.ts';
import { randomToken } from '../../lib/random.ts';
import type { AccountLinksService } from '../../services/account-links.ts';
import type { AccountsService } from '../../services/accounts.ts';
import { LIMITS, type Throttle } from '../../services/throttle.ts';
import { PROOF_TTL_SECONDS, type InteractionStateStore } from '../../stores/interaction-state.ts';
import type { SignupGateService } from '../invitation.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { requestFacts } from '../request-facts.ts';
import type { Views } from '../views.ts';
import { PROOF_COOKIE } from './magic-link.ts';

export interface AccountLinkRoutesDeps {
  config: Pick<AppConfig, 'origin'>;
  views: Views;
  accounts: Pick<AccountsService, 'findActive'>;
  accountLinks: AccountLinksService;
  signupGate: SignupGateService;
  states: Pick<InteractionStateStore, 'saveProof'>;
  throttle: Throttle;
  audit: Pick<AuditLog, 'record'>;
}

const secretParam = z.object({ secret: z.string().max(128) });

/**
 * The links an operator hands out (admin CLI). An invitation opens signup in this browser (with
 * SIGNUP=invite the only way in); a recovery link, confirmed by a POST (mail and chat scanners
 * open links), signs its person in to the account page, where they add a new passkey.
 */
export function accountLinkRoutes(deps: AccountLinkRoutesDeps): Router {
  const { views, accounts, accountLinks, signupGate, states, throttle, audit, config } = deps;
  const router = new Router();
  router.use(sameOrigin(config.origin));
  const secure = config.origin.startsWith('https:');
  const invalid = (ctx: Context) => views.page(ctx, 'account-link-invalid', { title: 'accountLink.invalid.heading' }, { status: 410 });

  router.get('/invite/:secret', async (ctx) => {
    await throttle.charge(LIMITS.linkPerIp, ctx.ip);
    const { secret } = secretParam.parse(ctx.params);
    if (!(await accountLinks.find('invite', secret))) return invalid(ctx);
    // Signup happens inside a sign-in to the account page; the invitation rides along in a cookie.
    signupGate.remember(ctx, secret);
    ctx.redirect('/account');
  });

  router.get('/recover/:secret', async (ctx) => {
    await throttle.charge(LIMITS.linkPerIp, ctx.ip);
    const { secret } = secretParam.parse(ctx.params);
    const link = await accountLinks.find('recovery', secret);
    const user = link?.userId ? await accounts.findActive(link.userId) : null;
    if (!link || !user) return invalid(ctx);
    views.page(ctx, 'recovery', { title: 'recovery.title', username: user.username, action: ctx.path });
  });

  router.post('/recover/:secret', async (ctx) => {
    await throttle.charge(LIMITS.linkPerIp, ctx.ip);
    const { secret } = secretParam.parse(ctx.params);
    const link = await accountLinks.find('recovery', secret);
    const user = link?.userId ? await accounts.findActive(link.userId) : null;
    if (!link || !user || !(await accountLinks.use(link))) return invalid(ctx);
    await audit.record({ type: 'recovery_used', userId: user.id, ...requestFacts(ctx), detail: { link: link.id } });
    // The same hand-over as an emailed link whose sign-in expired: the next sign-in is this account.
    const proof = randomToken();
    await states.saveProof(proof, user.id);
    ctx.cookies.set(PROOF_COOKIE, proof, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: PROOF_TTL_SECONDS * 1000 });
    ctx.status = 303;
    ctx.redirect('/account?done=recovered');
  });

  return router;
}
