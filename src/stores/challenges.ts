import type { KeyValueStore } from './key-value.ts';

/** A WebAuthn ceremony in progress: the challenge and who it was issued for. */
export interface PendingChallenge {
  challenge: string;
  /** The user the ceremony is for; absent for usernameless (autofill) sign-in. */
  userId?: string;
}

const CHALLENGE_TTL_SECONDS = 5 * 60;

/**
 * WebAuthn challenges, keyed by whatever owns the ceremony (an interaction uid or an account
 * session). Taking one deletes it atomically: a challenge verifies at most once.
 */
export function createChallengeStore(store: KeyValueStore) {
  const key = (owner: string) => `challenge:${owner}`;
  return {
    async save(owner: string, pending: PendingChallenge): Promise<void> {
      await store.set(key(owner), JSON.stringify(pending), CHALLENGE_TTL_SECONDS);
    },
    async take(owner: string): Promise<PendingChallenge | undefined> {
      const raw = await store.take(key(owner));
      return raw === undefined ? undefined : (JSON.parse(raw) as PendingChallenge);
    },
  };
}

export type ChallengeStore = ReturnType<typeof createChallengeStore>;
