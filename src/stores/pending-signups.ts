import type { KeyValueStore } from './key-value.ts';

/** A signup waiting for the code mailed to its address. No account exists until the code is typed. */
export interface PendingSignup {
  username: string;
  email: string;
  /** Changes with every code sent, so a resend starts a fresh count of tries. */
  codeId: string;
  /** argon2id hash of the normalised code. */
  codeHash: string;
  /** Epoch milliseconds; the store entry expires then too. */
  expiresAt: number;
}

const pendingKey = (interactionUid: string) => `signup:pending:${interactionUid}`;
const attemptsKey = (codeId: string) => `signup:attempts:${codeId}`;

/** One pending signup per sign-in (interaction): its browser holds the interaction cookie. */
export function createPendingSignupStore(store: KeyValueStore) {
  const parse = (raw: string | undefined) => (raw === undefined ? undefined : (JSON.parse(raw) as PendingSignup));
  return {
    async save(interactionUid: string, signup: PendingSignup, ttlSeconds: number): Promise<void> {
      await store.set(pendingKey(interactionUid), JSON.stringify(signup), ttlSeconds);
    },
    async get(interactionUid: string): Promise<PendingSignup | undefined> {
      return parse(await store.get(pendingKey(interactionUid)));
    },
    /** Atomic get-and-delete: of two concurrent right codes, one creates the account. */
    async take(interactionUid: string): Promise<PendingSignup | undefined> {
      return parse(await store.take(pendingKey(interactionUid)));
    },
    async delete(interactionUid: string): Promise<void> {
      await store.delete(pendingKey(interactionUid));
    },
    /** Counts one typed code atomically; returns how many there have been for this code. */
    async countAttempt(codeId: string, ttlSeconds: number): Promise<number> {
      return store.increment(attemptsKey(codeId), Math.max(1, ttlSeconds));
    },
  };
}

export type PendingSignupStore = ReturnType<typeof createPendingSignupStore>;
