import type { SigningKey } from '../db/entities/signing-key.ts';

/**
 * Where a signing key is in its life, from its row's times alone (every instance agrees):
 *
 *   created ──(pending: published, never signs)──► activatesAt ──(active: signs)──► retiredAt
 *           ──(retired: published, never signs)──► retiredAt + grace ──(gone from the JWKS)
 *
 * A rotation makes the new key's activatesAt the old key's retiredAt, so exactly one key of an
 * algorithm signs at any moment, and apps had the overlap to fetch the new key before it signs.
 */
export type KeyState = 'pending' | 'active' | 'retired';

type KeyTimes = Pick<SigningKey, 'kid' | 'alg' | 'createdAt' | 'activatesAt' | 'retiredAt'>;

export function stateOf(key: KeyTimes, now: Date): KeyState {
  if (key.retiredAt !== null && key.retiredAt <= now) return 'retired';
  return key.activatesAt > now ? 'pending' : 'active';
}

/** Until when a key is in the JWKS: for ever while not retired. */
export function publishedUntil(key: KeyTimes, graceMs: number): Date | undefined {
  return key.retiredAt === null ? undefined : new Date(key.retiredAt.getTime() + graceMs);
}

const RANK: Record<KeyState, number> = { active: 0, pending: 1, retired: 2 };

/**
 * The keys to publish, in the order oidc-provider wants them: it signs with the FIRST key of an
 * algorithm in its `jwks` (a stable sort by how well a key matches, and ours all match equally).
 * So: active keys, newest activation first; then pending (soonest first) and retired ones
 * (latest retired first), which only ever verify.
 */
export function publishedInOrder<K extends KeyTimes>(keys: readonly K[], now: Date, graceMs: number): K[] {
  const time = (key: K): number => {
    const state = stateOf(key, now);
    if (state === 'active') return -key.activatesAt.getTime();
    if (state === 'pending') return key.activatesAt.getTime();
    return -(key.retiredAt as Date).getTime();
  };
  return keys
    .filter((key) => (publishedUntil(key, graceMs)?.getTime() ?? Infinity) > now.getTime())
    .sort((a, b) => RANK[stateOf(a, now)] - RANK[stateOf(b, now)] || time(a) - time(b) || b.createdAt.getTime() - a.createdAt.getTime() || a.kid.localeCompare(b.kid));
}

/** The next moment a key changes state (activates, retires, leaves the JWKS); none: no change is scheduled. */
export function nextChange(keys: readonly KeyTimes[], now: Date, graceMs: number): Date | undefined {
  const moments = keys.flatMap((key) => [key.activatesAt, key.retiredAt, publishedUntil(key, graceMs)]);
  const future = moments.filter((at): at is Date => at !== null && at !== undefined && at > now);
  return future.length === 0 ? undefined : new Date(Math.min(...future.map((at) => at.getTime())));
}
