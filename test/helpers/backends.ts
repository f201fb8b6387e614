import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createStore } from '../../src/container.ts';
import type { KeyValueStore } from '../../src/stores/key-value.ts';

/** Tests use real PostgreSQL/Redis when these are set, the embedded defaults otherwise. */
export const DATABASE_URL = process.env['DATABASE_URL'] || undefined;
export const REDIS_URL = process.env['REDIS_URL'] || undefined;
export const BACKEND = `${DATABASE_URL ? 'postgres' : 'sqlite'}+${REDIS_URL ? 'redis' : 'memory'}`;

export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

export interface TestDatabase {
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL schema that isolates this test (undefined on SQLite, where dataDir does). */
  schema: string | undefined;
  cleanup(): Promise<void>;
}

/** A fresh, empty database for one test file: its own PostgreSQL schema, or its own SQLite file. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'idp-test-'));
  if (!DATABASE_URL) {
    return { databaseUrl: undefined, dataDir, schema: undefined, async cleanup() { rmSync(dataDir, { recursive: true, force: true }); } };
  }
  const schema = uniqueName('test');
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  await client.query(`CREATE SCHEMA "${schema}"`);
  await client.end();
  return {
    databaseUrl: DATABASE_URL,
    dataDir,
    schema,
    async cleanup() {
      const admin = new pg.Client({ connectionString: DATABASE_URL });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await admin.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface TestStore {
  store: KeyValueStore;
  prefix: string;
  cleanup(): Promise<void>;
}

/** A store for one test: Redis under a unique key prefix (deleted afterwards), or in-process. */
export function createTestStore(prefix = `${uniqueName('test')}:`): TestStore {
  const store = createStore({ redisUrl: REDIS_URL }, prefix);
  return {
    store,
    prefix,
    async cleanup() {
      await deletePrefix(prefix);
      await store.close();
    },
  };
}

export async function deletePrefix(prefix: string): Promise<void> {
  if (!REDIS_URL) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(REDIS_URL);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
