import * as oidc from 'openid-client';
import { TEST_CLIENTS } from './app.ts';

/** openid-client configured as one of the test clients against a running test app (http on localhost). */
export async function discoverAs(issuer: string, clientId = 'test-confidential'): Promise<oidc.Configuration> {
  const client = TEST_CLIENTS.find((c) => c.client_id === clientId);
  if (!client) throw new Error(`no test client ${clientId}`);
  return oidc.discovery(new URL(issuer), clientId, client.client_secret as string | undefined, client.client_secret ? undefined : oidc.None(), {
    execute: [oidc.allowInsecureRequests],
  });
}

export { oidc };
