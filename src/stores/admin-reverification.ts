import type { KeyValueStore } from './key-value.ts';

/** How long one passkey ceremony on the admin page allows changes. */
export const REVERIFICATION_TTL_SECONDS = 5 * 60;

/**
 * "This admin proved it is them with a passkey, just now": a marker per provider session (its
 * uid), holding the account that proved it, which expires on its own after five minutes. A
 * session that signs in as someone else, or another browser, does not inherit it.
 */
export function createAdminReverificationStore(store: KeyValueStore) {
  const key = (sessionUid: string) => `admin-reverified:${sessionUid}`;
  return {
    async mark(sessionUid: string, userId: string): Promise<void> {
      await store.set(key(sessionUid), userId, REVERIFICATION_TTL_SECONDS);
    },
    /** Seconds the marker of this session and account still holds; 0 when there is none. */
    async secondsLeft(sessionUid: string, userId: string): Promise<number> {
      if ((await store.get(key(sessionUid))) !== userId) return 0;
      return (await store.ttl(key(sessionUid))) ?? 0;
    },
    async clear(sessionUid: string): Promise<void> {
      await store.delete(key(sessionUid));
    },
  };
}

export type AdminReverificationStore = ReturnType<typeof createAdminReverificationStore>;
