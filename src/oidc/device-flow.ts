import { interactionPolicy, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { MessageKey } from '../i18n/translator.ts';
import type { PageRenderer } from './configuration.ts';

const { Check } = interactionPolicy;

/**
 * Sign-in on devices without a browser (RFC 8628): the device shows a code and /device; the
 * person opens it on their phone, types the code, signs in (our usual pages), sees which app and
 * which device asks, and allows or denies (a consent interaction: the device_confirmation check
 * below, the page in src/http/device-confirmation.ts); the device polls /token meanwhile
 * (src/oidc/device-polling.ts).
 *
 * Codes: 8 letters of oidc-provider's base-20 alphabet, BCDFGHJKLMNPQRSTVWXZ (no vowels, so no
 * 0/O, 1/I/L and no words), shown as XXXX-XXXX. oidc-provider reads what people type in upper
 * case and without anything but letters and digits: `bcdf ghjk`, `BCDF-GHJK` and `bcdfghjk` are
 * one code.
 */
export const USER_CODE_MASK = '****-****';

/**
 * The query parameter that fills in the code on the /device page. The device's
 * verification_uri_complete carries `user_code`, which oidc-provider would answer with a page that
 * submits itself by script; src/http/routes/device.ts renames it to this, so that our page (a plain
 * form) shows the code and the person continues.
 */
export const PREFILLED_CODE_PARAM = 'code';
const MAX_CODE_LENGTH = 64;

/** "BCDFGHJK" as people see it on the device: "BCDF-GHJK". */
export function formatUserCode(normalized: string): string {
  const chars = [...normalized];
  return USER_CODE_MASK.replace(/\*/g, () => chars.shift() ?? '');
}

/** Which oidc-provider routes belong to a device sign-in: the code form and the return from sign-in. */
function isDeviceSignIn(ctx: KoaContextWithOIDC): boolean {
  return ctx.oidc.route === 'code_verification' || ctx.oidc.route === 'device_resume';
}

/** The reason (in the consent prompt) that makes every device sign-in a confirmation page. */
export const DEVICE_CONFIRMATION = 'device_confirmation';

/**
 * Added to the consent prompt (oidc/interaction-policy.ts), for first-party apps too: a device is
 * connected only after the signed-in person saw which app, which device and which code, and
 * chose "Allow" in this very sign-in (RFC 8628 §5.4, remote phishing). Allow answers the consent
 * interaction (`result.consent`), which resolves this check.
 */
export function deviceConfirmationCheck() {
  return new Check(DEVICE_CONFIRMATION, 'a device sign-in is confirmed by the person every time', 'consent_required', (ctx: KoaContextWithOIDC) =>
    isDeviceSignIn(ctx) && !ctx.oidc.result?.['consent'] ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT);
}

/** What the code page says about an answer of oidc-provider's, and with which status. */
function problemOf(error: Error | undefined, out: { error?: string } | undefined): { message: MessageKey; status: number } | undefined {
  if (!error) return undefined;
  switch (error.name) {
    case 'NoCodeError': return { message: 'deviceFlow.error.empty', status: 422 };
    // Unknown and expired alike: a wrong guess learns nothing about which codes exist.
    case 'NotFoundError':
    case 'ExpiredError': return { message: 'deviceFlow.error.invalid', status: 422 };
    case 'AlreadyUsedError': return { message: 'deviceFlow.error.used', status: 422 };
    // The return from sign-in without its cookie, or after the sign-in expired.
    case 'SessionNotFound': return { message: 'deviceFlow.error.signInExpired', status: 400 };
  }
  switch (out?.error) {
    case 'temporarily_unavailable': return { message: 'deviceFlow.error.unavailable', status: 503 };
    // The form's xsrf field no longer matches the session (another tab, an old page, new cookies).
    case 'invalid_request': return { message: 'deviceFlow.error.stale', status: 400 };
  }
  return { message: 'deviceFlow.error.other', status: (error as { statusCode?: number }).statusCode ?? 500 };
}

/** A code from the query (verification_uri_complete), only if it could be one. */
function prefilledCode(ctx: KoaContextWithOIDC): string | undefined {
  const value = ctx.query[PREFILLED_CODE_PARAM];
  return typeof value === 'string' && value.length <= MAX_CODE_LENGTH ? value : undefined;
}

/**
 * The app of this device sign-in. "Deny" ends the return from the interaction before
 * oidc-provider loads the client, so from the interaction's parameters then.
 */
async function clientNameOf(ctx: KoaContextWithOIDC): Promise<string | undefined> {
  const clientId = ctx.oidc.client?.clientId ?? ctx.oidc.entities.Interaction?.params['client_id'];
  const client = typeof clientId === 'string' ? await ctx.oidc.provider.Client.find(clientId) : undefined;
  return client ? (client.clientName ?? client.clientId) : undefined;
}

/** The outcome pages are the answer to the return from sign-in, which works once: no links to load it again in another language. */
const NO_LANGUAGE_LINKS = { languageLinks: [] };

type DeviceFlowFeature = NonNullable<NonNullable<Configuration['features']>['deviceFlow']>;

/**
 * oidc-provider's device flow with our pages. Every form carries oidc-provider's `xsrf` field
 * (a secret it keeps in the session). The code form also says `confirm=yes`: the code leads
 * straight on to sign-in, and the confirmation comes after it, when we know who is signed in.
 */
export function deviceFlowFeature(deps: { renderPage: PageRenderer }): DeviceFlowFeature {
  function codePage(ctx: KoaContextWithOIDC, code: string | undefined, problem?: { message: MessageKey; status: number }) {
    const secret = ctx.oidc.session?.state?.['secret'];
    deps.renderPage(ctx, 'device', {
      title: 'deviceFlow.title',
      action: ctx.oidc.urlFor('code_verification'),
      xsrf: typeof secret === 'string' ? secret : '',
      code: code ?? '',
      error: problem?.message,
    }, problem?.status ?? 200);
  }

  return {
    enabled: true,
    charset: 'base-20',
    mask: USER_CODE_MASK,
    // The code page, empty or after a problem; "Deny" (or no access) ends here too, as AbortedError.
    async userCodeInputSource(ctx, _form, out, error) {
      if (error?.name === 'AbortedError') {
        deps.renderPage(ctx, 'device-done', { title: 'deviceFlow.denied.title', connected: false, clientName: await clientNameOf(ctx), ...NO_LANGUAGE_LINKS });
        return;
      }
      const problem = problemOf(error, out);
      const session = ctx.oidc.session;
      if (problem && session && typeof session.exp !== 'number') {
        // No stored session came with this request (no cookie, or it ended), so oidc-provider made
        // a new one, and would now fail to store it (a 500); a form without a session could not
        // work anyway. The page says so, with the way to a fresh form.
        (session as unknown as { touched: boolean }).touched = false;
        deps.renderPage(ctx, 'device', { title: 'deviceFlow.title', error: problem.message }, problem.status);
        return;
      }
      const typed = (error as { userCode?: unknown } | undefined)?.userCode;
      codePage(ctx, typeof typed === 'string' ? typed.slice(0, MAX_CODE_LENGTH) : error ? undefined : prefilledCode(ctx), problem);
    },
    // Only for a form without `confirm` (not ours): the code page again, filled in, to continue from.
    userCodeConfirmSource(ctx, _form, _client, _deviceInfo, userCode) {
      codePage(ctx, userCode);
    },
    successSource(ctx) {
      const client = ctx.oidc.client;
      deps.renderPage(ctx, 'device-done', { title: 'deviceFlow.done.title', connected: true, clientName: client?.clientName ?? client?.clientId, ...NO_LANGUAGE_LINKS });
    },
  };
}
