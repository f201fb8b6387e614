import { setTimeout as sleep } from 'node:timers/promises';
import { Redis, ReplyError } from 'ioredis';
import { DependencyUnavailableError } from '../errors.ts';
import { causeChain } from '../lib/error-causes.ts';
import { assertTtl, type KeyValueStore } from './key-value.ts';

export interface RedisStoreOptions {
  url: string;
  /** Prepended to every key, so several deployments or test runs can share one Redis. */
  prefix?: string;
}

/** How long commands issued before the first connection wait for it. */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/** Longer than any healthy command takes, short enough that a hung Redis still gives a 503 within a second. */
const COMMAND_TIMEOUT_MS = 800;

/** Replaces the value only if it is still the expected one; keeps the expiry. */
const COMPARE_AND_SWAP = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0`;

/** DECR only a live, positive counter: a refund never creates a key or goes below zero. */
const DECREMENT_EXISTING = `
local value = tonumber(redis.call('GET', KEYS[1]))
if value and value > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

/** Replies that mean "Redis cannot serve right now" rather than "this command is wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|MISCONF|NOAUTH|WRONGPASS)\b/;

/** What ioredis says when there is no usable connection. */
const CONNECTION_FAILURES = /Connection is closed|Stream isn't writeable|Command timed out|max retries per request|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH/i;

/** A closed, refused or timed-out connection, or a Redis that cannot serve (loading, read-only, no auth). */
export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  if (error instanceof ReplyError) return UNAVAILABLE_REPLIES.test(error.message);
  const code = (error as NodeJS.ErrnoException).code;
  return CONNECTION_FAILURES.test(error.message) || (typeof code === 'string' && CONNECTION_FAILURES.test(code));
}

/** Authentication problems do not heal by waiting: start-up stops at once. */
export function isRedisPermanentError(error: unknown): boolean {
  return causeChain(error).some((link) => link instanceof Error && /WRONGPASS|NOAUTH|invalid password|AUTH.*no password is set|invalid username-password/i.test(link.message));
}

/**
 * Redis-backed store, for production and for running several instances. While Redis is
 * unreachable every command fails at once (no offline queue, no retries) as a
 * DependencyUnavailableError, which the app answers with a 503; it reconnects by itself.
 */
export function createRedisStore({ url, prefix = 'idp:' }: RedisStoreOptions): KeyValueStore {
  const redis = new Redis(url, {
    keyPrefix: prefix,
    lazyConnect: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  // Scripts run by EVALSHA (loaded once per connection), keys prefixed like every other command.
  redis.defineCommand('compareAndSwap', { numberOfKeys: 1, lua: COMPARE_AND_SWAP });
  redis.defineCommand('decrementExisting', { numberOfKeys: 1, lua: DECREMENT_EXISTING });
  const scripts = redis as unknown as {
    compareAndSwap(key: string, expected: string, next: string): Promise<number>;
    decrementExisting(key: string): Promise<number>;
  };
  // Connection errors surface through command failures and /readyz; an unhandled 'error'
  // event would otherwise crash the process. The last one explains why commands fail
  // ("WRONGPASS", "ECONNREFUSED") better than "Stream isn't writeable" does.
  let connectionError: Error | undefined;
  redis.on('error', (error: Error) => {
    connectionError = error;
  });
  redis.on('ready', () => {
    connectionError = undefined;
  });

  // Until the first connection is up, commands wait for it (briefly) instead of failing: start-up
  // and the first requests must not see an outage that is only a handshake. A failed attempt
  // (refused, wrong password) ends the wait at once, so start-up can say why.
  let connectedOnce = false;
  const firstConnection = new Promise<void>((resolve) => redis.once('ready', resolve)).then(() => {
    connectedOnce = true;
  });
  const firstFailure = new Promise<void>((resolve) => redis.once('error', () => resolve()));

  async function call<T>(command: () => Promise<T>): Promise<T> {
    if (!connectedOnce) await Promise.race([firstConnection, firstFailure, sleep(FIRST_CONNECTION_WAIT_MS, undefined, { ref: false })]);
    try {
      return await command();
    } catch (error) {
      if (!isRedisOutage(error)) throw error;
      throw new DependencyUnavailableError('store', redis.status === 'ready' ? error : (connectionError ?? error));
    }
  }

  return {
    kind: 'redis',
    get: (key) => call(async () => (await redis.get(key)) ?? undefined),
    set: (key, value, ttlSeconds) =>
      call(async () => {
        assertTtl(ttlSeconds);
        await redis.set(key, value, 'EX', ttlSeconds);
      }),
    compareAndSwap: (key, expected, next) => call(async () => (await scripts.compareAndSwap(key, expected, next)) === 1),
    take: (key) => call(async () => (await redis.getdel(key)) ?? undefined),
    delete: (...keys) =>
      call(async () => {
        if (keys.length > 0) await redis.del(...keys);
      }),
    addToSet: (key, member, ttlSeconds) =>
      call(async () => {
        assertTtl(ttlSeconds);
        await redis.multi().sadd(key, member).expire(key, ttlSeconds, 'GT').expire(key, ttlSeconds, 'NX').exec();
      }),
    members: (key) => call(() => redis.smembers(key)),
    increment: (key, ttlSeconds) =>
      call(async () => {
        assertTtl(ttlSeconds);
        const result = await redis.multi().incr(key).expire(key, ttlSeconds, 'NX').exec();
        const [error, value] = result?.[0] ?? [new Error('empty MULTI reply'), null];
        if (error) throw error;
        return Number(value);
      }),
    decrement: (key) =>
      call(async () => {
        await scripts.decrementExisting(key);
      }),
    ttl: (key) =>
      call(async () => {
        const seconds = await redis.ttl(key);
        return seconds >= 0 ? seconds : undefined;
      }),
    ping: () =>
      call(async () => {
        await redis.ping();
      }),
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
