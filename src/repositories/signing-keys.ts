import { setTimeout as sleep } from 'node:timers/promises';
import { IsNull, type DataSource } from 'typeorm';
import type { SigningKey } from '../db/entities/signing-key.ts';
import { errorCodes } from '../lib/error-causes.ts';
import { guardRepository } from './guard.ts';

export interface SigningKeysRepository {
  /** Active keys and keys retired after `retiredSince`, oldest first: an order every instance agrees on. */
  listPublishable(retiredSince: Date): Promise<SigningKey[]>;
  /**
   * For the algorithms in `wanted` that have no active key, inserts the keys `create` makes for
   * them; returns those algorithms (none: nothing was missing). Runs under a lock, so instances
   * starting together, on an empty database or on one whose keys predate an algorithm, end up
   * with one key per algorithm.
   */
  insertMissing(wanted: readonly SigningKey['alg'][], create: (missing: SigningKey['alg'][]) => Promise<SigningKey[]>): Promise<SigningKey['alg'][]>;
}

// Arbitrary constant naming "signing key generation" among PostgreSQL advisory locks.
const KEY_GENERATION_LOCK = 7_104_221;

export function createSigningKeysRepository(dataSource: DataSource): SigningKeysRepository {
  return guardRepository({
    async listPublishable(retiredSince) {
      const rows = await dataSource
        .getRepository<SigningKey>('SigningKey')
        .find({ order: { createdAt: 'ASC', kid: 'ASC' } });
      return rows.filter((row) => row.retiredAt === null || row.retiredAt >= retiredSince);
    },
    async insertMissing(wanted, create) {
      const attempt = () =>
        dataSource.transaction(async (manager) => {
          if (dataSource.options.type === 'postgres') {
            await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_GENERATION_LOCK]);
          }
          const keys = manager.getRepository<SigningKey>('SigningKey');
          const active = new Set((await keys.findBy({ retiredAt: IsNull() })).map((key) => key.alg));
          const missing = wanted.filter((alg) => !active.has(alg));
          if (missing.length > 0) await keys.insert(await create(missing));
          return missing;
        });
      // SQLite has no advisory locks: a writer that lost the race gets SQLITE_BUSY and simply
      // tries again, and then finds the winner's keys.
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
