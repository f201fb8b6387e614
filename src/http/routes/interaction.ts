import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { User } from '../../db/entities/user.ts';
import { AppError } from '../../errors.ts';
import type { Translator } from '../../i18n/translator.ts';
import type { AccountsService } from '../../services/accounts.ts';
import { CODE_LENGTH } from '../../services/one-time-codes.ts';
import type { PasskeysService } from '../../services/passkeys.ts';
import type { SignupsService, VerifyResult } from '../../services/signups.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import { ACCESS_PROMPT, SELECT_ACCOUNT_PROMPT } from '../../oidc/interaction-policy.ts';
import type { AccountLinksService } from '../../services/account-links.ts';
import type { SignupErrors } from '../../services/accounts.ts';
import { requestFacts } from '../request-facts.ts';
import type { SignupGate, SignupGateService } from '../invitation.ts';
import { LIMITS, type Throttle } from '../../services/throttle.ts';
import type { InteractionStateStore } from '../../stores/interaction-state.ts';
import { finishForForm, loadInteraction, pageState, PROVEN_BY_LINK_OR_CODE, type Interaction } from '../interaction.ts';
import { formBody, parseBody } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { loginHintOf } from '../login-hint.ts';
import { rememberedUser } from '../remembered-user.ts';
import { textField, UNTYPEABLE_MESSAGE } from '../text-input.ts';
import type { PageData, Views } from '../views.ts';
import { describedScopes, mappedClaimNames } from '../scopes.ts';
import { claimMappingOfClient } from '../../oidc/claim-mapping.ts';
import { deviceConfirmation } from '../device-confirmation.ts';
import { PROOF_COOKIE } from './magic-link.ts';

export interface InteractionRoutesDeps {
  config: Pick<AppConfig, 'origin' | 'signup' | 'magicLinkTtl'>;
  provider: Provider;
  views: Views;
  accounts: AccountsService;
  passkeys: Pick<PasskeysService, 'count'>;
  signups: SignupsService;
  signupGate: SignupGateService;
  accountLinks: Pick<AccountLinksService, 'use'>;
  audit: Pick<AuditLog, 'record'>;
  states: InteractionStateStore;
  throttle: Throttle;
}

const loginForm = z.object({ login: z.string().max(320).default('') });
const loginText = textField(320);
const signupForm = z.object({ username: z.string().max(320).default(''), email: z.string().max(320).default('') });
const codeForm = z.object({ code: z.string().max(32).default('') });

/** The fields an invitation fixes. */
function fixedBy(gate: SignupGate): { username?: string; email?: string } {
  const invitation = gate.invitation;
  return {
    ...(invitation?.username ? { username: invitation.username } : {}),
    ...(invitation?.email ? { email: invitation.email } : {}),
  };
}

/** What the signup code page says when a typed code does not create the account. */
function codeError(i18n: Translator, result: Exclude<VerifyResult, { ok: true } | { reason: 'taken' }>): string {
  switch (result.reason) {
    case 'wrong_code': return i18n.t('verify.error.wrong', { count: result.attemptsLeft });
    case 'malformed': return i18n.t('verify.error.malformed', { length: CODE_LENGTH });
    case 'too_many_attempts': return i18n.t('verify.error.tooMany');
    case 'expired': return i18n.t('verify.error.expired');
  }
}
const consentForm = z.object({ decision: z.enum(['allow', 'deny']) });

/**
 * The hosted sign-in pages: username → passkey, signup → create a passkey, consent. Plain HTML
 * forms that work without JavaScript; the passkey ceremonies are in passkey.ts. Everything lives
 * under /interaction/:uid, the path of oidc-provider's interaction cookie.
 */
export function interactionRoutes(deps: InteractionRoutesDeps): Router {
  const { provider, views, accounts, passkeys, signups, signupGate, accountLinks, audit, states, throttle, config } = deps;
  const router = new Router({ prefix: '/interaction/:uid' });
  router.use(sameOrigin(config.origin));

  async function clientName(details: Interaction): Promise<string> {
    const client = await provider.Client.find(String(details.params['client_id']));
    return client?.clientName ?? client?.clientId ?? 'the app';
  }

  /** A sign-in page, in the language the person chose, else the app's ui_locales, else the browser's. */
  async function page(ctx: Context, details: Interaction, template: string, data: PageData, status = 200) {
    views.page(ctx, template, {
      base: `/interaction/${details.uid}`,
      // Pages that already checked the gate say so (no second look-up of the invitation).
      signupOpen: typeof data['signupOpen'] === 'boolean' ? data['signupOpen'] : (await signupGate.check(ctx)).allowed,
      clientName: await clientName(details),
      ...data,
    }, { status, uiLocales: details.params['ui_locales'] });
  }
  const i18nOf = (ctx: Context, details: Interaction) => views.i18n(ctx, details.params['ui_locales']);

  async function showLogin(ctx: Context, details: Interaction, extra: Record<string, unknown> = {}, status = 200) {
    await page(ctx, details, 'login', { title: 'login.title', scripts: ['/static/js/login.js'], ...extra }, status);
  }

  /** Accounts without a passkey lead with the emailed link: a passkey button could not work for them. */
  async function showPasskeyStep(ctx: Context, details: Interaction, user: User) {
    const hasPasskeys = (await passkeys.count(user.id)) > 0;
    await page(ctx, details, 'passkey', {
      title: 'passkey.title',
      displayName: user.name ?? user.username,
      hasPasskeys,
      scripts: hasPasskeys ? ['/static/js/passkey.js'] : [],
    });
  }

  async function showSignupCode(ctx: Context, details: Interaction, email: string, extra: Record<string, unknown> = {}, status = 200) {
    await page(ctx, details, 'signup-verify', { title: 'verify.title', email, minutes: Math.round(config.magicLinkTtl / 60), ...extra }, status);
  }

  async function showSignup(ctx: Context, details: Interaction, gate: SignupGate, values: Record<string, unknown>, errors: SignupErrors = {}, status = 200) {
    const fixed = fixedBy(gate);
    await page(ctx, details, 'signup', { title: 'signup.title', signupOpen: gate.allowed, values: { ...values, ...fixed }, fixed, errors }, status);
  }

  const requester = (ctx: Context, details: Interaction) => ({ ip: ctx.ip, userAgent: ctx.get('user-agent'), i18n: i18nOf(ctx, details) });

  router.get('/', async (ctx) => {
    // Asked beside the interaction, once per request (select-account.ts, before this router, asked already).
    const stateRead = pageState(states, ctx);
    const details = await loadInteraction(provider, ctx);
    const uid = details.uid;
    // A device sign-in (RFC 8628) is confirmed on its own page; it answers /consent like this one.
    if (details.prompt.name === 'consent' && details.deviceCode) {
      await page(ctx, details, 'device-confirm', await deviceConfirmation({ provider, accounts }, i18nOf(ctx, details), details));
      return;
    }
    if (details.prompt.name === 'consent') {
      const scopes = String(details.params['scope'] ?? '').split(' ');
      const mapping = claimMappingOfClient(await provider.Client.find(String(details.params['client_id'])));
      await page(ctx, details, 'consent', { title: 'consent.title', scopes: describedScopes(scopes), mappedClaims: mappedClaimNames(scopes, mapping) });
      return;
    }
    if (details.prompt.name === ACCESS_PROMPT) {
      const user = details.session?.accountId ? await accounts.findActive(details.session.accountId) : null;
      await page(ctx, details, 'no-access', { title: 'noAccess.title', username: user?.username ?? '' }, 403);
      return;
    }
    const proof = ctx.cookies.get(PROOF_COOKIE, { signed: true });
    if (proof) {
      ctx.cookies.set(PROOF_COOKIE, null, { signed: true, path: '/' });
      const provenUserId = await states.takeProof(proof);
      if (provenUserId && details.prompt.name === 'login') {
        await finishForForm(provider, ctx, { login: { accountId: provenUserId, amr: PROVEN_BY_LINK_OR_CODE } });
        return;
      }
    }
    const state = await stateRead;
    if (state.provenUserId && state.finishNow) {
      await states.clear(uid);
      await finishForForm(provider, ctx, { login: { accountId: state.provenUserId, amr: PROVEN_BY_LINK_OR_CODE } });
      return;
    }
    if (state.provenUserId) {
      await page(ctx, details, 'create-passkey', {
        title: 'create.title',
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
    const gate = await signupGate.check(ctx);
    if (gate.invitation) {
      await showSignup(ctx, details, gate, {});
      return;
    }
    await showLogin(ctx, details, { login: loginHintOf(details.params), signupOpen: gate.allowed });
  });

  // Leaving the "no access" page: the app learns the person was refused.
  router.post('/leave', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    if (details.prompt.name !== ACCESS_PROMPT) throw new AppError('invalid_request', { status: 400, messageKey: 'error.nothingToAllow' });
    await finishForForm(provider, ctx, { error: 'access_denied', error_description: 'The account is not allowed to use this app.' });
  });

  router.post('/login', formBody(), async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { login } = parseBody(loginForm, ctx.request.body);
    const checked = loginText.safeParse(login);
    if (!checked.success) {
      await showLogin(ctx, details, { login: '', error: i18nOf(ctx, details).t(checked.error.issues[0]?.message === UNTYPEABLE_MESSAGE ? 'login.untypeable' : 'login.tooLong') }, 422);
      return;
    }
    const lookupCharge = await throttle.charge(LIMITS.lookupPerIp, ctx.ip);
    const user = await accounts.findByLogin(login);
    if (!user) {
      await showLogin(ctx, details, {
        login,
        error: i18nOf(ctx, details).t(login.trim() ? 'login.notFound' : 'login.empty'),
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
    // Only "Use a different account" on "Choose an account" leads here then: stay past that page.
    if (details.prompt.name === SELECT_ACCOUNT_PROMPT) await states.set(details.uid, { otherAccount: true });
    rememberedUser.clear(ctx);
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}`);
  });

  router.get('/signup', async (ctx) => {
    const gate = await signupGate.check(ctx);
    if (!gate.allowed) return;
    const details = await loadInteraction(provider, ctx);
    await showSignup(ctx, details, gate, {});
  });

  // The form: checked, then a code goes to the address. Only a valid, free username and address
  // is a signup attempt and counts towards the per-IP limit.
  router.post('/signup', formBody(), async (ctx) => {
    const gate = await signupGate.check(ctx);
    if (!gate.allowed) return;
    const details = await loadInteraction(provider, ctx);
    // An invitation's fixed username or email cannot be changed in the form.
    const values = { ...parseBody(signupForm, ctx.request.body), ...fixedBy(gate) };
    const check = await accounts.checkSignup(values);
    if (!check.ok) {
      await showSignup(ctx, details, gate, values, check.errors, 422);
      return;
    }
    const charges = [await throttle.charge(LIMITS.signupPerIp, ctx.ip), await throttle.charge(LIMITS.mailPerIp, ctx.ip)];
    try {
      await signups.start(details.uid, check.account, requester(ctx, details));
    } catch (error) {
      await throttle.refund(charges);
      throw error;
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}/signup/verify`);
  });

  router.get('/signup/verify', async (ctx) => {
    if (!(await signupGate.check(ctx)).allowed) return;
    const details = await loadInteraction(provider, ctx);
    const pending = await signups.pending(details.uid);
    if (!pending) {
      ctx.status = 303;
      ctx.redirect(`/interaction/${details.uid}/signup`);
      return;
    }
    await showSignupCode(ctx, details, pending.email);
  });

  router.post('/signup/verify', formBody(), async (ctx) => {
    const gate = await signupGate.check(ctx);
    if (!gate.allowed) return;
    const details = await loadInteraction(provider, ctx);
    const { code } = parseBody(codeForm, ctx.request.body);
    const charge = await throttle.charge(LIMITS.codePerIp, ctx.ip);
    const pending = await signups.pending(details.uid);
    // An invitation is used up by the right code, once: not by a wrong one, not twice.
    const invitation = gate.invitation;
    const result = await signups.verify(details.uid, code, invitation ? () => accountLinks.use(invitation) : undefined);
    if (result.ok) {
      await throttle.refund([charge]);
      if (invitation) signupGate.forget(ctx);
      await audit.record({
        type: 'signup',
        userId: result.user.id,
        clientId: String(details.params['client_id']),
        ...requestFacts(ctx),
        ...(invitation ? { detail: { invitation: invitation.id } } : {}),
      });
      await states.set(details.uid, { provenUserId: result.user.id, provenBy: 'signup' });
      ctx.status = 303;
      ctx.redirect(`/interaction/${details.uid}`);
      return;
    }
    if (result.reason === 'taken') {
      await showSignup(ctx, details, gate, pending ? { username: pending.username, email: pending.email } : {}, result.errors, 409);
      return;
    }
    if (!pending) throw new AppError('invalid_request', { status: 400, messageKey: 'verify.error.nothing' });
    await showSignupCode(ctx, details, pending.email, { error: codeError(i18nOf(ctx, details), result), code }, 422);
  });

  router.post('/signup/resend', async (ctx) => {
    if (!(await signupGate.check(ctx)).allowed) return;
    const details = await loadInteraction(provider, ctx);
    const charge = await throttle.charge(LIMITS.mailPerIp, ctx.ip);
    if (!(await signups.resend(details.uid, requester(ctx, details)))) {
      await throttle.refund([charge]);
      throw new AppError('invalid_request', { status: 400, messageKey: 'verify.error.nothing' });
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}/signup/verify`);
  });

  // "Not now" after signup or an emailed link: the account has proven itself, finish without a passkey.
  router.post('/skip', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { provenUserId } = await states.get(details.uid);
    if (!provenUserId) throw new AppError('invalid_request', { status: 400, messageKey: 'error.nothingToSkip' });
    await states.clear(details.uid);
    await finishForForm(provider, ctx, { login: { accountId: provenUserId, amr: PROVEN_BY_LINK_OR_CODE } });
  });

  router.post('/consent', formBody(), async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    if (details.prompt.name !== 'consent' || !details.session?.accountId) {
      throw new AppError('invalid_request', { status: 400, messageKey: 'error.nothingToAllow' });
    }
    const { decision } = parseBody(consentForm, ctx.request.body);
    if (decision === 'deny') {
      await finishForForm(provider, ctx, { error: 'access_denied', error_description: 'The user did not allow access.' });
      return;
    }
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: String(details.params['client_id']) });
    if (!grant) throw new AppError('session_expired', { status: 400, messageKey: 'error.requestExpired' });
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
