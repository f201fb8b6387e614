import path from 'node:path';
import { DataSource } from 'typeorm';
import { migrations } from '../../migrations/index.ts';
import { dialectTypes, type Dialect } from './dialect.ts';
import { accountLinkSchema } from './entities/account-link.ts';
import { auditEventSchema } from './entities/audit-event.ts';
import { groupMemberSchema, groupSchema } from './entities/group.ts';
import { passkeySchema } from './entities/passkey.ts';
import { signingKeySchema } from './entities/signing-key.ts';
import { userSchema } from './entities/user.ts';
import { userAttributeSchema } from './entities/user-attribute.ts';
import type { Logger } from '../lib/logger.ts';
import { ensurePrivateFile } from '../lib/private-file.ts';
import { waitUntilReachable } from '../lib/wait-until-reachable.ts';
import { isPermanentDatabaseError } from './errors.ts';

export interface DatabaseOptions {
  /** postgres://… ; unset means the embedded SQLite file in `dataDir`. */
  databaseUrl: string | undefined;
  dataDir: string;
  /** PostgreSQL schema to use instead of `public` (tests isolate runs this way). */
  schema?: string;
}

/** The embedded database file in DATA_DIR; the embedded store (no REDIS_URL) lives in it too. */
export const EMBEDDED_DATABASE_FILE = 'idp.sqlite';

export function createDataSource(options: DatabaseOptions): DataSource {
  const dialect: Dialect = options.databaseUrl ? 'postgres' : 'better-sqlite3';
  const types = dialectTypes(dialect);
  const entities = [
    userSchema(types),
    passkeySchema(types),
    signingKeySchema(types),
    groupSchema(types),
    groupMemberSchema(types),
    auditEventSchema(types),
    accountLinkSchema(types),
    userAttributeSchema(types),
  ];
  if (options.databaseUrl) {
    return new DataSource({
      type: 'postgres',
      url: options.databaseUrl,
      schema: options.schema,
      entities,
      migrations,
      migrationsTransactionMode: 'each',
      // A server that does not accept a connection within a second is treated as down (a 503), not waited for.
      connectTimeoutMS: 1_000,
      extra: {
        max: 10,
        ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
        // A query that cannot reach the server fails instead of waiting forever.
        query_timeout: 10_000,
      },
    });
  }
  const file = path.join(options.dataDir, EMBEDDED_DATABASE_FILE);
  ensurePrivateFile(file);
  return new DataSource({
    type: 'better-sqlite3',
    database: file,
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

/**
 * Connects, waiting with backoff while the server is not up yet (a wrong password or a missing
 * database stops at once), then applies pending migrations.
 */
export async function connectDatabase(dataSource: DataSource, options: ConnectOptions): Promise<void> {
  await waitUntilReachable({
    name: 'database',
    attempt: () => dataSource.initialize().then(() => undefined),
    isPermanent: isPermanentDatabaseError,
    timeoutMs: options.timeoutMs ?? 30_000,
    logger: options.logger,
    hint: 'check DATABASE_URL and that PostgreSQL is running',
  });
  if (options.runMigrations) {
    const applied = await applyMigrations(dataSource);
    if (applied.length > 0) options.logger.info({ migrations: applied }, 'migrations applied');
  }
}

/** Applies pending migrations (one instance at a time on PostgreSQL); returns their names. */
export async function applyMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await withMigrationLock(dataSource, () => dataSource.runMigrations({ transaction: 'each' }));
  return applied.map((migration) => migration.name);
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
