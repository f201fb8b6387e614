import type { FindAccount } from 'oidc-provider';
import { claimsOf, type AccountsService } from '../services/accounts.ts';
import { forProvider } from './unavailable.ts';

/** oidc-provider's bridge to our accounts: a disabled or deleted user has no account. */
export function createFindAccount(accounts: AccountsService): FindAccount {
  return (_ctx, sub) =>
    forProvider(async () => {
      const user = await accounts.findActive(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: () => claimsOf(user),
      };
    });
}
