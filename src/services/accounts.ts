import type { User } from '../db/entities/user.ts';
import type { UsersRepository } from '../repositories/users.ts';

/** The OIDC claims we release, keyed by claim name. (A type alias: oidc-provider wants an index signature.) */
export type AccountClaims = {
  sub: string;
  preferred_username: string;
  name: string;
  email: string;
  email_verified: boolean;
};

export function claimsOf(user: User): AccountClaims {
  return {
    sub: user.id,
    preferred_username: user.username,
    name: user.name ?? user.username,
    email: user.email,
    email_verified: user.emailVerified,
  };
}

export interface AccountsService {
  /** An active (not disabled) account by id, or null. */
  findActive(id: string): Promise<User | null>;
}

export function createAccountsService(deps: { users: UsersRepository }): AccountsService {
  return {
    async findActive(id) {
      const user = await deps.users.findById(id);
      return user && user.disabledAt === null ? user : null;
    },
  };
}
