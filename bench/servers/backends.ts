// Where the servers keep their data during a run, apart from anything else on the machine: a
// PostgreSQL schema of the run's own, and a Redis logical database (BENCH_REDIS_DB, 11 unless
// set) because the product uses a fixed key prefix ("idp:"). Everything is removed afterwards.
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export type BackendName = 'embedded' | 'postgres+redis';

export interface Backend {
  name: BackendName;
  /** postgres://… as given (the run adds its own schema). */
  databaseUrl?: string;
  /** redis://… pointing at the bench's logical database. */
  redisUrl?: string;
}

export const PRODUCT_REDIS_PREFIX = 'idp:';

/** The Redis URL with the bench's database number in place of any the user gave. */
export function benchRedisUrl(redisUrl: string): string {
  const url = new URL(redisUrl);
  url.pathname = `/${process.env['BENCH_REDIS_DB'] ?? '11'}`;
  return url.href;
}

/** PostgreSQL + Redis when the environment names both (DATABASE_URL, REDIS_URL), else none. */
export function externalBackend(env: NodeJS.ProcessEnv): Backend | undefined {
  const databaseUrl = env['DATABASE_URL'] || undefined;
  const redisUrl = env['REDIS_URL'] || undefined;
  return databaseUrl && redisUrl ? { name: 'postgres+redis', databaseUrl, redisUrl: benchRedisUrl(redisUrl) } : undefined;
}

export interface Schema {
  name: string;
  /** DATABASE_URL for a child process: the schema comes first on its search_path. */
  childUrl: string;
  drop(): Promise<void>;
}

export async function createSchema(databaseUrl: string, sessionSettings: Record<string, string> = {}): Promise<Schema> {
  const name = `bench_${process.pid}_${randomBytes(4).toString('hex')}`;
  const run = async (sql: string) => {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await run(`CREATE SCHEMA "${name}"`);
  const child = new URL(databaseUrl);
  const settings = { search_path: name, ...sessionSettings };
  child.searchParams.set('options', Object.entries(settings).map(([key, value]) => `-c ${key}=${value}`).join(' '));
  return { name, childUrl: child.href, drop: () => run(`DROP SCHEMA IF EXISTS "${name}" CASCADE`) };
}

async function scanKeys(redis: Redis, pattern: string, each: (keys: string[]) => Promise<unknown>): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) await each(keys);
  } while (cursor !== '0');
}

export async function countKeys(redisUrl: string, prefix: string): Promise<number> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    let count = 0;
    await scanKeys(redis, `${prefix}*`, async (keys) => (count += keys.length));
    return count;
  } finally {
    redis.disconnect();
  }
}

export async function deleteKeys(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { lazyConnect: true });
  await redis.connect();
  try {
    await scanKeys(redis, `${prefix}*`, (keys) => redis.del(...keys));
  } finally {
    redis.disconnect();
  }
}
