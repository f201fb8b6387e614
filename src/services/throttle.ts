import { AppError } from '../errors.ts';
import type { RateLimit, RateLimiter } from '../stores/rate-limits.ts';

const MINUTE = 60;

/** Abuse limits. Counted in the shared store, so they hold across instances. */
export const LIMITS = {
  lookupPerIp: { name: 'lookup:ip', max: 30, windowSeconds: 15 * MINUTE },
  signupPerIp: { name: 'signup:ip', max: 10, windowSeconds: 60 * MINUTE },
  passkeyPerIp: { name: 'passkey:ip', max: 60, windowSeconds: 15 * MINUTE },
  passkeyPerAccount: { name: 'passkey:account', max: 20, windowSeconds: 15 * MINUTE },
  mailPerAccount: { name: 'mail:account', max: 3, windowSeconds: 15 * MINUTE },
  mailPerIp: { name: 'mail:ip', max: 10, windowSeconds: 15 * MINUTE },
  codePerIp: { name: 'code:ip', max: 30, windowSeconds: 15 * MINUTE },
  linkPerIp: { name: 'link:ip', max: 30, windowSeconds: 15 * MINUTE },
} satisfies Record<string, RateLimit>;

function wait(seconds: number): string {
  if (seconds < 90) return `${Math.max(1, seconds)} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

export function createThrottle(limiter: RateLimiter) {
  return {
    /** Counts one attempt; throws a 429 that says when to try again once the limit is reached. */
    async check(limit: RateLimit, subject: string): Promise<void> {
      const result = await limiter.hit(limit, subject);
      if (result.allowed) return;
      throw new AppError('too_many_requests', {
        status: 429,
        description: `That was asked too often. Please wait ${wait(result.retryAfter)} and try again.`,
        headers: { 'Retry-After': String(result.retryAfter) },
      });
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
