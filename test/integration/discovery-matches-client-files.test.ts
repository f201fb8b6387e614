import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadClients } from '../../src/config/clients.ts';
import { AUTH_METHODS, CLIENT_ASSERTION_ALGS, DEVICE_CODE_GRANT, GRANT_TYPES, RESPONSE_TYPES, SIGNING_ALGS } from '../../src/config/clients/supported.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';

const SECRET = 's'.repeat(40);
const web = { client_id: 'x', client_secret: SECRET, redirect_uris: ['https://app.example.com/cb'] };

/** A client file using `value` for `key`, with whatever else that value needs. */
function fileWith(key: string, value: string): Record<string, unknown> {
  switch (`${key}=${value}`) {
    case 'grant_types=refresh_token': return { ...web, grant_types: ['authorization_code', 'refresh_token'] };
    case 'grant_types=client_credentials': return { client_id: 'x', client_secret: SECRET, grant_types: ['client_credentials'] };
    case `grant_types=${DEVICE_CODE_GRANT}`: return { client_id: 'x', token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE_GRANT] };
    case 'token_endpoint_auth_method=none': return { client_id: 'x', token_endpoint_auth_method: 'none', redirect_uris: web.redirect_uris };
    case 'token_endpoint_auth_method=private_key_jwt': return { client_id: 'x', token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example.com/jwks.json', redirect_uris: web.redirect_uris };
  }
  return { ...web, [key]: key.endsWith('_types') ? [value] : value };
}

/** Whether the client-file loader accepts a file using `value` for `key`. */
async function fileAccepts(key: string, value: string): Promise<boolean> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'discovery-'));
  try {
    await writeFile(path.join(dir, 'x.json'), JSON.stringify(fileWith(key, value)));
    return await loadClients(dir, {}).then(() => true, () => false);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort();

/**
 * Discovery advertises exactly what a client file can register: every value it lists is accepted
 * in a file, the lists equal the client-file schema's, and oidc-provider's own extras are gone.
 */
describe(`discovery matches what client files accept (${BACKEND})`, () => {
  let app: TestApp;
  let metadata: Record<string, string[] | undefined>;
  before(async () => {
    app = await startTestApp();
    metadata = (await (await fetch(`${app.url}/.well-known/openid-configuration`)).json()) as typeof metadata;
  });
  after(() => app?.destroy());

  const lists: Array<[field: string, fileKey: string, accepted: readonly string[], refusedExamples: string[]]> = [
    ['response_types_supported', 'response_types', RESPONSE_TYPES, ['code id_token', 'id_token token', 'code token', 'none', 'token']],
    ['grant_types_supported', 'grant_types', GRANT_TYPES, ['password', 'urn:openid:params:grant-type:ciba', 'urn:ietf:params:oauth:grant-type:token-exchange']],
    ['token_endpoint_auth_methods_supported', 'token_endpoint_auth_method', AUTH_METHODS, ['tls_client_auth', 'self_signed_tls_client_auth']],
    ['introspection_endpoint_auth_methods_supported', 'token_endpoint_auth_method', AUTH_METHODS, []],
    ['revocation_endpoint_auth_methods_supported', 'token_endpoint_auth_method', AUTH_METHODS, []],
    ['id_token_signing_alg_values_supported', 'id_token_signed_response_alg', SIGNING_ALGS, ['HS256', 'ES384', 'Ed25519', 'none']],
    ['userinfo_signing_alg_values_supported', 'userinfo_signed_response_alg', SIGNING_ALGS, ['HS256', 'ES384', 'none']],
  ];

  for (const [field, fileKey, accepted, refusedExamples] of lists) {
    test(`${field} equals what ${fileKey} accepts`, async () => {
      assert.deepEqual(sorted(metadata[field]), sorted(accepted));
      for (const value of metadata[field] ?? []) assert.ok(await fileAccepts(fileKey, value), `a file with ${fileKey} ${value} loads`);
      for (const value of refusedExamples) {
        assert.ok(!(metadata[field] ?? []).includes(value), `${value} is not advertised`);
        assert.ok(!(await fileAccepts(fileKey, value)), `a file with ${fileKey} ${value} is refused`);
      }
    });
  }

  test('the device authorization endpoint is listed, as client files may use the device code grant', () => {
    assert.equal(metadata['device_authorization_endpoint'] as unknown, `${app.url}/device/auth`);
  });

  test('assertion signing algorithms are the same at every endpoint that authenticates clients', () => {
    for (const field of ['token_endpoint', 'introspection_endpoint', 'revocation_endpoint']) {
      assert.deepEqual(sorted(metadata[`${field}_auth_signing_alg_values_supported`]), sorted(CLIENT_ASSERTION_ALGS), field);
    }
  });

  test('the JWKS has a key for every ID token algorithm a file may pick', async () => {
    const { keys } = (await (await fetch(`${app.url}/jwks`)).json()) as { keys: Array<{ alg: string }> };
    assert.deepEqual(sorted(keys.map((key) => key.alg)), sorted(SIGNING_ALGS));
  });
});
