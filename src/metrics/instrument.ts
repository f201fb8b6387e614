import type Provider from 'oidc-provider';
import { DEVICE_CODE_GRANT } from '../config/clients/supported.ts';
import { AppError } from '../errors.ts';
import type { MagicLinksService } from '../services/magic-links.ts';
import type { Mailer } from '../services/mailer.ts';
import type { PasskeysService } from '../services/passkeys.ts';
import type { SignupsService } from '../services/signups.ts';
import type { MailKind, Metrics } from './registry.ts';

/**
 * Counting at the composition root: each wrapper returns the service unchanged but for the one
 * call it counts, so routes and services know nothing of metrics, and every sign-in is counted
 * where its proof is checked, whichever route or page asked.
 */

/** One mailer per kind of mail: sent is delivered to the mail server (or outbox), failed is not. */
export function countMail(mailer: Mailer, metrics: Metrics, kind: MailKind): Mailer {
  return {
    async send(message, options) {
      try {
        await mailer.send(message, options);
      } catch (error) {
        metrics.mail(kind, false);
        throw error;
      }
      metrics.mail(kind, true);
    },
    close: () => mailer.close(),
  };
}

/**
 * Passkey sign-ins: success when the assertion verified, failure when the passkey was refused
 * (unknown, wrong signature, replayed, expired challenge). A rate-limit refusal or an outage is
 * no verdict on the passkey and is counted elsewhere (refusals, dependency_up, 5xx latency).
 */
export function countPasskeySignIns(passkeys: PasskeysService, metrics: Metrics): PasskeysService {
  return {
    ...passkeys,
    async finishAuthentication(...args) {
      try {
        const user = await passkeys.finishAuthentication(...args);
        metrics.signIn('passkey', true);
        return user;
      } catch (error) {
        if (error instanceof AppError && error.code === 'passkey_rejected') metrics.signIn('passkey', false);
        throw error;
      }
    },
  };
}

/** Emailed sign-ins: every checked link or typed code that did not sign in is a failure. */
export function countEmailSignIns(magicLinks: MagicLinksService, metrics: Metrics): MagicLinksService {
  return {
    ...magicLinks,
    async confirmLink(...args) {
      const result = await magicLinks.confirmLink(...args);
      metrics.signIn('email_link', result.ok);
      return result;
    },
    async confirmCode(...args) {
      const result = await magicLinks.confirmCode(...args);
      metrics.signIn('email_code', result.ok);
      return result;
    },
  };
}

/** Signups: success when the mailed code created the account; a wrong code, or a name taken meanwhile, fails. */
export function countSignups(signups: SignupsService, metrics: Metrics): SignupsService {
  return {
    ...signups,
    async verify(...args) {
      const result = await signups.verify(...args);
      metrics.signIn('signup', result.ok);
      return result;
    },
  };
}

/**
 * Tokens, from oidc-provider's own events: `grant.success` after every token endpoint response
 * (by the grant type it accepted), and `authorization.success` for an ID token issued straight
 * from the authorization endpoint (response_type=id_token, no code).
 */
export function countTokens(provider: Provider, metrics: Metrics): void {
  provider.on('grant.success', (ctx) => {
    const grant = String(ctx.oidc.params?.['grant_type']);
    metrics.tokensIssued(grant === DEVICE_CODE_GRANT ? 'device_code' : grant);
  });
  provider.on('authorization.success', (_ctx, response) => {
    if (response && response['code'] === undefined && response['id_token'] !== undefined) metrics.tokensIssued('implicit');
  });
}
