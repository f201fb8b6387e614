import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { ClientMetadata } from 'oidc-provider';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { postAsClient } from '../helpers/client-endpoints.ts';

const SECRET = 'another-secret-0123456789abcdefghijklmnop';
const OTHER_APP: ClientMetadata = {
  client_id: 'other-app',
  client_secret: SECRET,
  redirect_uris: [],
  grant_types: ['client_credentials'],
  response_types: [],
};
const API: ClientMetadata = { ...OTHER_APP, client_id: 'orders-api', resource_server_for: ['test-confidential'] };
const SECRETS: Record<string, string> = {
  'test-confidential': TEST_CLIENTS[0]!.client_secret as string,
  'other-app': SECRET,
  'orders-api': SECRET,
};

/**
 * Introspection and revocation stay within the client: a client may look at or revoke only its
 * own tokens, unless its client file names it a resource server for the client that owns them.
 */
describe(`introspection and revocation stay within the client (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ clients: [...TEST_CLIENTS, OTHER_APP, API] });
  });
  after(() => app?.destroy());

  const call = (endpoint: 'token' | 'token/introspection' | 'token/revocation', clientId: string, params: Record<string, string>) =>
    postAsClient(app.url, endpoint, clientId, params, SECRETS[clientId]);

  const tokenOf = async (clientId: string) => String((await call('token', clientId, { grant_type: 'client_credentials' })).body['access_token']);
  const active = async (clientId: string, token: string) => (await call('token/introspection', clientId, { token })).body['active'];

  test("another client's token introspects as inactive and reveals nothing", async () => {
    const token = await tokenOf('test-confidential');
    assert.equal(await active('test-confidential', token), true, 'its own client sees it');
    const seen = await call('token/introspection', 'other-app', { token });
    assert.deepEqual(seen.body, { active: false });
  });

  test("another client cannot revoke a token; it stays active", async () => {
    const token = await tokenOf('test-confidential');
    const refused = await call('token/revocation', 'other-app', { token });
    assert.equal(refused.status, 400);
    assert.equal(refused.body['error'], 'invalid_request');
    assert.equal(await active('test-confidential', token), true);
  });

  test('a client named a resource server for the owner may introspect and revoke its tokens, and no others', async () => {
    const token = await tokenOf('test-confidential');
    const seen = await call('token/introspection', 'orders-api', { token });
    assert.equal(seen.body['active'], true);
    assert.equal(seen.body['client_id'], 'test-confidential');
    const foreign = await tokenOf('other-app');
    assert.equal(await active('orders-api', foreign), false, 'not a resource server for other-app');
    assert.equal((await call('token/revocation', 'orders-api', { token })).status, 200);
    assert.equal(await active('test-confidential', token), false);
  });
});
