import { Router } from '@koa/router';
import type Provider from 'oidc-provider';
import { z } from 'zod';
import type { AppConfig } from '../../config/env.ts';
import { AppError } from '../../errors.ts';
import type { AccountsService } from '../../services/accounts.ts';
import type { PasskeysService } from '../../services/passkeys.ts';
import { LIMITS, type Throttle } from '../../services/throttle.ts';
import type { InteractionStateStore } from '../../stores/interaction-state.ts';
import { chosenAccount, finishForScript, loadInteraction } from '../interaction.ts';
import { jsonBody, parseBody, scriptEndpoints } from '../middleware/body.ts';
import { sameOrigin } from '../middleware/same-origin.ts';
import { rememberedUser } from '../remembered-user.ts';
import type { Views } from '../views.ts';
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
}

const verifyRequest = z.object({ mode: authenticationOptionsRequestSchema.shape.mode, credential: authenticationResponseSchema });
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
    const { mode, credential } = parseBody(verifyRequest, ctx.request.body);
    // Charged as failures before any signature work, handed back when the passkey is valid.
    const charges = [await throttle.charge(LIMITS.passkeyFailuresPerIp, ctx.ip)];
    const user = await passkeys.finishAuthentication(owner(details.uid, mode), asAuthenticationResponse(credential), async (userId) => {
      charges.push(await throttle.charge(LIMITS.passkeyFailuresPerAccountAndIp, `${userId}:${ctx.ip}`));
    });
    const state = await states.take(details.uid);
    if (state.userId === user.id && state.lookupCharge) charges.push(state.lookupCharge);
    await throttle.refund(charges);
    rememberedUser.set(ctx, user.id, deps.config.origin.startsWith('https:'));
    await finishForScript(provider, ctx, { login: { accountId: user.id } });
  });

  router.post('/register/options', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const user = await provenUser(details.uid);
    ctx.body = await passkeys.startRegistration(owner(details.uid, 'register'), user);
  });

  router.post('/register/verify', async (ctx) => {
    const details = await loadInteraction(provider, ctx);
    const { credential } = parseBody(registerRequest, ctx.request.body);
    const user = await provenUser(details.uid);
    const deviceName = passkeyNameFor(deps.views.i18n(ctx, details.params['ui_locales']), ctx.get('user-agent'));
    await passkeys.finishRegistration(owner(details.uid, 'register'), user, asRegistrationResponse(credential), deviceName);
    await states.clear(details.uid);
    rememberedUser.set(ctx, user.id, deps.config.origin.startsWith('https:'));
    await finishForScript(provider, ctx, { login: { accountId: user.id } });
  });

  return router;
}
