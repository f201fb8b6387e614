import type { FindAccount } from 'oidc-provider';
import type { AccountsService } from '../services/accounts.ts';
import { claimMappingOfClient, claimsFor } from './claim-mapping.ts';
import { forProvider } from './unavailable.ts';

/**
 * oidc-provider's bridge to our accounts: a disabled or deleted user has no account (so their
 * refresh tokens stop working too). Groups are read only when a token's scope asks for them, and
 * attributes when the client's claim mapping does (claim-mapping.ts, per the request's client).
 */
export function createFindAccount(
  accounts: Pick<AccountsService, 'findActive'>,
  groupsOf: (userId: string) => Promise<string[]>,
  attributesOf: (userId: string, names: readonly string[]) => Promise<Record<string, string>>,
): FindAccount {
  return (ctx, sub) =>
    forProvider(async () => {
      const user = await accounts.findActive(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: (_use, scope) => claimsFor(user, scope, claimMappingOfClient(ctx.oidc.client), { groupsOf, attributesOf }),
      };
    });
}
