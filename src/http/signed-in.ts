import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountsService } from '../services/accounts.ts';

/** The provider's own session in this browser and its (active) account, if someone is signed in. */
export async function signedIn(provider: Provider, accounts: Pick<AccountsService, 'findActive'>, ctx: Context) {
  const id = ctx.cookies.get('_session', { signed: true });
  const session = id ? await provider.Session.find(id) : undefined;
  const user = session?.accountId ? await accounts.findActive(session.accountId) : null;
  return session && user ? { session, user } : undefined;
}
