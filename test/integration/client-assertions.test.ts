import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { clientsFromFiles, relyingPartyFor } from '../helpers/file-clients.ts';
import { CALLBACK, codeRequestUrl, follow, signUpAndRegister } from '../helpers/http-flow.ts';
import { oidc } from '../helpers/relying-party.ts';

const SECRET = 'client-secret-jwt-0123456789abcdefghijkl';

async function keyPair(algorithm: EcKeyGenParams | RsaHashedKeyGenParams) {
  const pair = (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { privateKey: pair.privateKey, publicJwk: await crypto.subtle.exportKey('jwk', pair.publicKey) };
}

const RSA_PSS: RsaHashedKeyGenParams = { name: 'RSA-PSS', modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: 'SHA-256' };
const P256: EcKeyGenParams = { name: 'ECDSA', namedCurve: 'P-256' };

/** openid-client's error for a refused client: in the body, or (HTTP Basic) in WWW-Authenticate. */
function isInvalidClient(error: Error & { error?: string; cause?: unknown }): boolean {
  const challenges = Array.isArray(error.cause) ? (error.cause as Array<{ parameters?: { error?: string } }>) : [];
  return error.error === 'invalid_client' || challenges.some((c) => c.parameters?.error === 'invalid_client');
}

/**
 * Clients that authenticate with a signed assertion instead of sending their secret (RFC 7523):
 * private_key_jwt with the app's public keys inline (jwks) or fetched from its jwks_uri (http on
 * loopback here, as in development), and client_secret_jwt (an HMAC with the client_secret).
 */
describe(`client files with private_key_jwt and client_secret_jwt (${BACKEND})`, () => {
  let app: TestApp;
  let jwksServer: Server;
  const ec = keyPair(P256);
  const rsa = keyPair(RSA_PSS);

  before(async () => {
    const { publicJwk: rsaPublic } = await rsa;
    jwksServer = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [{ ...rsaPublic, kid: 'rsa-1', use: 'sig' }] }));
    });
    jwksServer.listen(0, '127.0.0.1');
    await once(jwksServer, 'listening');
    const { port } = jwksServer.address() as AddressInfo;
    const files = await clientsFromFiles({
      'inline-keys.json': {
        client_id: 'inline-keys',
        token_endpoint_auth_method: 'private_key_jwt',
        jwks: { keys: [{ ...(await ec).publicJwk, kid: 'ec-1' }] },
        redirect_uris: [CALLBACK],
        grant_types: ['authorization_code', 'client_credentials'],
        first_party: true,
      },
      'keys-at-url.yaml': `client_id: keys-at-url\ntoken_endpoint_auth_method: private_key_jwt\njwks_uri: http://127.0.0.1:${port}/jwks.json\ngrant_types: [client_credentials]\n`,
      'hmac.json': { client_id: 'hmac', client_secret: SECRET, token_endpoint_auth_method: 'client_secret_jwt', grant_types: ['client_credentials'] },
    });
    app = await startTestApp({ clients: [...TEST_CLIENTS, ...files] });
  });
  after(async () => {
    jwksServer?.close();
    await app?.destroy();
  });

  test('private_key_jwt (inline jwks): a code is redeemed with a signed assertion', async () => {
    const { browser } = await signUpAndRegister(app.url, { username: 'kim', email: 'kim@example.com' });
    const config = await relyingPartyFor(app.url, 'inline-keys', oidc.PrivateKeyJwt((await ec).privateKey));
    const { url, verifier, state } = await codeRequestUrl(config, { scope: 'openid profile' });
    const callback = await follow(browser, url);
    assert.ok(callback.href.startsWith(`${CALLBACK}?`), `ended at ${callback.href}`);
    const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.claims()?.aud, 'inline-keys');
    assert.equal(tokens.claims()?.['preferred_username'], 'kim');
  });

  test('private_key_jwt (inline jwks): client credentials; another key is refused', async () => {
    const tokens = await oidc.clientCredentialsGrant(await relyingPartyFor(app.url, 'inline-keys', oidc.PrivateKeyJwt((await ec).privateKey)));
    assert.ok(tokens.access_token);
    const stranger = await keyPair(P256);
    await assert.rejects(oidc.clientCredentialsGrant(await relyingPartyFor(app.url, 'inline-keys', oidc.PrivateKeyJwt(stranger.privateKey))), isInvalidClient);
  });

  test('private_key_jwt (jwks_uri on loopback http): PS256 assertion accepted, another key refused', async () => {
    const tokens = await oidc.clientCredentialsGrant(await relyingPartyFor(app.url, 'keys-at-url', oidc.PrivateKeyJwt({ key: (await rsa).privateKey, kid: 'rsa-1' })));
    assert.ok(tokens.access_token);
    const stranger = await keyPair(RSA_PSS);
    await assert.rejects(oidc.clientCredentialsGrant(await relyingPartyFor(app.url, 'keys-at-url', oidc.PrivateKeyJwt(stranger.privateKey))), isInvalidClient);
  });

  test('client_secret_jwt: an HS256 assertion with the secret is accepted, with another secret refused, and the plain secret too', async () => {
    const tokens = await oidc.clientCredentialsGrant(await relyingPartyFor(app.url, 'hmac', oidc.ClientSecretJwt(SECRET)));
    assert.ok(tokens.access_token);
    await assert.rejects(oidc.clientCredentialsGrant(await relyingPartyFor(app.url, 'hmac', oidc.ClientSecretJwt(`${SECRET}-not`))), isInvalidClient);
    // The registered method is the only one: sending the secret itself is refused.
    await assert.rejects(oidc.clientCredentialsGrant(await relyingPartyFor(app.url, 'hmac', oidc.ClientSecretBasic(SECRET))), isInvalidClient);
  });
});
