import type { FindAccount } from 'oidc-provider';
import { claimsOf, type AccountsService } from '../services/accounts.ts';
import { forProvider } from './unavailable.ts';

/**
 * oidc-provider's bridge to our accounts: a disabled or deleted user has no account (so their
 * refresh tokens stop working too). Groups are read only when a token's scope asks for them.
 */
export function createFindAccount(accounts: Pick<AccountsService, 'findActive'>, groupsOf: (userId: string) => Promise<string[]>): FindAccount {
  return (_ctx, sub) =>
    forProvider(async () => {
      const user = await accounts.findActive(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: async (_use, scope) => claimsOf(user, scope.split(' ').includes('groups') ? await groupsOf(user.id) : []),
      };
    });
}
