import type { KeyValueStore } from './key-value.ts';

export interface RateLimit {
  /** Names the counter, e.g. "lookup:ip". */
  name: string;
  max: number;
  windowSeconds: number;
}

/** One counted attempt; handing it back (a refund) uncounts it while its window lasts. */
export interface Charge {
  key: string;
}

export type RateLimitResult =
  | { allowed: true; charge: Charge }
  | { allowed: false; retryAfter: number };

/**
 * Counters in the shared store, so limits hold across instances. A subject's window starts with
 * its first attempt (not at a clock boundary, where a burst could straddle two windows and get
 * twice the limit). A refund that arrives after its window ended takes one from the next window:
 * at worst one attempt too lenient, never one too strict.
 */
export function createRateLimiter(store: KeyValueStore) {
  return {
    async hit(limit: RateLimit, subject: string): Promise<RateLimitResult> {
      const key = `rate:${limit.name}:${subject}`;
      const count = await store.increment(key, limit.windowSeconds);
      if (count <= limit.max) return { allowed: true, charge: { key } };
      return { allowed: false, retryAfter: (await store.ttl(key)) ?? limit.windowSeconds };
    },
    async refund(charges: readonly Charge[]): Promise<void> {
      await Promise.all(charges.map((charge) => store.decrement(charge.key)));
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
