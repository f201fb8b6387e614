import type { Router } from '@koa/router';
import { z } from 'zod';
import { AppError } from '../../../errors.ts';
import type { PasskeysService } from '../../../services/passkeys.ts';
import { LIMITS, type Throttle } from '../../../services/throttle.ts';
import type { AdminReverificationStore } from '../../../stores/admin-reverification.ts';
import { REVERIFICATION_TTL_SECONDS } from '../../../stores/admin-reverification.ts';
import { jsonBody, parseBody } from '../../middleware/body.ts';
import { asAuthenticationResponse, authenticationResponseSchema } from '../../webauthn-schemas.ts';
import { adminOf } from './access.ts';

export interface ReverifyDeps {
  passkeys: Pick<PasskeysService, 'startAuthentication' | 'finishAuthentication'>;
  throttle: Throttle;
  reverification: AdminReverificationStore;
}

const verifyRequest = z.object({ credential: authenticationResponseSchema });

/**
 * The fresh passkey ceremony before a change (public/js/admin.js runs it): a challenge for this
 * admin's passkeys only, owned by their session, user verification required. A valid assertion
 * marks the session re-verified for five minutes.
 */
export function reverifyRoutes(router: Router, deps: ReverifyDeps): void {
  const { passkeys, throttle, reverification } = deps;
  const owner = (sessionUid: string) => `admin:${sessionUid}`;

  router.post('/reverify/options', jsonBody(), async (ctx) => {
    const { user, sessionUid } = adminOf(ctx);
    ctx.body = await passkeys.startAuthentication(owner(sessionUid), user);
  });

  router.post('/reverify/verify', jsonBody(), async (ctx) => {
    const { user, sessionUid } = adminOf(ctx);
    const { credential } = parseBody(verifyRequest, ctx.request.body);
    // Failures count against the same limits as sign-in; a valid passkey hands its charges back.
    const charges = [
      await throttle.charge(LIMITS.passkeyFailuresPerIp, ctx.ip),
      await throttle.charge(LIMITS.passkeyFailuresPerAccountAndIp, `${user.id}:${ctx.ip}`),
    ];
    // The challenge was issued for this admin: another account's passkey is refused by the service.
    const proven = await passkeys.finishAuthentication(owner(sessionUid), asAuthenticationResponse(credential));
    if (proven.id !== user.id) throw new AppError('passkey_rejected', { status: 400, messageKey: 'passkeyError.otherAccount' });
    await throttle.refund(charges);
    await reverification.mark(sessionUid, user.id);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { freshFor: REVERIFICATION_TTL_SECONDS };
  });
}
