import { IsNull, MoreThan, type DataSource } from 'typeorm';
import type { AccountLink } from '../db/entities/account-link.ts';
import { guardRepository } from './guard.ts';

export interface AccountLinksRepository {
  insert(link: AccountLink): Promise<void>;
  /** An unused, unexpired link by the hash of its secret. */
  findUsable(secretHash: string, now: Date): Promise<AccountLink | null>;
  /** Marks the link used, only if it still is usable: of two concurrent uses exactly one wins. */
  use(id: string, now: Date): Promise<boolean>;
  /** Unused, unexpired links of a kind, newest first. */
  listOpen(kind: AccountLink['kind'], now: Date): Promise<AccountLink[]>;
  revoke(id: string): Promise<boolean>;
}

export function createAccountLinksRepository(dataSource: DataSource): AccountLinksRepository {
  const links = dataSource.getRepository<AccountLink>('AccountLink');
  return guardRepository({
    async insert(link) {
      await links.insert(link);
    },
    findUsable: (secretHash, now) => links.findOneBy({ secretHash, usedAt: IsNull(), expiresAt: MoreThan(now) }),
    async use(id, now) {
      const result = await links.update({ id, usedAt: IsNull(), expiresAt: MoreThan(now) }, { usedAt: now });
      return (result.affected ?? 0) > 0;
    },
    listOpen: (kind, now) => links.find({ where: { kind, usedAt: IsNull(), expiresAt: MoreThan(now) }, order: { createdAt: 'DESC' } }),
    async revoke(id) {
      const result = await links.delete({ id });
      return (result.affected ?? 0) > 0;
    },
  });
}
