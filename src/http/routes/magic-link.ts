import { Router } from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import type { Translator } from '../../i18n/translator.ts';
import type { User } from '../../db/entities/user.ts';
import type { AccountsService } from '../../services/accounts.ts';
import type { SecurityNotices } from '../../services/security-notices.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import { requestFacts } from '../request-facts.ts';
import type { ConfirmCodeResult, MagicLinksService } from '../../services/magic-links.ts';
import { CODE_LENGTH } from '../../services/one-time-codes.ts';
import type { PasskeysService } from '../../services/passkeys.ts';
import { LIMITS, type Charge, type Throttle } from '../../services/throttle.ts';
import { PROOF_TTL_SECONDS, type InteractionStateStore } from '../../stores/interaction-state.ts';
import { randomToken } from '../../lib/random.ts';
import { accountChosenIn, chosenAccount, loadInteraction, type Interaction } from '../interaction.ts';
import { formBody, parseBody } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { rememberedUser } from '../remembered-user.ts';
import type { PageData, Views } from '../views.ts';

export interface MagicLinkRoutesDeps {
  config: Pick<AppConfig, 'origin' | 'magicLinkTtl'>;
  provider: Provider;
  views: Views;
  accounts: AccountsService;
  magicLinks: MagicLinksService;
  passkeys: Pick<PasskeysService, 'count'>;
  states: InteractionStateStore;
  throttle: Throttle;
  notices: Pick<SecurityNotices, 'newBrowser'>;
  audit: Pick<AuditLog, 'record'>;
}

/** The browser-binding cookie: only the browser that asked for the link can use it. */
const BINDING_COOKIE = 'idp_email_binding';
/** Carries a proven account to the next interaction when the original one expired. */
export const PROOF_COOKIE = 'idp_email_proof';
/** `mina@example.com` → `m***@example.com`. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  return at <= 0 ? '***' : `${email.charAt(0)}***${email.slice(at)}`;
}

/** What the "Check your email" page says when a typed code does not sign in. */
function codeError(i18n: Translator, result: Exclude<ConfirmCodeResult, { ok: true }>): string {
  switch (result.reason) {
    case 'wrong_code': return i18n.t('emailSent.error.wrong', { count: result.attemptsLeft });
    case 'malformed': return i18n.t('emailSent.error.malformed', { length: CODE_LENGTH });
    case 'too_many_attempts': return i18n.t('emailSent.error.tooMany');
    case 'other_browser': return i18n.t('emailSent.error.otherBrowser');
    case 'expired_or_used':
    case 'invalid': return i18n.t('emailSent.error.expired');
  }
}

const binding = (ctx: Context) => ctx.cookies.get(BINDING_COOKIE, { signed: true }) ?? '';
const forgetBinding = (ctx: Context) => ctx.cookies.set(BINDING_COOKIE, null, { signed: true, path: '/' });
const codeForm = z.object({ code: z.string().max(32).default('') });
const linkParams = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{10,64}$/), secret: z.string().regex(/^[A-Za-z0-9_-]{20,128}$/) });

/**
 * Emailed sign-in: "Email me a sign-in link" on the passkey step, the "Check your email" page with
 * the typed code, and the link itself. Opening the link never signs in: only the confirm POST,
 * in the browser holding the binding cookie, does (mail scanners open links).
 */
export function magicLinkRoutes(deps: MagicLinkRoutesDeps): Router {
  const { provider, views, accounts, magicLinks, passkeys, states, throttle, notices, audit, config } = deps;
  const router = new Router();
  router.use(sameOrigin(config.origin));
  const secure = config.origin.startsWith('https:');

  const page = (ctx: Context, template: string, data: PageData, status = 200) => views.page(ctx, template, data, { status });

  /**
   * "Check your email". Anyone can type a username here, so the address is shown masked:
   * enough for the owner to recognise, not enough to learn someone's email.
   */
  function showEmailSent(ctx: Context, details: Interaction, email: string | undefined, extra: Record<string, unknown> = {}, status = 200) {
    views.page(ctx, 'email-sent', {
      title: 'emailSent.title',
      base: `/interaction/${details.uid}`,
      email: email ? maskEmail(email) : undefined,
      minutes: Math.round(config.magicLinkTtl / 60),
      ...extra,
    }, { status, uiLocales: details.params['ui_locales'] });
  }

  /**
   * After a successful email sign-in: hand back what it was charged (the look-up, the emails, this
   * code or link try), then offer a passkey unless this browser already used one for the account.
   */
  async function proceed(ctx: Context, user: User, interactionUid: string, firstVerification: boolean, charge: Charge) {
    const userId = user.id;
    // The owner hears of an emailed sign-in in a browser that never signed in as them (NOTIFY_EMAILS).
    if (rememberedUser.get(ctx) !== userId) void notices.newBrowser(user, { ...requestFacts(ctx), i18n: views.i18n(ctx) });
    const earlier = await states.get(interactionUid);
    const refunds = [charge];
    if (earlier.userId === userId) refunds.push(...(earlier.lookupCharge ? [earlier.lookupCharge] : []), ...(earlier.mailCharges ?? []));
    await throttle.refund(refunds);
    const interaction = await provider.Interaction.find(interactionUid);
    if (!interaction) {
      // The app's sign-in expired meanwhile: sign in to the account page instead, which says
      // to return to the app.
      const proof = randomToken();
      await states.saveProof(proof, userId);
      ctx.cookies.set(PROOF_COOKIE, proof, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: PROOF_TTL_SECONDS * 1000 });
      ctx.status = 303;
      ctx.redirect('/account?done=email');
      return;
    }
    const hasPasskeyHere = rememberedUser.get(ctx) === userId;
    const passkeysBeforeVerification = firstVerification ? await passkeys.count(userId) : 0;
    await states.set(interactionUid, {
      provenUserId: userId,
      provenBy: 'email',
      finishNow: hasPasskeyHere && passkeysBeforeVerification === 0,
      ...(passkeysBeforeVerification > 0 ? { passkeysBeforeVerification } : {}),
    });
    ctx.status = 303;
    ctx.redirect(`/interaction/${interactionUid}`);
  }

  /**
   * Emails are limited per IP, per (account, IP) and account-wide; the account-wide ceiling, the
   * one strangers from many addresses could exhaust, does not apply in the owner's own browser.
   */
  async function chargeEmail(ctx: Context, userId: string): Promise<Charge[]> {
    const charges = [
      await throttle.charge(LIMITS.mailPerIp, ctx.ip),
      await throttle.charge(LIMITS.mailPerAccountAndIp, `${userId}:${ctx.ip}`),
    ];
    if (rememberedUser.get(ctx) !== userId) charges.push(await throttle.charge(LIMITS.mailPerAccount, userId));
    return charges;
  }

  router.post('/interaction/:uid/email', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const state = await states.get(details.uid);
    const user = await accountChosenIn(deps, state);
    const charges = await chargeEmail(ctx, user.id);
    let bindingValue: string;
    try {
      ({ bindingValue } = await magicLinks.request({
        user,
        interactionUid: details.uid,
        ip: ctx.ip,
        userAgent: ctx.get('user-agent'),
        i18n: views.i18n(ctx, details.params['ui_locales']),
      }));
    } catch (error) {
      await throttle.refund(charges);
      throw error;
    }
    await states.set(details.uid, { ...state, mailCharges: [...(state.mailCharges ?? []), ...charges] });
    await audit.record({ type: 'email_sent', userId: user.id, clientId: String(details.params['client_id']), ...requestFacts(ctx) });
    ctx.cookies.set(BINDING_COOKIE, bindingValue, { signed: true, httpOnly: true, sameSite: 'lax', secure, path: '/', maxAge: config.magicLinkTtl * 1000, overwrite: true });
    ctx.status = 303;
    ctx.redirect(`/interaction/${details.uid}/email`);
  });

  router.get('/interaction/:uid/email', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const user = await chosenAccount(deps, details.uid);
    showEmailSent(ctx, details, user.email);
  });

  router.post('/interaction/:uid/email/code', formBody(), async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { code } = parseBody(codeForm, ctx.request.body);
    const charge = await throttle.charge(LIMITS.codePerIp, ctx.ip);
    const result = await magicLinks.confirmCode({ interactionUid: details.uid, code, bindingValue: binding(ctx) });
    if (result.ok) {
      forgetBinding(ctx);
      await proceed(ctx, result.user, details.uid, result.firstVerification, charge);
      return;
    }
    const state = await states.get(details.uid);
    if (state.provenUserId) {
      // The same code, sent twice at once (a double click): the other request signed in; continue there.
      ctx.status = 303;
      ctx.redirect(`/interaction/${details.uid}`);
      return;
    }
    if (result.reason === 'too_many_attempts' || result.reason === 'expired_or_used') forgetBinding(ctx);
    if (result.reason === 'wrong_code' || result.reason === 'too_many_attempts') {
      await audit.record({ type: 'sign_in_failed', userId: state.userId ?? null, clientId: String(details.params['client_id']), ...requestFacts(ctx), detail: { method: 'email_code' } });
    }
    const user = state.userId ? await accounts.findActive(state.userId) : null;
    showEmailSent(ctx, details, user?.email, { error: codeError(views.i18n(ctx, details.params['ui_locales']), result), code }, 422);
  });

  // Opening the link (a person, or a mail scanner): shows who it is for; consumes nothing.
  router.get('/email/:id/:secret', async (ctx) => {
    const params = linkParams.safeParse(ctx.params);
    const link = params.success ? await magicLinks.peek(params.data.id, binding(ctx)) : undefined;
    if (!link) {
      page(ctx, 'email-link-invalid', { title: 'linkInvalid.title' }, 410);
      return;
    }
    if (!link.sameBrowser) {
      page(ctx, 'email-other-browser', { title: 'otherBrowser.title' });
      return;
    }
    page(ctx, 'email-confirm', { title: 'emailConfirm.title', displayName: link.displayName, action: ctx.path });
  });

  router.post('/email/:id/:secret', async (ctx) => {
    const { id, secret } = parseBody(linkParams, ctx.params);
    const charge = await throttle.charge(LIMITS.linkPerIp, ctx.ip);
    const result = await magicLinks.confirmLink({ id, secret, bindingValue: binding(ctx) });
    if (!result.ok) {
      if (result.reason === 'other_browser') page(ctx, 'email-other-browser', { title: 'otherBrowser.title' }, 403);
      else page(ctx, 'email-link-invalid', { title: 'linkInvalid.title' }, 410);
      return;
    }
    forgetBinding(ctx);
    await proceed(ctx, result.user, result.interactionUid, result.firstVerification, charge);
  });

  return router;
}
