import type { Client, KoaContextWithOIDC } from 'oidc-provider';
import type Provider from 'oidc-provider';

type Session = InstanceType<Provider['Session']>;

/** Client#backchannelLogout is public oidc-provider API (docs: Client), missing from its typings. */
type BackchannelClient = Client & { backchannelLogout(sub: string, sid: string | undefined): Promise<void> };

/**
 * Tells every app that signed in through `session` and registered a backchannel_logout_uri that
 * the session is over: a logout token, signed like its ID tokens, POSTed to that URI. This is what
 * oidc-provider's end-session endpoint does when someone signs out of everything; sessions we end
 * ourselves (the account page's "Sign out") call it before destroying the session. Delivery
 * failures are reported as oidc-provider's `backchannel.error` event and never stop the sign-out.
 */
export async function notifyBackchannelLogout(provider: Provider, session: Session, ctx: unknown): Promise<void> {
  const accountId = session.accountId;
  if (!accountId) return;
  const event = ctx as KoaContextWithOIDC;
  await Promise.all(
    Object.keys(session.authorizations ?? {}).map(async (clientId) => {
      const client = (await provider.Client.find(clientId).catch(() => undefined)) as BackchannelClient | undefined;
      if (!client?.backchannelLogoutUri) return;
      const sid = session.sidFor(clientId);
      try {
        await client.backchannelLogout(accountId, sid);
        provider.emit('backchannel.success', event, client, accountId, sid);
      } catch (error) {
        provider.emit('backchannel.error', event, error, client, accountId, sid);
      }
    }),
  );
}
