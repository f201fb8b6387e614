import { Redis } from 'ioredis';
import { assertTtl, type KeyValueStore } from './key-value.ts';

export interface RedisStoreOptions {
  url: string;
  /** Prepended to every key, so several deployments or test runs can share one Redis. */
  prefix?: string;
}

/**
 * Redis-backed store, for production and for running several instances. Commands are
 * issued with a bounded retry so a Redis outage turns into errors (and a 503 on /readyz)
 * instead of requests that hang forever.
 */
export function createRedisStore({ url, prefix = 'idp:' }: RedisStoreOptions): KeyValueStore {
  const redis = new Redis(url, {
    keyPrefix: prefix,
    lazyConnect: false,
    maxRetriesPerRequest: 2,
    connectTimeout: 2_000,
    enableOfflineQueue: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Connection errors surface through command failures and /readyz; an unhandled 'error'
  // event would otherwise crash the process.
  redis.on('error', () => {});

  return {
    kind: 'redis',
    async get(key) {
      return (await redis.get(key)) ?? undefined;
    },
    async set(key, value, ttlSeconds) {
      assertTtl(ttlSeconds);
      await redis.set(key, value, 'EX', ttlSeconds);
    },
    async replace(key, value) {
      return (await redis.set(key, value, 'KEEPTTL', 'XX')) === 'OK';
    },
    async take(key) {
      return (await redis.getdel(key)) ?? undefined;
    },
    async delete(...keys) {
      if (keys.length > 0) await redis.del(...keys);
    },
    async addToSet(key, member, ttlSeconds) {
      assertTtl(ttlSeconds);
      await redis.multi().sadd(key, member).expire(key, ttlSeconds, 'GT').expire(key, ttlSeconds, 'NX').exec();
    },
    async members(key) {
      return redis.smembers(key);
    },
    async increment(key, ttlSeconds) {
      assertTtl(ttlSeconds);
      const result = await redis.multi().incr(key).expire(key, ttlSeconds, 'NX').exec();
      const [error, value] = result?.[0] ?? [new Error('empty MULTI reply'), null];
      if (error) throw error;
      return Number(value);
    },
    async ttl(key) {
      const seconds = await redis.ttl(key);
      return seconds >= 0 ? seconds : undefined;
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
