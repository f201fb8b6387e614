import { setTimeout as sleep } from 'node:timers/promises';
import { Cluster, Redis, ReplyError, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from '../config/redis-url.ts';
import { DependencyUnavailableError } from '../errors.ts';
import { causeChain } from '../lib/error-causes.ts';
import { CommandTimeoutError, createCommandDeadline } from './command-deadline.ts';
import { assertTtl, type ConsumeOutcome, type KeyValueStore, type StoreWrite } from './key-value.ts';

export interface RedisStoreOptions {
  /** One server, a Sentinel deployment or a Cluster: see config/redis-url.ts. */
  url: string;
  /** Prepended to every key, so several deployments or test runs can share one Redis. */
  prefix?: string;
}

/** How long commands issued before the first connection wait for it. */
const FIRST_CONNECTION_WAIT_MS = 2_000;

/** Longer than any healthy command takes, short enough that a hung Redis still gives a 503 within a second. */
const COMMAND_TIMEOUT_MS = 800;

/** How often waiting commands are checked against their deadline (command-deadline.ts). */
const DEADLINE_SWEEP_MS = 50;

/** Replaces the value only if it is still the expected one; keeps the expiry. */
const COMPARE_AND_SWAP = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'KEEPTTL')
  return 1
end
return 0`;

/**
 * Adds "consumed": ARGV[1] to a JSON object unless it has a top-level `consumed` member already;
 * keeps the expiry. The text is extended rather than re-encoded, so the rest stays byte for byte.
 * Replies 1 (marked), the value (already consumed), or nil (no such key).
 */
const MARK_CONSUMED = `
local raw = redis.call('GET', KEYS[1])
if not raw then return false end
local payload = cjson.decode(raw)
if type(payload) ~= 'table' or string.sub(raw, 1, 1) ~= '{' or string.sub(raw, -1) ~= '}' then
  return redis.error_reply('ERR value is not a JSON object')
end
if payload['consumed'] ~= nil then return raw end
local separator = ','
if raw == '{}' then separator = '' end
redis.call('SET', KEYS[1], string.sub(raw, 1, -2) .. separator .. '"consumed":' .. ARGV[1] .. '}', 'KEEPTTL')
return 1`;

/**
 * A save's values and index entries in one atomic step (MULTI … EXEC took four to seven commands).
 * ARGV holds three entries per key: 'set' or 'add', the value or member, the TTL in seconds. A
 * set's expiry only ever grows (GT) or starts (NX): it must outlive its longest-lived member.
 */
const WRITE_ALL = `
for i, key in ipairs(KEYS) do
  local kind, value, ttl = ARGV[3 * i - 2], ARGV[3 * i - 1], ARGV[3 * i]
  if kind == 'set' then
    redis.call('SET', key, value, 'EX', ttl)
  else
    redis.call('SADD', key, value)
    redis.call('EXPIRE', key, ttl, 'GT')
    redis.call('EXPIRE', key, ttl, 'NX')
  end
end
return #KEYS`;

/**
 * An index entry's target in one round trip: GET the entry (KEYS[1]), then GET ARGV[1] .. its value.
 * The second key is not declared, which only a Cluster refuses (it could live in another slot), so
 * a Cluster is sent the two GETs instead (see getVia).
 */
const GET_VIA = `
local target = redis.call('GET', KEYS[1])
if not target then return false end
return redis.call('GET', ARGV[1] .. target)`;

/** INCR, the window's expiry started by its first hit: a rate-limit charge in one command. */
const INCREMENT = `
local value = redis.call('INCR', KEYS[1])
redis.call('EXPIRE', KEYS[1], ARGV[1], 'NX')
return value`;

/** DECR only a live, positive counter: a refund never creates a key or goes below zero. */
const DECREMENT_EXISTING = `
local value = tonumber(redis.call('GET', KEYS[1]))
if value and value > 0 then return redis.call('DECR', KEYS[1]) end
return 0`;

/** Replies that mean "Redis cannot serve right now" rather than "this command is wrong". */
const UNAVAILABLE_REPLIES = /^(LOADING|READONLY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|BUSY|MISCONF|NOAUTH|WRONGPASS|NOREPLICAS)\b/;

/** What ioredis says when there is no usable connection (to a server, a Sentinel's master, a Cluster). */
const CONNECTION_FAILURES = /Connection is closed|Stream isn't writeable|max retries per request|connect ETIMEDOUT|ECONNREFUSED|ECONNRESET|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|Cluster isn't ready|None of startup nodes is available|Failed to refresh slots cache|Too many Cluster redirections/i;

/**
 * A master that Sentinel has demoted answers writes with READONLY while the client still holds
 * its connection (a failover without a crash, a network split that heals). Reconnecting asks the
 * Sentinels again, or re-resolves a managed service's primary endpoint, and finds the new master.
 */
const RECONNECT_ON = /^READONLY\b/;

/** A closed, refused or timed-out connection, or a Redis that cannot serve (loading, read-only, no auth). */
export function isRedisOutage(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // A script's refused write (READONLY on a demoted master) keeps its code at the start (Redis 7).
  if (error instanceof ReplyError) return UNAVAILABLE_REPLIES.test(error.message);
  if (error instanceof CommandTimeoutError) return true;
  const code = (error as NodeJS.ErrnoException).code;
  return CONNECTION_FAILURES.test(error.message) || (typeof code === 'string' && CONNECTION_FAILURES.test(code));
}

/** Authentication problems and a master name no Sentinel knows do not heal by waiting: start-up stops at once. */
export function isRedisPermanentError(error: unknown): boolean {
  return causeChain(error).some((link) => link instanceof Error && /WRONGPASS|NOAUTH|invalid password|AUTH.*no password is set|invalid username-password|No such master with that name/i.test(link.message));
}

/**
 * How long a reconnect to a Sentinel's master or a Cluster waits: a failover takes a few seconds
 * and the new master should be found within half a second of it. (Asking a Sentinel is cheap.)
 */
const reconnectDelay = (attempt: number) => Math.min(attempt * 100, 500);

/**
 * Every connection's commands give up fast and are not retried. Commands issued in the same
 * tick (by concurrent requests, or a request's parallel look-ups) leave in one write.
 */
const CONNECTION_OPTIONS = {
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  // No commandTimeout: the store keeps one deadline for all commands (command-deadline.ts).
  connectTimeout: 2_000,
  reconnectOnError: (error: Error) => RECONNECT_ON.test(error.message),
} satisfies RedisOptions;

/** And while there is no connection, every command fails at once instead of waiting in a queue. */
const FAIL_FAST = { ...CONNECTION_OPTIONS, enableOfflineQueue: false } satisfies RedisOptions;

/**
 * The ioredis client for a target. Sentinel: the client asks the Sentinels for the master, and
 * asks again whenever it reconnects; the failover detector also drops the connection as soon as
 * a Sentinel announces a new master (+switch-master), so a demoted but living master is left at once.
 * Cluster: ioredis routes each key to its slot's master; see `delete` for multi-key commands.
 */
function connect(target: RedisTarget, prefix: string): Redis | Cluster {
  if (target.kind === 'single') {
    return new Redis(target.url, { keyPrefix: prefix, lazyConnect: false, ...FAIL_FAST, retryStrategy: (attempt) => Math.min(attempt * 200, 2_000) });
  }
  const auth = { ...(target.username ? { username: target.username } : {}), ...(target.password ? { password: target.password } : {}) };
  if (target.kind === 'sentinel') {
    return new Redis({
      sentinels: target.sentinels,
      name: target.name,
      role: 'master',
      db: target.db,
      ...auth,
      ...(target.sentinelUsername ? { sentinelUsername: target.sentinelUsername } : {}),
      ...(target.sentinelPassword ? { sentinelPassword: target.sentinelPassword } : {}),
      ...(target.tls ? { tls: {}, enableTLSForSentinelMode: true, sentinelTLS: {} } : {}),
      failoverDetector: true,
      // A Sentinel that hangs must not hold up the reconnect: the next one is asked.
      sentinelCommandTimeout: COMMAND_TIMEOUT_MS,
      sentinelRetryStrategy: reconnectDelay,
      keyPrefix: prefix,
      ...FAIL_FAST,
      retryStrategy: reconnectDelay,
    });
  }
  return new Cluster(target.nodes, {
    keyPrefix: prefix,
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    scaleReads: 'master',
    clusterRetryStrategy: reconnectDelay,
    // ioredis retries a command on MOVED/ASK and waits out a failover or CLUSTERDOWN; bounded here so
    // that a command still gives up (a 503) within about a second.
    maxRedirections: 4,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    retryDelayOnTryAgain: 100,
    slotsRefreshTimeout: COMMAND_TIMEOUT_MS,
    // The Cluster fails fast itself (above); its node connections connect lazily through their queue.
    redisOptions: { ...auth, ...(target.tls ? { tls: {} } : {}), ...CONNECTION_OPTIONS },
  });
}

/**
 * A Sentinel client of ioredis (6.0) ends for good when a failover notice (+switch-master) cuts short
 * a reconnect that is waiting for a Sentinel's answer: the dropped connection's failover detector is
 * still subscribed and closes the connector mid-way, and ioredis takes the failed connect as final.
 * Every command would then fail until a restart. A store still in use starts the client over.
 */
function restartWhenGivenUp(redis: Redis, isClosed: () => boolean): void {
  redis.on('end', () => {
    if (isClosed()) return;
    setTimeout(() => {
      if (!isClosed() && redis.status === 'end') redis.connect().catch(() => undefined);
    }, reconnectDelay(1)).unref();
  });
}

/** The WRITE_ALL script's arguments for some writes: the key count, the keys, three entries per key. */
function writeAllArguments(writes: readonly StoreWrite[]): Array<string | number> {
  const keys = writes.map((item) => item.key);
  const entries = writes.flatMap((item) => (item.kind === 'set' ? ['set', item.value, item.ttlSeconds] : ['add', item.member, item.ttlSeconds]));
  return [writes.length, ...keys, ...entries];
}

/**
 * Redis-backed store, for production and for running several instances. While Redis is
 * unreachable every command fails at once (no offline queue, no retries) as a
 * DependencyUnavailableError, which the app answers with a 503; it reconnects by itself, to the
 * new master after a Sentinel or Cluster failover.
 */
export function createRedisStore({ url, prefix = 'idp:' }: RedisStoreOptions): KeyValueStore {
  const target = parseRedisUrl(url);
  if ('problem' in target) throw new Error(`REDIS_URL: ${target.problem}`);
  // A { in the prefix would make it the hash tag of every key: a Cluster would put all in one slot.
  if (target.kind === 'cluster' && prefix.includes('{')) throw new Error(`the Redis key prefix must not contain "{" with a Cluster`);
  const redis = connect(target, prefix);
  // Scripts run by EVALSHA (loaded once per connection), keys prefixed like every other command.
  redis.defineCommand('compareAndSwap', { numberOfKeys: 1, lua: COMPARE_AND_SWAP });
  redis.defineCommand('decrementExisting', { numberOfKeys: 1, lua: DECREMENT_EXISTING });
  redis.defineCommand('markConsumed', { numberOfKeys: 1, lua: MARK_CONSUMED });
  redis.defineCommand('writeAll', { lua: WRITE_ALL });
  redis.defineCommand('incrementInWindow', { numberOfKeys: 1, lua: INCREMENT });
  redis.defineCommand('getVia', { numberOfKeys: 1, lua: GET_VIA });
  const scripts = redis as unknown as {
    writeAll(...keyCountKeysAndEntries: Array<string | number>): Promise<number>;
    incrementInWindow(key: string, ttlSeconds: number): Promise<number>;
    compareAndSwap(key: string, expected: string, next: string): Promise<number>;
    markConsumed(key: string, at: number): Promise<number | string | null>;
    decrementExisting(key: string): Promise<number>;
    getVia(indexKey: string, fullPrefix: string): Promise<string | null>;
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
  let closed = false;
  if (target.kind === 'sentinel') restartWhenGivenUp(redis as Redis, () => closed);

  // Until the first connection is up, commands wait for it (briefly) instead of failing: start-up
  // and the first requests must not see an outage that is only a handshake. A failed attempt
  // (refused, wrong password) ends the wait at once, so start-up can say why.
  let connectedOnce = false;
  const firstConnection = new Promise<void>((resolve) => redis.once('ready', resolve)).then(() => {
    connectedOnce = true;
  });
  const firstFailure = new Promise<void>((resolve) => redis.once('error', () => resolve()));

  const withinDeadline = createCommandDeadline(COMMAND_TIMEOUT_MS, DEADLINE_SWEEP_MS);
  async function call<T>(command: () => Promise<T>): Promise<T> {
    if (!connectedOnce) await Promise.race([firstConnection, firstFailure, sleep(FIRST_CONNECTION_WAIT_MS, undefined, { ref: false })]);
    try {
      return await withinDeadline(command());
    } catch (error) {
      if (!isRedisOutage(error)) throw error;
      throw new DependencyUnavailableError('store', redis.status === 'ready' ? error : (connectionError ?? error));
    }
  }

  return {
    kind: 'redis',
    get: (key) => call(async () => (await redis.get(key)) ?? undefined),
    getVia: (indexKey, valuePrefix) =>
      call(async () => {
        // Token and userinfo requests find their session this way: one round trip where it can be.
        // ioredis prefixes a script's KEYS, not its ARGV: the target's key gets the store's prefix here.
        if (target.kind !== 'cluster') return (await scripts.getVia(indexKey, prefix + valuePrefix)) ?? undefined;
        const found = await redis.get(indexKey);
        return found === null ? undefined : ((await redis.get(valuePrefix + found)) ?? undefined);
      }),
    set: (key, value, ttlSeconds) =>
      call(async () => {
        assertTtl(ttlSeconds);
        await redis.set(key, value, 'EX', ttlSeconds);
      }),
    compareAndSwap: (key, expected, next) => call(async () => (await scripts.compareAndSwap(key, expected, next)) === 1),
    markConsumed: (key, at) =>
      call(async (): Promise<ConsumeOutcome> => {
        const reply = await scripts.markConsumed(key, at);
        if (reply === 1) return { outcome: 'marked' };
        return typeof reply === 'string' ? { outcome: 'already', value: reply } : { outcome: 'missing' };
      }),
    writeAll: (writes) =>
      call(async () => {
        for (const item of writes) assertTtl(item.ttlSeconds);
        if (writes.length === 0) return;
        const [only] = writes;
        // One value alone (a client-credentials token, a challenge) needs no transaction around it.
        if (writes.length === 1 && only?.kind === 'set') {
          await redis.set(only.key, only.value, 'EX', only.ttlSeconds);
          return;
        }
        // A Cluster refuses a script over keys of different slots: there each write goes on its own,
        // values before the indexes that point at them, so an index never names what is not there yet
        // (listing a person's sessions tidies away ids without a value).
        if (target.kind === 'cluster') {
          await Promise.all(writes.flatMap((item) => (item.kind === 'set' ? [redis.set(item.key, item.value, 'EX', item.ttlSeconds)] : [])));
          await Promise.all(writes.flatMap((item) => (item.kind === 'addToSet' ? [scripts.writeAll(...writeAllArguments([item]))] : [])));
          return;
        }
        await scripts.writeAll(...writeAllArguments(writes));
      }),
    take: (key) => call(async () => (await redis.getdel(key)) ?? undefined),
    delete: (...keys) =>
      call(async () => {
        if (keys.length === 0) return;
        // A Cluster refuses one DEL over keys of different slots (CROSSSLOT). The keys deleted together
        // (a grant's tokens, a magic link and its attempt counter) need not go at the same instant, so
        // a Cluster gets one DEL per key rather than hash tags that would rename keys in use.
        if (target.kind === 'cluster') await Promise.all(keys.map((key) => redis.del(key)));
        else await redis.del(...keys);
      }),
    addToSet: (key, member, ttlSeconds) =>
      call(async () => {
        assertTtl(ttlSeconds);
        await scripts.writeAll(...writeAllArguments([{ kind: 'addToSet', key, member, ttlSeconds }]));
      }),
    members: (key) => call(() => redis.smembers(key)),
    removeFromSet: (key, ...members) =>
      call(async () => {
        if (members.length > 0) await redis.srem(key, ...members);
      }),
    increment: (key, ttlSeconds) =>
      call(async () => {
        assertTtl(ttlSeconds);
        return Number(await scripts.incrementInWindow(key, ttlSeconds));
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
      closed = true;
      await redis.quit().catch(() => undefined);
      // Also ends what QUIT leaves open: the failover detector's Sentinel subscriptions, a reconnect timer.
      redis.disconnect();
    },
  };
}
