import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { createStore } from '../../src/container.ts';
import type { KeyValueStore } from '../../src/stores/key-value.ts';
import { createMemoryStore } from '../../src/stores/memory.ts';
import { createSqliteStore } from '../../src/stores/sqlite.ts';

/** Tests use real PostgreSQL/Redis when these are set, the embedded defaults otherwise. */
export const DATABASE_URL = process.env['DATABASE_URL'] || undefined;
export const REDIS_URL = process.env['REDIS_URL'] || undefined;
export const BACKEND = `${DATABASE_URL ? 'postgres' : 'sqlite'}+${REDIS_URL ? 'redis' : 'embedded store'}`;

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
  /** The SQLite file of an embedded store. */
  file?: string;
  cleanup(): Promise<void>;
}

/** A store for one test as the app would make it: Redis under a unique key prefix, or the embedded SQLite store. */
export function createTestStore(prefix = `${uniqueName('test')}:`): TestStore {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'idp-store-'));
  const store = createStore({ redisUrl: REDIS_URL, dataDir }, prefix);
  return {
    store,
    prefix,
    async cleanup() {
      await deletePrefix(prefix);
      await store.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type StoreKind = KeyValueStore['kind'];

/** Every store implementation this machine can run: the KeyValue suites run on each. */
export const STORE_KINDS: StoreKind[] = ['memory', 'sqlite', ...(REDIS_URL ? (['redis'] as const) : [])];

/** A store of one kind; `file` reopens an existing SQLite store (restart tests). */
export function createStoreOfKind(kind: StoreKind, options: { prefix?: string; file?: string } = {}): TestStore {
  if (kind === 'redis') return createTestStore(options.prefix);
  if (kind === 'memory') {
    const store = createMemoryStore();
    return { store, prefix: '', cleanup: () => store.close() };
  }
  const dataDir = options.file ? undefined : mkdtempSync(path.join(tmpdir(), 'idp-store-'));
  const file = options.file ?? path.join(dataDir!, 'idp.sqlite');
  const store = createSqliteStore({ file });
  return {
    store,
    prefix: '',
    file,
    async cleanup() {
      await store.close();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
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
