import { AppError } from '../errors.ts';
import type { MessageKey } from '../i18n/translator.ts';
import type { Charge, RateLimit, RateLimiter } from '../stores/rate-limits.ts';

export type { Charge };

const MINUTE = 60;
const HOUR = 60 * MINUTE;

/**
 * Abuse limits, counted in the shared store so they hold across instances. They are built to
 * stop strangers without locking out the owner or a whole office behind one address:
 * - what succeeds is handed back (a completed sign-in refunds its look-up, its email, its code);
 * - passkey limits count failures only, per IP and per (account, IP): a signature cannot be
 *   guessed, so someone else's failures never refuse the owner's valid passkey;
 * - emails for an account are limited per (account, IP), with an account-wide ceiling that the
 *   owner's own browser (the remembered-user cookie) does not count against.
 */
export const LIMITS = {
  /** Username-step look-ups that did not end in that account signing in: the enumeration budget. */
  lookupPerIp: { name: 'lookup:ip', max: 60, windowSeconds: HOUR },
  /** Signup codes sent: only a valid, free username and address is a signup attempt. */
  signupPerIp: { name: 'signup:ip', max: 10, windowSeconds: HOUR },
  passkeyFailuresPerIp: { name: 'passkey-failure:ip', max: 30, windowSeconds: 15 * MINUTE },
  passkeyFailuresPerAccountAndIp: { name: 'passkey-failure:account-ip', max: 10, windowSeconds: 15 * MINUTE },
  mailPerAccountAndIp: { name: 'mail:account-ip', max: 3, windowSeconds: 15 * MINUTE },
  mailPerAccount: { name: 'mail:account', max: 10, windowSeconds: HOUR },
  mailPerIp: { name: 'mail:ip', max: 10, windowSeconds: 15 * MINUTE },
  codePerIp: { name: 'code:ip', max: 30, windowSeconds: 15 * MINUTE },
  linkPerIp: { name: 'link:ip', max: 30, windowSeconds: 15 * MINUTE },
  /**
   * Device codes typed at /device that led nowhere (RFC 8628 §5.1): a right code is handed back.
   * 20^8 possible codes, a handful alive at a time: ten wrong ones per quarter hour get nowhere.
   */
  deviceCodePerIp: { name: 'device-code:ip', max: 10, windowSeconds: 15 * MINUTE },
} satisfies Record<string, RateLimit>;

/** What a refusal says: how long to wait, in seconds or minutes, and for signups why. */
function refusal(limit: RateLimit, seconds: number): { messageKey: MessageKey; messageVars: { count: number }; description: string } {
  const minutes = Math.ceil(seconds / 60);
  if (limit.name === LIMITS.signupPerIp.name) {
    return { messageKey: 'error.tooManySignups', messageVars: { count: minutes }, description: `Too many signups from this address; retry in ${minutes} min.` };
  }
  if (seconds < 90) {
    const count = Math.max(1, seconds);
    return { messageKey: 'error.tooMany.seconds', messageVars: { count }, description: `That was asked too often. Please wait ${count} seconds and try again.` };
  }
  return { messageKey: 'error.tooMany.minutes', messageVars: { count: minutes }, description: `That was asked too often. Please wait ${minutes} minutes and try again.` };
}

/** `onRefused`: told of every refusal (the metrics count them by limit). */
export function createThrottle(limiter: RateLimiter, options: { onRefused?: (limit: RateLimit) => void } = {}) {
  return {
    /** Counts one attempt; throws a 429 that says when to try again once the limit is reached. */
    async charge(limit: RateLimit, subject: string): Promise<Charge> {
      const result = await limiter.hit(limit, subject);
      if (result.allowed) return result.charge;
      options.onRefused?.(limit);
      throw new AppError('too_many_requests', {
        status: 429,
        ...refusal(limit, result.retryAfter),
        headers: { 'Retry-After': String(result.retryAfter) },
      });
    },
    /** Hands back attempts that succeeded: they must not use up anyone's budget. */
    async refund(charges: readonly Charge[]): Promise<void> {
      if (charges.length > 0) await limiter.refund(charges);
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
