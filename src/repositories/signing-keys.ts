import { setTimeout as sleep } from 'node:timers/promises';
import { In, IsNull, type DataSource, type EntityManager, type Repository } from 'typeorm';
import type { SigningKey } from '../db/entities/signing-key.ts';
import { errorCodes } from '../lib/error-causes.ts';
import { guardRepository } from './guard.ts';

/** The key table inside a transaction that holds the key lock (see `underLock`). */
export interface LockedSigningKeys {
  listPublishable(retiredAfter: Date): Promise<SigningKey[]>;
  insert(keys: SigningKey[]): Promise<void>;
  /** Replaces a key's stored private JWK (encrypting it, or with a newer key-encryption key). */
  setPrivateJwk(kid: string, privateJwk: string): Promise<void>;
  /** Sets `retiredAt` of those keys that have none yet. */
  retire(kids: string[], at: Date): Promise<void>;
}

export interface SigningKeysRepository {
  /** Every key, oldest first (retired ones too, however long ago). */
  listAll(): Promise<SigningKey[]>;
  /**
   * Keys not retired, or retired after `retiredAfter`, oldest first: an order every instance
   * agrees on. A handful of rows: every instance reads them every minute or so.
   */
  listPublishable(retiredAfter: Date): Promise<SigningKey[]>;
  /**
   * Runs `work` in a transaction under the one lock of the key table, so instances starting
   * together (generating missing keys, encrypting them) and a rotation never interleave:
   * a PostgreSQL advisory lock; on SQLite the writer that loses the race gets SQLITE_BUSY and
   * the whole of `work` runs again, then seeing the winner's rows (so `work` must only touch the
   * database through its argument, and may run more than once).
   */
  underLock<T>(work: (keys: LockedSigningKeys) => Promise<T>): Promise<T>;
}

// Arbitrary constant naming "signing key changes" among PostgreSQL advisory locks.
const KEY_TABLE_LOCK = 7_104_221;

const oldestFirst = { createdAt: 'ASC', kid: 'ASC' } as const;

// Filtered here rather than in SQL: a few rows, and no dialect differences in comparing dates.
async function listPublishable(keys: Repository<SigningKey>, retiredAfter: Date): Promise<SigningKey[]> {
  const rows = await keys.find({ order: oldestFirst });
  return rows.filter((row) => row.retiredAt === null || row.retiredAt > retiredAfter);
}

function locked(manager: EntityManager): LockedSigningKeys {
  const keys = manager.getRepository<SigningKey>('SigningKey');
  return {
    listPublishable: (retiredAfter) => listPublishable(keys, retiredAfter),
    async insert(rows) {
      if (rows.length > 0) await keys.insert(rows);
    },
    async setPrivateJwk(kid, privateJwk) {
      await keys.update({ kid }, { privateJwk });
    },
    async retire(kids, at) {
      if (kids.length > 0) await keys.update({ kid: In(kids), retiredAt: IsNull() }, { retiredAt: at });
    },
  };
}

export function createSigningKeysRepository(dataSource: DataSource): SigningKeysRepository {
  const keys = () => dataSource.getRepository<SigningKey>('SigningKey');
  return guardRepository({
    listAll: () => keys().find({ order: oldestFirst }),
    listPublishable: (retiredAfter: Date) => listPublishable(keys(), retiredAfter),
    async underLock<T>(work: (keys: LockedSigningKeys) => Promise<T>): Promise<T> {
      const attempt = () =>
        dataSource.transaction(async (manager) => {
          if (dataSource.options.type === 'postgres') {
            await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_TABLE_LOCK]);
          }
          return work(locked(manager));
        });
      for (let tries = 1; ; tries++) {
        try {
          return await attempt();
        } catch (error) {
          if (tries >= 20 || !isSqliteBusy(error)) throw error;
          await sleep(25 * tries);
        }
      }
    },
  });
}

function isSqliteBusy(error: unknown): boolean {
  return errorCodes(error).some((code) => code.startsWith('SQLITE_BUSY'));
}
