import type { ClientMetadata } from 'oidc-provider';
import { ConfigError } from '../errors.ts';

/** Our own account and admin pages sign people in through the provider like any first-party app. */
export const ACCOUNT_CLIENT_ID = 'idp-account';

export function withAccountClient(clients: ClientMetadata[], issuer: string, appName: string): ClientMetadata[] {
  if (clients.some((client) => client.client_id === ACCOUNT_CLIENT_ID)) {
    throw new ConfigError([`clients: client_id "${ACCOUNT_CLIENT_ID}" is reserved for the account page; rename that client`]);
  }
  return [
    ...clients,
    {
      client_id: ACCOUNT_CLIENT_ID,
      client_name: `${appName} account`,
      token_endpoint_auth_method: 'none',
      // The account page and the admin page (src/http/account-sign-in.ts).
      redirect_uris: [`${issuer}/account/callback`, `${issuer}/admin/callback`],
      post_logout_redirect_uris: [`${issuer}/account`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      scope: 'openid',
      first_party: true,
      pkce_required: true,
    },
  ];
}
