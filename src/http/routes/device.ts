import { Router } from '@koa/router';
import { AppError } from '../../errors.ts';
import { PREFILLED_CODE_PARAM } from '../../oidc/device-flow.ts';
import { LIMITS, type Charge, type Throttle } from '../../services/throttle.ts';
import type { Views } from '../views.ts';

/** oidc-provider's code page for device sign-in (RFC 8628 `verification_uri`), at its default route. */
export const DEVICE_PATH = '/device';
/** The code form is an xsrf secret, a code and `confirm`: a few hundred bytes. */
const MAX_FORM_BYTES = 2048;

/**
 * In front of oidc-provider's /device (its pages are in src/oidc/device-flow.ts):
 * - GET with `user_code` (the device's verification_uri_complete, often a QR code) shows our
 *   code page with the code filled in, instead of oidc-provider's page that submits itself by
 *   script: the person sees the code, can compare it with the device, and continues (no script).
 * - POST, a typed code, counts against a per-IP limit (RFC 8628 §5.1: codes are short, so
 *   guessing must be slow). A code that led on to sign-in is handed back: only wrong ones count.
 */
export function deviceRoutes(deps: { throttle: Throttle; views: Views }): Router {
  const { throttle, views } = deps;
  const router = new Router();

  router.get(DEVICE_PATH, async (ctx, next) => {
    const query = new URLSearchParams(ctx.querystring);
    const userCode = query.get('user_code');
    if (userCode !== null) {
      query.delete('user_code');
      if (!query.has(PREFILLED_CODE_PARAM)) query.set(PREFILLED_CODE_PARAM, userCode);
      ctx.querystring = query.toString();
    }
    await next();
  });

  router.post(DEVICE_PATH, async (ctx, next) => {
    if ((ctx.request.length ?? 0) > MAX_FORM_BYTES) throw new AppError('payload_too_large', { status: 413, description: 'The request is too large.' });
    let charge: Charge;
    try {
      charge = await throttle.charge(LIMITS.deviceCodePerIp, ctx.ip);
    } catch (error) {
      if (!(error instanceof AppError) || error.status !== 429) throw error;
      // The error page, with the way back to the code form rather than home.
      const i18n = views.i18n(ctx);
      ctx.set(error.headers);
      views.page(ctx, 'error', {
        title: 'error.title.429',
        heading: i18n.t('error.title.429'),
        error: error.code,
        description: error.messageKey ? i18n.t(error.messageKey, error.messageVars) : error.description,
        nextStep: i18n.t('error.next.429'),
        back: { href: DEVICE_PATH, label: 'deviceFlow.again' },
      }, { status: 429 });
      return;
    }
    await next();
    // A right code is answered with a redirect into sign-in or the confirmation.
    if (ctx.status === 303) await throttle.refund([charge]);
  });

  return router;
}
