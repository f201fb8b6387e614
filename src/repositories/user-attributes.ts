import { In, type DataSource } from 'typeorm';
import type { UserAttribute } from '../db/entities/user-attribute.ts';
import { guardRepository } from './guard.ts';

export interface UserAttributesRepository {
  /** Every attribute of a person, key → value, sorted by key. */
  list(userId: string): Promise<Record<string, string>>;
  /** Only the attributes named (those a client's claim mapping asks for); unset ones are absent. */
  valuesOf(userId: string, names: readonly string[]): Promise<Record<string, string>>;
  /** Sets these attributes (adding or replacing), in one statement. */
  set(userId: string, values: Readonly<Record<string, string>>): Promise<void>;
  /** Removes these attributes; returns the names that were set. */
  remove(userId: string, names: readonly string[]): Promise<string[]>;
}

export function createUserAttributesRepository(dataSource: DataSource): UserAttributesRepository {
  const attributes = dataSource.getRepository<UserAttribute>('UserAttribute');
  const asRecord = (rows: UserAttribute[]) => Object.fromEntries(rows.map((row) => [row.name, row.value]));
  return guardRepository({
    list: async (userId) => asRecord(await attributes.find({ where: { userId }, order: { name: 'ASC' } })),
    async valuesOf(userId, names) {
      if (names.length === 0) return {};
      return asRecord(await attributes.findBy({ userId, name: In([...names]) }));
    },
    async set(userId, values) {
      const updatedAt = new Date();
      const rows = Object.entries(values).map(([name, value]) => ({ userId, name, value, updatedAt }));
      if (rows.length > 0) await attributes.upsert(rows, { conflictPaths: ['userId', 'name'] });
    },
    async remove(userId, names) {
      if (names.length === 0) return [];
      // The names first, then the delete: both dialects report how many rows, not which.
      const found = (await attributes.findBy({ userId, name: In([...names]) })).map((row) => row.name);
      if (found.length > 0) await attributes.delete({ userId, name: In(found) });
      return found.sort();
    },
  });
}
