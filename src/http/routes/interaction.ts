import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { User } from '../../db/entities/user.ts';
import { AppError } from '../../errors.ts';
import type { AccountsService } from '../../services/accounts.ts';
import { LIMITS, type Throttle } from '../../services/throttle.ts';
import type { InteractionStateStore } from '../../stores/interaction-state.ts';
import { finishForForm, loadInteraction, type Interaction } from '../interaction.ts';
import { formBody, parseBody } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { rememberedUser } from '../remembered-user.ts';
import { textField } from '../text-input.ts';
import type { Render } from '../views.ts';
import { describeScopes } from '../scopes.ts';
import { PROOF_COOKIE } from './magic-link.ts';

export interface InteractionRoutesDeps {
  config: Pick<AppConfig, 'origin' | 'signup'>;
  provider: Provider;
  render: Render;
  accounts: AccountsService;
  states: InteractionStateStore;
  throttle: Throttle;
}

const loginForm = z.object({ login: z.string().max(320).default('') });
const loginText = textField(320);
const signupForm = z.object({ username: z.string().max(320).default(''), email: z.string().max(320).default('') });
const consentForm = z.object({ decision: z.enum(['allow', 'deny']) });

/**
 * The hosted sign-in pages: username → passkey, signup → create a passkey, consent. Plain HTML
 * forms that work without JavaScript; the passkey ceremonies are in passkey.ts. Everything lives
 * under /interaction/:uid, the path of oidc-provider's interaction cookie.
 */
export function interactionRoutes(deps: InteractionRoutesDeps): Router {
  const { provider, render, accounts, states, throttle, config } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(sameOrigin(config.origin));

  async function clientName(details: Interaction): Promise<string> {
    const client = await provider.Client.find(String(details.params['client_id']));
    return client?.clientName ?? client?.clientId ?? 'the app';
  }

  function page(ctx: Context, template: string, data: Record<string, unknown>, status = 200) {
    ctx.status = status;
    ctx.type = 'html';
    ctx.body = render(template, { base: `/interaction/${ctx.params['uid']}`, signupOpen: config.signup === 'open', ...data });
  }

  async function showLogin(ctx: Context, details: Interaction, extra: Record<string, unknown> = {}, status = 200) {
    page(ctx, 'login', { title: 'Sign in', clientName: await clientName(details), scripts: ['/static/js/login.js'], ...extra }, status);
  }

  async function showPasskeyStep(ctx: Context, details: Interaction, user: User) {
    page(ctx, 'passkey', {
      title: 'Sign in with a passkey',
      clientName: await clientName(details),
      displayName: user.name ?? user.username,
      emailLinkEnabled: true,
      scripts: ['/static/js/passkey.js'],
    });
  }

  router.get('/', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const uid = details.uid;
    if (details.prompt.name === 'consent') {
      const scopes = String(details.params['scope'] ?? '').split(' ');
      page(ctx, 'consent', { title: 'Allow access?', clientName: await clientName(details), permissions: describeScopes(scopes) });
      return;
    }
    const proof = ctx.cookies.get(PROOF_COOKIE, { signed: true });
    if (proof) {
      ctx.cookies.set(PROOF_COOKIE, null, { signed: true, path: '/' });
      const provenUserId = await states.takeProof(proof);
      if (provenUserId && details.prompt.name === 'login') {
        await finishForForm(provider, ctx, { login: { accountId: provenUserId } });
        return;
      }
    }
    const state = await states.get(uid);
    if (state.provenUserId && state.finishNow) {
      await states.clear(uid);
      await finishForForm(provider, ctx, { login: { accountId: state.provenUserId } });
      return;
    }
    if (state.provenUserId) {
      page(ctx, 'create-passkey', {
        title: 'Create a passkey',
        clientName: await clientName(details),
        passkeysBeforeVerification: state.passkeysBeforeVerification ?? 0,
        scripts: ['/static/js/register.js'],
      });
      return;
    }
    const chosen = state.userId ?? rememberedUser.get(ctx);
    const user = chosen ? await accounts.findActive(chosen) : null;
    if (user) {
      if (!state.userId) await states.set(uid, { userId: user.id });
      await showPasskeyStep(ctx, details, user);
      return;
    }
    await showLogin(ctx, details);
  });

  router.post('/login', formBody(), async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { login } = parseBody(loginForm, ctx.request.body);
    const checked = loginText.safeParse(login);
    if (!checked.success) {
      await showLogin(ctx, details, { login: '', error: `Username or email ${checked.error.issues[0]?.message}.` }, 422);
      return;
    }
    const lookupCharge = await throttle.charge(LIMITS.lookupPerIp, ctx.ip);
    const user = await accounts.findByLogin(login);
    if (!user) {
      await showLogin(ctx, details, {
        login,
        error: login.trim() ? 'We could not find an account with that username or email.' : 'Enter your username or email.',
      }, 422);
      return;
    }
    await states.set(details.uid, { userId: user.id, lookupCharge });
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  });

  router.post('/switch', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    await states.clear(details.uid);
    rememberedUser.clear(ctx);
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  });

  router.get('/signup', async (ctx) => {
    if (config.signup !== 'open') return;
    const details = await loadInteraction(provider, ctx);
    page(ctx, 'signup', { title: 'Create an account', clientName: await clientName(details), values: {}, errors: {} });
  });

  router.post('/signup', formBody(), async (ctx) => {
    if (config.signup !== 'open') return;
    const details = await loadInteraction(provider, ctx);
    await throttle.charge(LIMITS.signupPerIp, ctx.ip);
    const values = parseBody(signupForm, ctx.request.body);
    const result = await accounts.signup(values);
    if (!result.ok) {
      page(ctx, 'signup', { title: 'Create an account', clientName: await clientName(details), values, errors: result.errors }, 422);
      return;
    }
    await states.set(details.uid, { provenUserId: result.user.id });
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  });

  // "Not now" after signup or an emailed link: the account has proven itself, finish without a passkey.
  router.post('/skip', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { provenUserId } = await states.get(details.uid);
    if (!provenUserId) throw new AppError('invalid_request', { status: 400, description: 'There is nothing to skip here. Go back and sign in.' });
    await states.clear(details.uid);
    await finishForForm(provider, ctx, { login: { accountId: provenUserId } });
  });

  router.post('/consent', formBody(), async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    if (details.prompt.name !== 'consent' || !details.session?.accountId) {
      throw new AppError('invalid_request', { status: 400, description: 'There is nothing to allow here. Go back to the app and try again.' });
    }
    const { decision } = parseBody(consentForm, ctx.request.body);
    if (decision === 'deny') {
      await finishForForm(provider, ctx, { error: 'access_denied', error_description: 'The user did not allow access.' });
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params['client_id']) });
    if (!grant) throw new AppError('session_expired', { status: 400, description: 'This request has expired. Go back to the app and try again.' });
    const missing = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await finishForForm(provider, ctx, { consent: details.grantId ? {} : { grantId } });
  });

  return router;
}
