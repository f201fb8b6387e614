import type { ClientMetadata } from 'oidc-provider';
import * as oidc from 'openid-client';
import { TEST_CLIENTS } from './app.ts';
import { testFetch } from './dispatchers.ts';

/**
 * openid-client configured as one of the test clients against a running test app (http on
 * localhost, or https through the nginx helper, whose CA testFetch trusts).
 */
/** Clients a test adds to its app beyond TEST_CLIENTS, so the relying-party side can act as them. */
const extraClients: ClientMetadata[] = [];
export function knowTestClient(client: ClientMetadata): void {
  extraClients.push(client);
}

export async function discoverAs(issuer: string, clientId = 'test-confidential'): Promise<oidc.Configuration> {
  const client = [...TEST_CLIENTS, ...extraClients].find((c) => c.client_id === clientId);
  if (!client) throw new Error(`no test client ${clientId}`);
  return oidc.discovery(new URL(issuer), clientId, client.client_secret as string | undefined, client.client_secret ? undefined : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
    // openid-client's fetch options are a subset of fetch's; its body types are narrower than Node's typings.
    [oidc.customFetch]: (url, options) => testFetch(url, options as RequestInit),
  });
}

export { oidc };
