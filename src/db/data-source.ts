import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.ts';
import { dialectTypes, type Dialect } from './dialect.ts';
import { passkeySchema } from './entities/passkey.ts';
import { signingKeySchema } from './entities/signing-key.ts';
import { userSchema } from './entities/user.ts';
import type { Logger } from '../lib/logger.ts';

export interface DatabaseOptions {
  /** postgres://… ; unset means the embedded SQLite file in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use instead of `public` (tests isolate runs this way). */
  schema?: string;
}

export function createDataSource(options: DatabaseOptions): DataSource {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'better-sqlite3';
  const types = dialectTypes(dialect);
  const entities = [userSchema(types), passkeySchema(types), signingKeySchema(types)];
  if (options.databaseUrl) {
    return new DataSource({
      type: 'postgres',
      url: options.databaseUrl,
      schema: options.schema,
      entities,
      migrations,
      migrationsTransactionMode: 'each',
      connectTimeoutMS: 3_000,
      extra: {
        max: 10,
        ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
        // A query that cannot reach the server fails instead of waiting forever.
        query_timeout: 10_000,
      },
    });
  }
  mkdirSync(options.dataDir, { recursive: true });
  return new DataSource({
    type: 'better-sqlite3',
    database: path.join(options.dataDir, 'idp.sqlite'),
    entities,
    migrations,
    migrationsTransactionMode: 'each',
    enableWAL: true,
    prepareDatabase: (db: { pragma(sql: string): unknown }) => {
      db.pragma('foreign_keys = ON');
      db.pragma('busy_timeout = 5000');
    },
  });
}

export interface ConnectOptions {
  runMigrations: boolean;
  /** Give up after this long; the database may still be starting (docker compose). */
  timeoutMs?: number;
  logger: Logger;
}

/** Connects with exponential backoff, then applies pending migrations. */
export async function connectDatabase(dataSource: DataSource, options: ConnectOptions): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 30_000);
  let delay = 250;
  for (let attempt = 1; ; attempt++) {
    try {
      await dataSource.initialize();
      break;
    } catch (error) {
      if (Date.now() + delay > deadline) {
        throw new Error(`database unreachable after ${attempt} attempts: ${(error as Error).message}`, { cause: error });
      }
      options.logger.warn({ attempt, retryInMs: delay, err: (error as Error).message }, 'database not reachable yet');
      await sleep(delay);
      delay = Math.min(delay * 2, 4_000);
    }
  }
  if (options.runMigrations) {
    const applied = await withMigrationLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
    if (applied.length > 0) options.logger.info({ migrations: applied.map((m) => m.name) }, 'migrations applied');
  }
}

// Arbitrary constant naming "schema migrations" among PostgreSQL advisory locks.
const MIGRATION_LOCK = 7_104_220;

/**
 * Instances started together (docker compose scale, rolling deploys) must not migrate at the
 * same time: on PostgreSQL the first takes a session lock, the others wait and then find
 * nothing pending. The embedded database serves one instance only.
 */
async function withMigrationLock<T>(dataSource: DataSource, work: () => Promise<T>): Promise<T> {
  if (dataSource.options.type !== 'postgres') return work();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    try {
      return await work();
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]);
    }
  } finally {
    await runner.release();
  }
}

export async function pingDatabase(dataSource: DataSource): Promise<void> {
  await dataSource.query('SELECT 1');
}
