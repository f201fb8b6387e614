import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import { AppError } from '../../errors.ts';
import type { AccountsService } from '../../services/accounts.ts';
import type { PasskeysService } from '../../services/passkeys.ts';
import { LIMITS, type Charge, type Throttle } from '../../services/throttle.ts';
import type { InteractionStateStore } from '../../stores/interaction-state.ts';
import { chosenAccount, finishForScript, loadInteraction, PROVEN_BY_PASSKEY } from '../interaction.ts';
import { jsonBody, parseBody, scriptEndpoints } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { rememberedUser } from '../remembered-user.ts';
import type { Views } from '../views.ts';
import type { AuditLog } from '../../audit/audit-log.ts';
import type { SecurityNotices } from '../../services/security-notices.ts';
import { requestFacts } from '../request-facts.ts';
import { passkeyNameFor } from '../../i18n/device-name.ts';
import {
  asAuthenticationResponse,
  asRegistrationResponse,
  authenticationOptionsRequestSchema,
  authenticationResponseSchema,
  registrationResponseSchema,
} from '../webauthn-schemas.ts';

export interface PasskeyRoutesDeps {
  config: Pick<AppConfig, 'origin'>;
  provider: Provider;
  accounts: AccountsService;
  passkeys: PasskeysService;
  states: InteractionStateStore;
  throttle: Throttle;
  views: Pick<Views, 'i18n'>;
  audit: Pick<AuditLog, 'record'>;
  notices: Pick<SecurityNotices, 'passkeyAdded'>;
}

const verifyRequest = z.object({
  mode: authenticationOptionsRequestSchema.shape.mode,
  credential: authenticationResponseSchema,
  /** Sent by a browser with the WebAuthn Signal API: it wants the account's passkeys back. */
  signals: z.boolean().optional(),
});
const registerRequest = z.object({ credential: registrationResponseSchema });

/**
 * JSON endpoints for the page scripts' passkey ceremonies during sign-in. Each ceremony's
 * challenge is owned by the interaction (and the mode), so it completes only this sign-in.
 */
export function passkeyRoutes(deps: PasskeyRoutesDeps): Router {
  const { provider, accounts, passkeys, states, throttle } = deps;
  const router = new Router({ prefix: '/interaction/:uid/passkey' });
  router.use(scriptEndpoints, sameOrigin(deps.config.origin), jsonBody());

  const owner = (uid: string, ceremony: string) => `interaction:${uid}:${ceremony}`;

  async function provenUser(uid: string) {
    const { provenUserId } = await states.get(uid);
    const user = provenUserId ? await accounts.findActive(provenUserId) : null;
    if (!user) throw new AppError('not_allowed', { status: 403, messageKey: 'error.signInFirst' });
    return user;
  }

  router.post('/options', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { mode } = parseBody(authenticationOptionsRequestSchema, ctx.request.body);
    const user = mode === 'account' ? await chosenAccount(deps, details.uid) : undefined;
    ctx.body = await passkeys.startAuthentication(owner(details.uid, mode), user);
  });

  router.post('/verify', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { mode, credential, signals: signalsWanted } = parseBody(verifyRequest, ctx.request.body);
    // Charged as failures before any signature work, handed back when the passkey is valid. The
    // address's charge goes out with the challenge and passkey look-ups; it is always waited for,
    // and its refusal (429) is the answer whatever else went wrong.
    const ipCharge = throttle.charge(LIMITS.passkeyFailuresPerIp, ctx.ip);
    ipCharge.catch(() => {});
    const charges: Charge[] = [];
    let claimedUserId: string | undefined;
    let user;
    try {
      user = await passkeys.finishAuthentication(owner(details.uid, mode), asAuthenticationResponse(credential), async (userId) => {
        claimedUserId = userId;
        charges.push(await ipCharge);
        charges.push(await throttle.charge(LIMITS.passkeyFailuresPerAccountAndIp, `${userId}:${ctx.ip}`));
      });
    } catch (error) {
      await ipCharge;
      // A refused passkey is a failed sign-in in the owner's trail (when we know whose it claimed to be).
      if (error instanceof AppError && error.code === 'passkey_rejected') {
        await deps.audit.record({ type: 'sign_in_failed', userId: claimedUserId ?? null, clientId: String(details.params['client_id']), ...requestFacts(ctx), detail: { method: 'passkey' } });
      }
      throw error;
    }
    rememberedUser.set(ctx, user.id, deps.config.origin.startsWith('https:'));
    // The passkey is proven: the charges go back (and the username step's look-up, when it was this
    // account) alongside finishing the interaction, not before it.
    const refunds = Promise.all([
      throttle.refund(charges),
      states.take(details.uid).then((state) => (state.userId === user.id && state.lookupCharge ? throttle.refund([state.lookupCharge]) : undefined)),
    ]);
    const [signals] = await Promise.all([
      signalsWanted ? passkeys.signalsFor(user) : undefined,
      finishForScript(provider, ctx, { login: { accountId: user.id, amr: PROVEN_BY_PASSKEY } }),
      refunds,
    ]);
    // The browser's passkey list may be stale (one deleted or renamed elsewhere): the page script
    // passes on what this account has now (WebAuthn Signal API). Theirs to know: they just proved it.
    ctx.body = { ...(ctx.body as { redirectTo: string }), signals };
  });

  router.post('/register/options', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const user = await provenUser(details.uid);
    ctx.body = await passkeys.startRegistration(owner(details.uid, 'register'), user);
  });

  router.post('/register/verify', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { credential } = parseBody(registerRequest, ctx.request.body);
    const { provenBy } = await states.get(details.uid);
    const user = await provenUser(details.uid);
    const i18n = deps.views.i18n(ctx, details.params['ui_locales']);
    const added = await passkeys.finishRegistration(owner(details.uid, 'register'), user, asRegistrationResponse(credential), passkeyNameFor(i18n, ctx.get('user-agent')));
    await states.clear(details.uid);
    await deps.audit.record({ type: 'passkey_added', userId: user.id, ...requestFacts(ctx), detail: { name: added.name } });
    // A new signup's first passkey is no news; one added after an emailed sign-in is (it could be someone with the mailbox).
    if (provenBy !== 'signup') void deps.notices.passkeyAdded(user, added.name, { ...requestFacts(ctx), i18n });
    rememberedUser.set(ctx, user.id, deps.config.origin.startsWith('https:'));
    await finishForScript(provider, ctx, { login: { accountId: user.id, amr: PROVEN_BY_PASSKEY } });
  });

  return router;
}
