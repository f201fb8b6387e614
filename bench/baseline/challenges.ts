// Where the baseline keeps a WebAuthn challenge between options and verify: Redis (taken with
// GETDEL, so it is used once) or a Map beside the memory adapter.
import type { Redis } from 'ioredis';

const CHALLENGE_TTL_SECONDS = 300;

export interface Challenges {
  save(uid: string, challenge: string): Promise<void>;
  /** The challenge, removed in the same step; undefined when none or already taken. */
  take(uid: string): Promise<string | undefined>;
}

export function redisChallenges(redis: Redis, prefix: string): Challenges {
  return {
    async save(uid, challenge) {
      await redis.set(`${prefix}challenge:${uid}`, challenge, 'EX', CHALLENGE_TTL_SECONDS);
    },
    async take(uid) {
      return (await redis.getdel(`${prefix}challenge:${uid}`)) ?? undefined;
    },
  };
}

export function memoryChallenges(): Challenges {
  const challenges = new Map<string, { challenge: string; expiresAt: number }>();
  return {
    async save(uid, challenge) {
      challenges.set(uid, { challenge, expiresAt: Date.now() + CHALLENGE_TTL_SECONDS * 1000 });
    },
    async take(uid) {
      const entry = challenges.get(uid);
      challenges.delete(uid);
      return entry && entry.expiresAt > Date.now() ? entry.challenge : undefined;
    },
  };
}
