import type { User } from '../db/entities/user.ts';
import type { UsersRepository } from './users.ts';

export interface UserCacheOptions {
  /** How long a looked-up account is reused. Changes made by this process end it at once. */
  ttlMs: number;
  maxEntries: number;
  now?: () => number;
}

export interface CachedUsers {
  /** Reads through the cache: for showing and for oidc-provider's claims. */
  cached: UsersRepository;
  /** Reads the database (and refreshes the cache): for sign-in decisions, which must see a disable at once. */
  fresh: UsersRepository;
  /**
   * Keeps an account read from the database by other means (a passkey's owner, in the passkey's
   * statement) as a fresh read would: what the sign-in decided on then serves its next steps.
   */
  remember(user: User): void;
}

/**
 * One sign-in reads the same account up to four times in a second (passkey check, resume, token,
 * userinfo), each a database round trip. This keeps a looked-up account for a moment; every
 * change through this repository drops it at once. A change made by another instance or by the
 * admin CLI is seen within `ttlMs` — and what must stop at once on disable (sessions, tokens)
 * is ended in the store, not here.
 */
export function withUserCache(users: UsersRepository, { ttlMs, maxEntries, now = Date.now }: UserCacheOptions): CachedUsers {
  const entries = new Map<string, { user: User; until: number }>();
  const forget = (id: string) => void entries.delete(id);

  function remember(user: User): void {
    entries.delete(user.id);
    // Oldest first out: a Map iterates in insertion order.
    if (entries.size >= maxEntries) forget(entries.keys().next().value!);
    entries.set(user.id, { user: { ...user }, until: now() + ttlMs });
  }

  async function load(id: string): Promise<User | null> {
    const user = await users.findById(id);
    if (user) remember(user);
    else forget(id);
    return user;
  }

  const writes: UsersRepository = {
    ...users,
    async markEmailVerified(id) {
      forget(id);
      await users.markEmailVerified(id);
      forget(id);
    },
    async update(id, changes) {
      forget(id);
      await users.update(id, changes);
      forget(id);
    },
    async setDisabled(id, at) {
      forget(id);
      const changed = await users.setDisabled(id, at);
      forget(id);
      return changed;
    },
    async delete(id) {
      forget(id);
      const deleted = await users.delete(id);
      forget(id);
      return deleted;
    },
  };
  return {
    cached: {
      ...writes,
      async findById(id) {
        const cached = entries.get(id);
        // A copy: callers may change what they get.
        if (cached && cached.until > now()) return { ...cached.user };
        return load(id);
      },
    },
    fresh: { ...writes, findById: load },
    remember,
  };
}
