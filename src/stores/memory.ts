import { assertTtl, type KeyValueStore, type StoreWrite } from './key-value.ts';

interface Entry {
  value: string | Set<string>;
  expiresAt: number;
}

const SWEEP_INTERVAL_MS = 60_000;

/**
 * In-process store: the reference implementation the KeyValue suite holds the others to, and a
 * store for tests that need no file. (The app itself uses Redis or the embedded SQLite store,
 * which survive restarts.) Expired entries are invisible at once and swept every minute. Node
 * runs each method to completion without interleaving, which is what makes `take` atomic here.
 */
export function createMemoryStore(now: () => number = Date.now): KeyValueStore {
  const entries = new Map<string, Entry>();
  const sweeper = setInterval(() => {
    const time = now();
    for (const [key, entry] of entries) if (entry.expiresAt <= time) entries.delete(key);
  }, SWEEP_INTERVAL_MS);
  sweeper.unref();

  function live(key: string): Entry | undefined {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  }

  function text(entry: Entry | undefined): string | undefined {
    if (entry === undefined) return undefined;
    if (typeof entry.value !== 'string') throw new TypeError('WRONGTYPE: key holds a set');
    return entry.value;
  }

  function addToSet(key: string, member: string, ttlSeconds: number): void {
    assertTtl(ttlSeconds);
    const expiresAt = now() + ttlSeconds * 1000;
    const entry = live(key);
    if (!entry) {
      entries.set(key, { value: new Set([member]), expiresAt });
      return;
    }
    if (!(entry.value instanceof Set)) throw new TypeError('WRONGTYPE: key holds a string');
    entry.value.add(member);
    entry.expiresAt = Math.max(entry.expiresAt, expiresAt);
  }

  function write(item: StoreWrite): void {
    if (item.kind === 'addToSet') return addToSet(item.key, item.member, item.ttlSeconds);
    assertTtl(item.ttlSeconds);
    entries.set(item.key, { value: item.value, expiresAt: now() + item.ttlSeconds * 1000 });
  }

  return {
    kind: 'memory',
    async get(key) {
      return text(live(key));
    },
    async getVia(indexKey, prefix) {
      const target = text(live(indexKey));
      return target === undefined ? undefined : text(live(prefix + target));
    },
    async set(key, value, ttlSeconds) {
      write({ kind: 'set', key, value, ttlSeconds });
    },
    async writeAll(writes) {
      // Checked before any is applied: all or none.
      for (const item of writes) assertTtl(item.ttlSeconds);
      for (const item of writes) write(item);
    },
    async markConsumed(key, at) {
      const entry = live(key);
      const value = text(entry);
      if (entry === undefined || value === undefined) return { outcome: 'missing' };
      const payload = JSON.parse(value) as Record<string, unknown>;
      if (payload['consumed'] !== undefined) return { outcome: 'already', value };
      entry.value = JSON.stringify({ ...payload, consumed: at });
      return { outcome: 'marked' };
    },
    async compareAndSwap(key, expected, next) {
      const entry = live(key);
      if (!entry || text(entry) !== expected) return false;
      entry.value = next;
      return true;
    },
    async take(key) {
      const value = text(live(key));
      entries.delete(key);
      return value;
    },
    async delete(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async addToSet(key, member, ttlSeconds) {
      addToSet(key, member, ttlSeconds);
    },
    async members(key) {
      const entry = live(key);
      if (!entry) return [];
      if (!(entry.value instanceof Set)) throw new TypeError('WRONGTYPE: key holds a string');
      return [...entry.value];
    },
    async removeFromSet(key, ...members) {
      const entry = live(key);
      if (!entry) return;
      if (!(entry.value instanceof Set)) throw new TypeError('WRONGTYPE: key holds a string');
      for (const member of members) entry.value.delete(member);
      // As in Redis, a set without members is no more.
      if (entry.value.size === 0) entries.delete(key);
    },
    async increment(key, ttlSeconds) {
      assertTtl(ttlSeconds);
      const entry = live(key);
      const next = entry ? Number(text(entry)) + 1 : 1;
      if (entry) entry.value = String(next);
      else entries.set(key, { value: '1', expiresAt: now() + ttlSeconds * 1000 });
      return next;
    },
    async decrement(key) {
      const entry = live(key);
      if (entry) entry.value = String(Math.max(0, Number(text(entry)) - 1));
    },
    async ttl(key) {
      const entry = live(key);
      return entry ? Math.ceil((entry.expiresAt - now()) / 1000) : undefined;
    },
    async ping() {},
    async close() {
      clearInterval(sweeper);
      entries.clear();
    },
  };
}
