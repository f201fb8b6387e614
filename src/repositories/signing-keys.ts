import { IsNull, type DataSource } from 'typeorm';
import type { SigningKey } from '../db/entities/signing-key.ts';

export interface SigningKeysRepository {
  /** Active keys and keys retired after `retiredSince`, oldest first: an order every instance agrees on. */
  listPublishable(retiredSince: Date): Promise<SigningKey[]>;
  /**
   * Inserts the keys `create` makes, but only when no active key exists. Runs under a lock so
   * instances starting together on an empty database end up with one set of keys.
   */
  insertIfNoneActive(create: () => Promise<SigningKey[]>): Promise<boolean>;
}

// Arbitrary constant naming "signing key generation" among PostgreSQL advisory locks.
const KEY_GENERATION_LOCK = 7_104_221;

export function createSigningKeysRepository(dataSource: DataSource): SigningKeysRepository {
  return {
    async listPublishable(retiredSince) {
      const rows = await dataSource
        .getRepository<SigningKey>('SigningKey')
        .find({ order: { createdAt: 'ASC', kid: 'ASC' } });
      return rows.filter((row) => row.retiredAt === null || row.retiredAt >= retiredSince);
    },
    insertIfNoneActive(create) {
      return dataSource.transaction(async (manager) => {
        if (dataSource.options.type === 'postgres') {
          await manager.query('SELECT pg_advisory_xact_lock($1)', [KEY_GENERATION_LOCK]);
        }
        const keys = manager.getRepository<SigningKey>('SigningKey');
        if ((await keys.countBy({ retiredAt: IsNull() })) > 0) return false;
        await keys.insert(await create());
        return true;
      });
    },
  };
}
