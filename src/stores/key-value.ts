/** One write of several sent together (`writeAll`). */
export type StoreWrite =
  | { kind: 'set'; key: string; value: string; ttlSeconds: number }
  | { kind: 'addToSet'; key: string; member: string; ttlSeconds: number };

/** What `markConsumed` found: it marked the value, someone had already, or there is none. */
export type ConsumeOutcome = { outcome: 'marked' } | { outcome: 'already'; value: string } | { outcome: 'missing' };

/**
 * The one interface to ephemeral state (oidc-provider models, challenges, magic links, rate
 * limits). Every entry expires: there is no way to store something forever by accident.
 * Values are strings; callers own their encoding. Every operation that decides who wins
 * (take, compareAndSwap, increment) is atomic in the store itself, so it holds across instances.
 */
export interface KeyValueStore {
  readonly kind: 'redis' | 'sqlite' | 'memory';
  get(key: string): Promise<string | undefined>;
  /**
   * A look-up through an index entry: the value at `prefix` + (the value at `indexKey`), or
   * undefined when either is missing. One statement in the embedded store, one script on Redis;
   * two reads on a Redis Cluster, where a script may touch only the keys it is given.
   */
  getVia(indexKey: string, prefix: string): Promise<string | undefined>;
  /** Stores `value` for `ttlSeconds` (a whole number ≥ 1), replacing any previous value. */
  set(key: string, value: string, ttlSeconds: number): Promise<void>;
  /**
   * Replaces the value only while it is still exactly `expected`, keeping its expiry. Of several
   * concurrent swaps from the same `expected`, exactly one returns true. False when the key is gone.
   */
  compareAndSwap(key: string, expected: string, next: string): Promise<boolean>;
  /**
   * Marks a JSON object value single-use-consumed by adding `"consumed": at` at its top level,
   * keeping its expiry, in one atomic step: of several concurrent calls exactly one gets
   * 'marked'; the others get 'already' with the value as it is.
   */
  markConsumed(key: string, at: number): Promise<ConsumeOutcome>;
  /**
   * Several writes in one round trip: all or none on one Redis server or SQLite file; in a Redis
   * Cluster (keys on different nodes) each on its own, as the separate calls would be.
   */
  writeAll(writes: readonly StoreWrite[]): Promise<void>;
  /** Atomic get-and-delete: of two concurrent takes of one key, exactly one gets the value. */
  take(key: string): Promise<string | undefined>;
  delete(...keys: string[]): Promise<void>;
  /** Adds a member to a set; the set's expiry is extended to at least `ttlSeconds`. */
  addToSet(key: string, member: string, ttlSeconds: number): Promise<void>;
  members(key: string): Promise<string[]>;
  /** Takes members out of a set, its expiry unchanged; members that are not there are no error. */
  removeFromSet(key: string, ...members: string[]): Promise<void>;
  /** Increments a counter; the first increment starts its `ttlSeconds` window. Returns the new value. */
  increment(key: string, ttlSeconds: number): Promise<number>;
  /** Takes one back from a live counter (never below zero, expiry kept); a missing counter stays missing. */
  decrement(key: string): Promise<void>;
  /** Seconds until the key expires, or undefined when it does not exist. */
  ttl(key: string): Promise<number | undefined>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export function assertTtl(ttlSeconds: number): void {
  if (!Number.isInteger(ttlSeconds) || ttlSeconds < 1) {
    throw new RangeError(`TTL must be a whole number of seconds ≥ 1, got ${ttlSeconds}`);
  }
}
