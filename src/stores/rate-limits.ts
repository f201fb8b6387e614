import type { KeyValueStore } from './key-value.ts';

export interface RateLimit {
  /** Names the counter, e.g. "lookup:ip". */
  name: string;
  max: number;
  windowSeconds: number;
}

export interface RateLimitResult {
  allowed: boolean;
  /** Seconds until the window ends (when not allowed). */
  retryAfter: number;
}

/**
 * Fixed-window counters in the shared store, so limits hold across instances. Each call counts
 * one attempt against `subject` (an IP, an account id).
 */
export function createRateLimiter(store: KeyValueStore) {
  return {
    async hit(limit: RateLimit, subject: string): Promise<RateLimitResult> {
      const key = `rate:${limit.name}:${subject}`;
      const count = await store.increment(key, limit.windowSeconds);
      if (count <= limit.max) return { allowed: true, retryAfter: 0 };
      return { allowed: false, retryAfter: (await store.ttl(key)) ?? limit.windowSeconds };
    },
  };
}

export type RateLimiter = ReturnType<typeof createRateLimiter>;
