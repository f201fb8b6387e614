import type { DataSource } from 'typeorm';
import type { User } from '../db/entities/user.ts';
import { guardRepository } from './guard.ts';
import { statementsFor } from './statements.ts';

export type NewUser = Pick<User, 'username' | 'email'> & Partial<Pick<User, 'name' | 'emailVerified'>>;

export interface UsersRepository {
  findById(id: string): Promise<User | null>;
  /** Looks a user up by username or email; callers pass the lower-cased form. */
  findByLogin(login: string): Promise<User | null>;
  create(user: NewUser): Promise<User>;
  markEmailVerified(id: string): Promise<void>;
  update(id: string, changes: Partial<Pick<User, 'name' | 'username'>>): Promise<void>;
  /** Accounts whose username, email or name contains `text` (any case), by username. */
  search(text: string | undefined, limit: number): Promise<User[]>;
  /** Disables (a date) or enables (null) an account; false when there is no such account. */
  setDisabled(id: string, at: Date | null): Promise<boolean>;
  /** Deletes the account; its passkeys, group memberships and links go with it (foreign keys). */
  delete(id: string): Promise<boolean>;
}

export function createUsersRepository(dataSource: DataSource): UsersRepository {
  const users = dataSource.getRepository<User>('User');
  // The account by id: read by every step of a sign-in the cache does not serve (statements.ts).
  const byId = statementsFor<User>(dataSource, 'User').findOneBy('id');
  return guardRepository({
    findById: (id) => byId(id),
    findByLogin: (login) => users.findOne({ where: [{ username: login }, { email: login }] }),
    async create(user) {
      const now = new Date();
      const row: User = {
        id: crypto.randomUUID(),
        username: user.username,
        email: user.email,
        emailVerified: user.emailVerified ?? false,
        name: user.name ?? null,
        createdAt: now,
        updatedAt: now,
        disabledAt: null,
      };
      await users.insert(row);
      return row;
    },
    async markEmailVerified(id) {
      await users.update({ id }, { emailVerified: true, updatedAt: new Date() });
    },
    async update(id, changes) {
      await users.update({ id }, { ...changes, updatedAt: new Date() });
    },
    search(text, limit) {
      const query = users.createQueryBuilder('u').orderBy('u.username', 'ASC').take(limit);
      if (text) {
        const pattern = `%${text.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        query.where("(u.username LIKE :pattern ESCAPE '\\' OR u.email LIKE :pattern ESCAPE '\\' OR LOWER(u.name) LIKE :pattern ESCAPE '\\')", { pattern });
      }
      return query.getMany();
    },
    async setDisabled(id, at) {
      const result = await users.update({ id }, { disabledAt: at, updatedAt: new Date() });
      return (result.affected ?? 0) > 0;
    },
    async delete(id) {
      const result = await users.delete({ id });
      return (result.affected ?? 0) > 0;
    },
  });
}
