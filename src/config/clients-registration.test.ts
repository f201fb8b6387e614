import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, describe, test } from 'node:test';
import { ConfigError } from '../errors.ts';
import { loadClients } from './clients.ts';

/**
 * Registration metadata beyond the basics: signed client assertions (private_key_jwt with jwks or
 * jwks_uri, client_secret_jwt), userinfo signing, default_max_age, require_auth_time, contacts,
 * back-channel logout, the id_token response type, and URIs with wildcards.
 */
const SECRET = 'k'.repeat(40);
const made: string[] = [];
after(() => Promise.all(made.map((dir) => rm(dir, { recursive: true, force: true }))));

async function load(files: Record<string, object | string>) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'clients-registration-'));
  made.push(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return { dir, result: loadClients(dir, {}) };
}

/** Exactly one problem line names `file` and `field` and matches `pattern`; none shows `hidden`. */
async function rejects(file: object, field: string, pattern: RegExp, hidden?: string) {
  const { dir, result } = await load({ 'x.json': file });
  const error = await result.then(() => assert.fail('expected a ConfigError'), (e: unknown) => e);
  assert.ok(error instanceof ConfigError, String(error));
  const prefix = `${path.join(dir, 'x.json')}: ${field}: `;
  const hits = error.lines.filter((line) => line.startsWith(prefix) && pattern.test(line));
  assert.equal(hits.length, 1, `no line "${prefix}…" matching ${pattern} in:\n${error.lines.join('\n')}`);
  if (hidden !== undefined) assert.ok(!error.lines.join('\n').includes(hidden), `"${hidden}" was shown`);
}

async function loads(file: object) {
  const [client] = await (await load({ 'x.json': file })).result;
  assert.ok(client);
  return client;
}

const web = { client_id: 'x', client_secret: SECRET, redirect_uris: ['https://app.example.com/cb'] };
const ecKey = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });
const publicJwk = () => ecKey().publicKey.export({ format: 'jwk' });
const keyClient = { client_id: 'x', token_endpoint_auth_method: 'private_key_jwt', redirect_uris: ['https://app.example.com/cb'] };

describe('client files: private_key_jwt and client_secret_jwt', () => {
  test('private_key_jwt with inline public keys, or with a jwks_uri (https, or http on loopback)', async () => {
    const jwk = { ...publicJwk(), kid: 'k1', use: 'sig', alg: 'ES256' };
    assert.deepEqual((await loads({ ...keyClient, jwks: { keys: [jwk] } })).jwks, { keys: [jwk] });
    assert.equal((await loads({ ...keyClient, jwks_uri: 'https://app.example.com/jwks.json' })).jwks_uri, 'https://app.example.com/jwks.json');
    assert.equal((await loads({ ...keyClient, jwks_uri: 'http://127.0.0.1:9000/jwks' })).token_endpoint_auth_method, 'private_key_jwt');
  });
  test('client_secret_jwt with a secret', async () => {
    assert.equal((await loads({ ...web, token_endpoint_auth_method: 'client_secret_jwt' })).token_endpoint_auth_method, 'client_secret_jwt');
  });
  test('private_key_jwt needs keys', () => rejects(keyClient, 'jwks_uri', /is missing; private_key_jwt needs the app's public keys/));
  test('private_key_jwt has no use for a secret', () => rejects({ ...keyClient, jwks_uri: 'https://a.example.com/k', client_secret: SECRET }, 'client_secret', /never used/, SECRET));
  test('client_secret_jwt needs a secret', () => rejects({ ...web, client_secret: undefined, token_endpoint_auth_method: 'client_secret_jwt' }, 'client_secret', /is missing; confidential clients \(token_endpoint_auth_method client_secret_jwt\)/));
  test('jwks and jwks_uri together', () => rejects({ ...keyClient, jwks_uri: 'https://a.example.com/k', jwks: { keys: [publicJwk()] } }, 'jwks_uri', /cannot be used together with jwks/));
  test('keys without private_key_jwt', () => rejects({ ...web, jwks_uri: 'https://a.example.com/k' }, 'jwks_uri', /only used with "token_endpoint_auth_method": "private_key_jwt" \(this client uses client_secret_basic\)/));
  test('a private key is refused, its value not shown', () => {
    const privateJwk = ecKey().privateKey.export({ format: 'jwk' });
    return rejects({ ...keyClient, jwks: { keys: [privateJwk] } }, 'jwks.keys[0]', /holds private key material \("d"\).*remove d/, String(privateJwk.d));
  });
  test('a symmetric key is refused', () => rejects({ ...keyClient, jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }, 'jwks.keys[0]', /symmetric key.*client_secret_jwt/, 'c2VjcmV0'));
  test('an EC key on another curve', () => {
    const jwk = generateKeyPairSync('ec', { namedCurve: 'P-384' }).publicKey.export({ format: 'jwk' });
    return rejects({ ...keyClient, jwks: { keys: [jwk] } }, 'jwks.keys[0]', /EC key on "P-384"; use RSA \(RS256, PS256\), EC on P-256/);
  });
  test('a broken key', () => rejects({ ...keyClient, jwks: { keys: [{ ...publicJwk(), x: 'AAAA' }] } }, 'jwks.keys[0]', /is not a valid EC public key/));
  test('an encryption key', () => rejects({ ...keyClient, jwks: { keys: [{ ...publicJwk(), use: 'enc' }] } }, 'jwks.keys[0]', /"use": "enc"/));
  test('not a key set', () => rejects({ ...keyClient, jwks: [publicJwk()] }, 'jwks', /must be an object with a list of the app's public keys/));
  test('jwks_uri over http elsewhere than loopback', () => rejects({ ...keyClient, jwks_uri: 'http://app.example.com/jwks' }, 'jwks_uri', /uses http; use https/));
});

describe('client files: userinfo signing, max age, auth time, contacts', () => {
  test('all accepted and passed to the provider', async () => {
    const client = await loads({ ...web, userinfo_signed_response_alg: 'PS256', id_token_signed_response_alg: 'PS256', default_max_age: 3600, require_auth_time: true, contacts: ['ops@example.com'] });
    assert.equal(client.userinfo_signed_response_alg, 'PS256');
    assert.equal(client.id_token_signed_response_alg, 'PS256');
    assert.equal(client.default_max_age, 3600);
    assert.equal(client.require_auth_time, true);
    assert.deepEqual(client.contacts, ['ops@example.com']);
  });
  test('absent, they stay absent (oidc-provider defaults)', async () => {
    const client = await loads(web);
    for (const key of ['userinfo_signed_response_alg', 'default_max_age', 'require_auth_time', 'contacts', 'jwks', 'jwks_uri', 'backchannel_logout_uri', 'response_modes']) {
      assert.ok(!(key in client), key);
    }
  });
  test('userinfo_signed_response_alg outside the list', () => rejects({ ...web, userinfo_signed_response_alg: 'HS256' }, 'userinfo_signed_response_alg', /"HS256" is not allowed; use one of RS256, ES256, EdDSA, PS256/));
  test('default_max_age must be whole seconds', () => rejects({ ...web, default_max_age: 1.5 }, 'default_max_age', /whole number of seconds/));
  test('default_max_age must not be negative', () => rejects({ ...web, default_max_age: -1 }, 'default_max_age', /must not be negative/));
  test('default_max_age is a number', () => rejects({ ...web, default_max_age: '3600' }, 'default_max_age', /must be a number of seconds, e.g. 86400/));
  test('require_auth_time is true or false', () => rejects({ ...web, require_auth_time: 'yes' }, 'require_auth_time', /true or false/));
  test('contacts are email addresses', () => rejects({ ...web, contacts: ['ops at example'] }, 'contacts[0]', /must be an email address/));
  test('contacts is a list', () => rejects({ ...web, contacts: 'ops@example.com' }, 'contacts', /must be a list/));
});

describe('client files: back-channel logout', () => {
  test('https, or http on loopback', async () => {
    const client = await loads({ ...web, backchannel_logout_uri: 'https://app.example.com/logout', backchannel_logout_session_required: true });
    assert.equal(client.backchannel_logout_uri, 'https://app.example.com/logout');
    assert.equal(client.backchannel_logout_session_required, true);
    assert.equal((await loads({ ...web, backchannel_logout_uri: 'http://localhost:3000/logout' })).backchannel_logout_uri, 'http://localhost:3000/logout');
  });
  test('http elsewhere', () => rejects({ ...web, backchannel_logout_uri: 'http://app.example.com/logout' }, 'backchannel_logout_uri', /uses http; use https/));
  test('a fragment', () => rejects({ ...web, backchannel_logout_uri: 'https://app.example.com/logout#x' }, 'backchannel_logout_uri', /fragment/));
  test('session_required without the URI', () => rejects({ ...web, backchannel_logout_session_required: true }, 'backchannel_logout_session_required', /no effect without backchannel_logout_uri/));
});

describe('client files: response_types id_token (form_post)', () => {
  const signInOnly = { client_id: 'x', token_endpoint_auth_method: 'none', response_types: ['id_token'], redirect_uris: ['https://app.example.com/cb'] };
  test('the implicit grant is implied, and only form_post (or query, for code) may carry the response', async () => {
    const client = await loads(signInOnly);
    assert.deepEqual(client.grant_types, ['implicit']);
    assert.deepEqual(client.response_types, ['id_token']);
    assert.deepEqual(client.response_modes, ['query', 'form_post']);
    const both = await loads({ ...web, response_types: ['code', 'id_token'], grant_types: ['authorization_code', 'implicit', 'refresh_token'] });
    assert.deepEqual(both.response_types, ['code', 'id_token']);
  });
  test('needs the implicit grant when grant_types are listed', () => rejects({ ...signInOnly, grant_types: ['authorization_code'] }, 'grant_types', /"id_token" in response_types needs the implicit grant/));
  test('implicit without id_token', () => rejects({ ...web, response_types: ['code'], grant_types: ['authorization_code', 'implicit'] }, 'grant_types', /implicit is only used with "id_token"/));
  test('http on localhost is not enough', () => rejects({ ...signInOnly, redirect_uris: ['http://localhost:3000/cb'] }, 'redirect_uris[0]', /must be https and not localhost/));
  test('nor https on localhost', () => rejects({ ...signInOnly, redirect_uris: ['https://localhost/cb'] }, 'redirect_uris[0]', /must be https and not localhost/));
  test('native apps use code', () => rejects({ ...signInOnly, application_type: 'native' }, 'response_types', /native apps use "code"/));
  test('needs a redirect URI', () => rejects({ ...signInOnly, redirect_uris: [] }, 'redirect_uris', /is empty; "id_token" needs at least one/));
});

describe('client files: wildcards never match', () => {
  test('in a redirect URI host', () => rejects({ ...web, redirect_uris: ['https://*.example.com/cb'] }, 'redirect_uris[0]', /has a wildcard \(\*\).*list each URI in full/));
  test('in a redirect URI path', () => rejects({ ...web, redirect_uris: ['https://app.example.com/*'] }, 'redirect_uris[0]', /has a wildcard/));
  test('in a post-logout redirect URI', () => rejects({ ...web, post_logout_redirect_uris: ['https://*.example.com/'] }, 'post_logout_redirect_uris[0]', /has a wildcard/));
  test('in a back-channel logout URI', () => rejects({ ...web, backchannel_logout_uri: 'https://*.example.com/logout' }, 'backchannel_logout_uri', /has a wildcard/));
});
