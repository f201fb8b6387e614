import type { FindAccount } from 'oidc-provider';
import { claimsOf, type AccountsService } from '../services/accounts.ts';

/** oidc-provider's bridge to our accounts: a disabled or deleted user has no account. */
export function createFindAccount(accounts: AccountsService): FindAccount {
  return async (_ctx, sub) => {
    const user = await accounts.findActive(sub);
    if (!user) return undefined;
    return {
      accountId: user.id,
      claims: () => claimsOf(user),
    };
  };
}
