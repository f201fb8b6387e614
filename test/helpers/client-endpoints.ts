import { TEST_CLIENTS } from './app.ts';

/** What a client endpoint answered: the status and the JSON body (empty for an empty answer). */
export interface EndpointAnswer {
  status: number;
  body: Record<string, unknown>;
}

const testSecret = (clientId: string) => TEST_CLIENTS.find((c) => c.client_id === clientId)?.client_secret as string | undefined;

/**
 * A form POST to one of the provider's client endpoints (`token`, `token/introspection`,
 * `token/revocation`) as `clientId`, the way a relying party sends it: HTTP Basic with its secret
 * (a test client's unless given), or, for a public client, `client_id` in the body.
 */
export function requestAsClient(issuer: string, endpoint: string, clientId: string, params: Record<string, string>, secret = testSecret(clientId)): Promise<Response> {
  return fetch(`${issuer}/${endpoint}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(secret ? { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}` } : {}),
    },
    body: new URLSearchParams({ ...params, ...(secret ? {} : { client_id: clientId }) }),
  });
}

/** requestAsClient(), read into status and JSON body. */
export async function postAsClient(issuer: string, endpoint: string, clientId: string, params: Record<string, string>, secret?: string): Promise<EndpointAnswer> {
  const response = await requestAsClient(issuer, endpoint, clientId, params, secret);
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}
