import type { DataSource } from 'typeorm';
import type { Passkey } from '../db/entities/passkey.ts';
import type { User } from '../db/entities/user.ts';
import { guardRepository } from './guard.ts';
import { statementsFor } from './statements.ts';

export type NewPasskey = Omit<Passkey, 'id' | 'createdAt' | 'lastUsedAt'>;

export interface PasskeysRepository {
  listByUser(userId: string): Promise<Passkey[]>;
  countByUser(userId: string): Promise<number>;
  findByCredentialId(credentialId: string): Promise<Passkey | null>;
  /** The passkey and the account it belongs to, read together (one statement for a sign-in). */
  findByCredentialIdWithOwner(credentialId: string): Promise<{ passkey: Passkey; owner: User } | null>;
  create(passkey: NewPasskey): Promise<Passkey>;
  /**
   * Records a successful sign-in. The update only applies while the stored counter is still
   * `previousCounter`, so two racing assertions cannot both move it; false when it lost.
   */
  recordUse(id: string, previousCounter: number, changes: Pick<Passkey, 'counter' | 'backedUp'>): Promise<boolean>;
  rename(userId: string, id: string, name: string): Promise<boolean>;
  delete(userId: string, id: string): Promise<boolean>;
}

export function createPasskeysRepository(dataSource: DataSource): PasskeysRepository {
  const passkeys = dataSource.getRepository<Passkey>('Passkey');
  // A sign-in's two statements on this table, written once (statements.ts).
  const statements = statementsFor<Passkey>(dataSource, 'Passkey');
  const byCredentialId = statements.findOneBy('credentialId');
  const withOwnerByCredentialId = statements.findOneWithParent<User>('credentialId', 'User', 'userId');
  const recordUseWhileCounterIs = statements.update(['counter', 'backedUp', 'lastUsedAt'], ['id', 'counter']);
  return guardRepository({
    listByUser: (userId) => passkeys.find({ where: { userId }, order: { createdAt: 'ASC', id: 'ASC' } }),
    countByUser: (userId) => passkeys.countBy({ userId }),
    findByCredentialId: (credentialId) => byCredentialId(credentialId),
    async findByCredentialIdWithOwner(credentialId) {
      const found = await withOwnerByCredentialId(credentialId);
      return found && { passkey: found.row, owner: found.parent };
    },
    async create(passkey) {
      const row: Passkey = { ...passkey, id: crypto.randomUUID(), createdAt: new Date(), lastUsedAt: null };
      await passkeys.insert(row);
      return row;
    },
    async recordUse(id, previousCounter, changes) {
      const changed = await recordUseWhileCounterIs({ counter: changes.counter, backedUp: changes.backedUp, lastUsedAt: new Date() }, { id, counter: previousCounter });
      return changed > 0;
    },
    async rename(userId, id, name) {
      const result = await passkeys.update({ id, userId }, { name });
      return (result.affected ?? 0) > 0;
    },
    async delete(userId, id) {
      const result = await passkeys.delete({ id, userId });
      return (result.affected ?? 0) > 0;
    },
  });
}
