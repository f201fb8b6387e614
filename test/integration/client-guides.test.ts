import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { createRemoteJWKSet, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { loadClientFiles, type LoadedClient } from '../../src/config/clients.ts';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { follow, HttpBrowser, interactionUid, signInWithPasskey, signUpAndRegister } from '../helpers/http-flow.ts';
import { oidc } from '../helpers/relying-party.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

/**
 * docs/clients/: every client file loads with the real loader, and for each app the request it
 * sends (as read in its documentation and source, see each page) is replayed against a provider
 * running that file: a passkey sign-in, the code redeemed the way the app does, the claims the
 * app reads, and its logout. Nothing listens at the apps' addresses: the callback is read from
 * the Location header, as the app's browser would follow it.
 */
const DOCS = fileURLToPath(new URL('../../docs/clients/', import.meta.url));

type TokenAuth = 'client_secret_basic' | 'client_secret_post';

interface AppRequest {
  app: string;
  clientId: string;
  redirectUri: string;
  scope: string;
  pkce: boolean;
  nonce: boolean;
  /** Further authorization parameters the app sends. */
  extra?: Record<string, string>;
  tokenAuth: TokenAuth;
  /** Where the app reads the person from. */
  claimsFrom: 'id_token' | 'userinfo' | 'both';
  /** The claims the app needs (its username, display name and email mappings). */
  reads: string[];
  /** The end-session request the app sends, and where the browser lands afterwards (null: our "signed out" page). */
  logout?: (idToken: string) => { query: Record<string, string>; lands: string | null };
}

const NEXTCLOUD_CLAIMS = JSON.stringify({
  id_token: { email: null, name: null, quota: null, groups: null },
  userinfo: { email: null, name: null, quota: null, groups: null },
});

const APPS: AppRequest[] = [
  {
    app: 'Grafana (generic_oauth, use_pkce)', clientId: 'grafana', redirectUri: 'https://grafana.example.com/login/generic_oauth',
    scope: 'openid profile email', pkce: true, nonce: false, tokenAuth: 'client_secret_basic', claimsFrom: 'both',
    reads: ['sub', 'preferred_username', 'name', 'email'],
    logout: (idToken) => ({ query: { post_logout_redirect_uri: 'https://grafana.example.com/login', id_token_hint: idToken }, lands: 'https://grafana.example.com/login' }),
  },
  {
    app: 'Nextcloud (user_oidc)', clientId: 'nextcloud', redirectUri: 'https://cloud.example.com/index.php/apps/user_oidc/code',
    scope: 'openid email profile', pkce: true, nonce: true, extra: { claims: NEXTCLOUD_CLAIMS }, tokenAuth: 'client_secret_post', claimsFrom: 'id_token',
    reads: ['sub', 'name', 'email'],
    logout: () => ({ query: { post_logout_redirect_uri: 'https://cloud.example.com/', client_id: 'nextcloud' }, lands: 'https://cloud.example.com/' }),
  },
  {
    app: 'Forgejo (OpenID Connect source)', clientId: 'forgejo', redirectUri: 'https://git.example.com/user/oauth2/passkeyid/callback',
    scope: 'openid email profile', pkce: true, nonce: false, tokenAuth: 'client_secret_basic', claimsFrom: 'both',
    reads: ['sub', 'preferred_username', 'name', 'email'],
  },
  {
    app: 'Gitea (OpenID Connect source, pkce_required: false)', clientId: 'gitea', redirectUri: 'https://gitea.example.com/user/oauth2/passkeyid/callback',
    scope: 'openid email profile', pkce: false, nonce: false, tokenAuth: 'client_secret_basic', claimsFrom: 'both',
    reads: ['sub', 'preferred_username', 'name', 'email'],
  },
  {
    app: 'Immich', clientId: 'immich', redirectUri: 'https://photos.example.com/auth/login',
    scope: 'openid email profile', pkce: true, nonce: false, tokenAuth: 'client_secret_post', claimsFrom: 'id_token',
    reads: ['sub', 'email', 'name', 'preferred_username'],
    logout: (idToken) => ({ query: { id_token_hint: idToken }, lands: null }),
  },
  {
    app: 'Proxmox VE (openid realm)', clientId: 'proxmox', redirectUri: 'https://pve.example.com:8006',
    scope: 'openid email profile', pkce: true, nonce: true, extra: { display: 'page' }, tokenAuth: 'client_secret_basic', claimsFrom: 'both',
    reads: ['sub', 'preferred_username', 'email'],
  },
  {
    app: 'Portainer (custom OAuth, pkce_required: false)', clientId: 'portainer', redirectUri: 'https://portainer.example.com',
    scope: 'openid profile email', pkce: false, nonce: false, extra: { prompt: 'login' }, tokenAuth: 'client_secret_post', claimsFrom: 'both',
    reads: ['preferred_username', 'email'],
    logout: () => ({ query: {}, lands: null }),
  },
  {
    app: 'Outline (OIDC_ISSUER_URL)', clientId: 'outline', redirectUri: 'https://wiki.example.com/auth/oidc.callback',
    scope: 'openid profile email', pkce: true, nonce: false, tokenAuth: 'client_secret_post', claimsFrom: 'userinfo',
    reads: ['sub', 'email', 'name', 'preferred_username'],
    logout: () => ({ query: {}, lands: null }),
  },
  {
    app: 'Paperless-ngx (allauth, OAUTH_PKCE_ENABLED)', clientId: 'paperless', redirectUri: 'https://paperless.example.com/accounts/oidc/passkeyid/login/callback/',
    scope: 'openid profile email', pkce: true, nonce: false, tokenAuth: 'client_secret_basic', claimsFrom: 'userinfo',
    reads: ['sub', 'preferred_username', 'name', 'email', 'email_verified'],
  },
  {
    app: 'Open WebUI (Authlib)', clientId: 'open-webui', redirectUri: 'https://chat.example.com/oauth/oidc/callback',
    scope: 'openid email profile', pkce: false, nonce: true, tokenAuth: 'client_secret_basic', claimsFrom: 'id_token',
    reads: ['sub', 'name', 'email'],
    logout: (idToken) => ({ query: { id_token_hint: idToken, post_logout_redirect_uri: 'https://chat.example.com/auth' }, lands: 'https://chat.example.com/auth' }),
  },
  {
    app: 'Apache mod_auth_openidc', clientId: 'intranet', redirectUri: 'https://intranet.example.com/protected/redirect_uri',
    scope: 'openid profile email', pkce: false, nonce: true, tokenAuth: 'client_secret_basic', claimsFrom: 'both',
    reads: ['sub', 'preferred_username', 'name', 'email'],
    logout: (idToken) => ({ query: { id_token_hint: idToken, post_logout_redirect_uri: 'https://intranet.example.com/' }, lands: 'https://intranet.example.com/' }),
  },
  {
    app: 'oauth2-proxy (--code-challenge-method=S256)', clientId: 'dashboard', redirectUri: 'https://dashboard.example.com/oauth2/callback',
    scope: 'openid email profile', pkce: true, nonce: false, tokenAuth: 'client_secret_basic', claimsFrom: 'id_token',
    reads: ['sub', 'email', 'email_verified', 'preferred_username'],
    logout: () => ({ query: { client_id: 'dashboard', post_logout_redirect_uri: 'https://dashboard.example.com/' }, lands: 'https://dashboard.example.com/' }),
  },
];

/** A dummy value for every `${NAME}` in the folder's files; Grafana's has a "+", as `openssl rand -base64` often gives. */
async function dummySecrets(dir: string): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    for (const [, variable = ''] of (await readFile(path.join(dir, name), 'utf8')).matchAll(/\$\{([A-Z0-9_]+)\}/g)) {
      env[variable] = `${variable === 'GRAFANA_CLIENT_SECRET' ? 'a+b/' : ''}${randomBytes(24).toString('hex')}`;
    }
  }
  return env;
}

/** Receives back-channel logout tokens (the apps' URLs, moved to loopback). */
async function logoutReceiver(): Promise<{ server: Server; url: string; tokens: Map<string, string[]> }> {
  const tokens = new Map<string, string[]>();
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const clientId = (req.url ?? '').slice(1);
      tokens.set(clientId, [...(tokens.get(clientId) ?? []), new URLSearchParams(body).get('logout_token') ?? '']);
      res.end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, tokens };
}

describe(`client guides in docs/clients (${BACKEND})`, () => {
  let copy: string;
  let env: Record<string, string>;
  let loaded: LoadedClient[];
  let app: TestApp;
  let receiver: Awaited<ReturnType<typeof logoutReceiver>>;
  let person: { authenticator: SoftwareAuthenticator; sub: string };

  before(async () => {
    copy = await mkdtemp(path.join(os.tmpdir(), 'client-guides-'));
    await cp(DOCS, copy, { recursive: true });
    env = await dummySecrets(copy);
    // Gitea's and Portainer's files without the opt-out: what their stock requests get by default.
    const defaults = await mkdtemp(path.join(os.tmpdir(), 'client-guides-default-'));
    for (const name of ['gitea.json', 'portainer.json']) {
      const file = JSON.parse(await readFile(path.join(copy, name), 'utf8')) as Record<string, unknown>;
      delete file['pkce_required'];
      await writeFile(path.join(defaults, name), JSON.stringify({ ...file, client_id: `${String(file['client_id'])}-default` }));
    }
    const withoutOptOut = await loadClientFiles(defaults, env);
    await rm(defaults, { recursive: true, force: true });

    loaded = await loadClientFiles(copy, env);
    receiver = await logoutReceiver();
    const clients = [...loaded, ...withoutOptOut].map((entry) => entry.client).map((client) =>
      client.backchannel_logout_uri ? { ...client, backchannel_logout_uri: `${receiver.url}/${client.client_id}` } : client);
    app = await startTestApp({ clients: [...TEST_CLIENTS, ...clients] });
    person = await signUpAndRegister(app.url, { username: 'ada', email: 'ada@example.com' });
  });
  after(async () => {
    receiver?.server.close();
    await app?.destroy();
    if (copy) await rm(copy, { recursive: true, force: true });
  });

  const secretOf = (clientId: string) => loaded.find((entry) => entry.client.client_id === clientId)?.client.client_secret ?? '';
  const formEncode = (value: string) => encodeURIComponent(value).replace(/%20/g, '+');

  async function redeem(request: AppRequest, code: string, verifier: string | undefined) {
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: request.redirectUri, ...(verifier ? { code_verifier: verifier } : {}) });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
    const secret = secretOf(request.clientId);
    if (request.tokenAuth === 'client_secret_basic') {
      headers['authorization'] = `Basic ${Buffer.from(`${formEncode(request.clientId)}:${formEncode(secret)}`).toString('base64')}`;
    } else {
      body.set('client_id', request.clientId);
      body.set('client_secret', secret);
    }
    const response = await fetch(`${app.url}/token`, { method: 'POST', headers, body });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  async function userinfo(accessToken: string): Promise<Record<string, unknown>> {
    const response = await fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } });
    assert.equal(response.status, 200);
    return (await response.json()) as Record<string, unknown>;
  }

  /** The app's authorization request, sent by a fresh browser; returns the response and what the app keeps. */
  async function startSignIn(request: AppRequest, clientId = request.clientId) {
    const browser = new HttpBrowser(app.url);
    const state = oidc.randomState();
    const nonce = request.nonce ? oidc.randomNonce() : undefined;
    const verifier = request.pkce ? oidc.randomPKCECodeVerifier() : undefined;
    const query = new URLSearchParams({
      client_id: clientId, response_type: 'code', redirect_uri: request.redirectUri, scope: request.scope, state,
      ...(nonce ? { nonce } : {}),
      ...(verifier ? { code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256' } : {}),
      ...request.extra,
    });
    const response = await browser.get(`/auth?${query}`, { headers: { accept: 'text/html' } });
    return { browser, response, state, nonce, verifier };
  }

  test('every client file loads with the real loader, without warnings', async () => {
    const files = (await readdir(DOCS)).filter((name) => /\.(json|ya?ml)$/.test(name)).sort();
    assert.deepEqual(loaded.map((entry) => path.basename(entry.file)).sort(), files);
    assert.deepEqual(loaded.flatMap((entry) => entry.warnings), []);
    for (const request of APPS) {
      const client = loaded.find((entry) => entry.client.client_id === request.clientId)?.client;
      assert.ok(client, `a file for ${request.app}`);
      assert.ok(client.redirect_uris.includes(request.redirectUri), `${request.app}: ${request.redirectUri} is registered exactly as the app sends it`);
      assert.equal(client.token_endpoint_auth_method, request.tokenAuth, `${request.app}: the file registers the method the app uses`);
    }
  });

  /** The app's whole sign-in: its request, a passkey, its code redemption; returns what it reads and the browser. */
  async function signIn(request: AppRequest) {
    const { browser, response, state, nonce, verifier } = await startSignIn(request);
    assert.equal(response.status, 303, await response.clone().text());
    const uid = interactionUid(new URL(response.headers.get('location') ?? '', app.url));
    const callback = await follow(browser, await signInWithPasskey(browser, uid, person.authenticator));
    assert.equal(`${callback.origin}${callback.pathname}`, new URL(request.redirectUri).href, 'back at the registered redirect URI');
    assert.equal(callback.searchParams.get('state'), state);
    const code = callback.searchParams.get('code');
    assert.ok(code, callback.href);

    const tokens = await redeem(request, code, verifier);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    const idToken = String(tokens.body['id_token']);
    const { payload } = await jwtVerify(idToken, createRemoteJWKSet(new URL(`${app.url}/jwks`)), {
      issuer: app.url, audience: request.clientId, algorithms: ['RS256'],
    });
    assert.equal(payload['nonce'], nonce, 'the nonce the app sent, if any');
    const fromUserinfo = request.claimsFrom === 'id_token' ? {} : await userinfo(String(tokens.body['access_token']));
    const claims: JWTPayload = request.claimsFrom === 'userinfo' ? fromUserinfo : { ...fromUserinfo, ...payload };
    return { browser, idToken, claims };
  }

  for (const request of APPS) {
    test(`${request.app}: signs in with a passkey and gets ${request.reads.join(', ')}${request.logout ? '; logout works' : ''}`, async () => {
      const { browser, idToken, claims } = await signIn(request);
      const expected: Record<string, unknown> = { sub: person.sub, preferred_username: 'ada', name: 'ada', email: 'ada@example.com', email_verified: true };
      for (const claim of request.reads) assert.deepEqual(claims[claim], expected[claim], `${request.app} reads ${claim}`);

      if (request.logout) {
        const { query, lands } = request.logout(idToken);
        const page = await (await browser.get(`/session/end?${new URLSearchParams(query)}`)).text();
        const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1];
        assert.ok(xsrf, `the sign-out confirmation: ${page.slice(0, 300)}`);
        const done = await browser.postForm('/session/end/confirm', { xsrf, logout: 'yes' });
        assert.equal(done.status, 303);
        if (lands) {
          assert.equal(done.headers.get('location'), lands);
        } else {
          const signedOut = await browser.get(done.headers.get('location') ?? '');
          assert.match(await signedOut.text(), /You are signed out/);
        }
        assert.match((await browser.get('/account')).headers.get('location') ?? '', /\/auth\?/, 'the provider session is gone');
      }
    });
  }

  test('Grafana with the groups scope gets the person\'s groups (an empty list without any)', async () => {
    const grafana = APPS.find((request) => request.clientId === 'grafana')!;
    const { claims } = await signIn({ ...grafana, scope: 'openid profile email groups' });
    assert.equal(claims['preferred_username'], 'ada');
    assert.deepEqual(claims['groups'], []);
    const group = await app.container.groups.create('grafana-admins');
    await app.container.groups.addMember(group.name, person.sub);
    const again = await signIn({ ...grafana, scope: 'openid profile email groups' });
    assert.deepEqual(again.claims['groups'], ['grafana-admins']);
  });

  test('Nextcloud: signing out sends a back-channel logout token it accepts (sid, sub, no nonce)', async () => {
    const nextcloud = APPS.find((request) => request.clientId === 'nextcloud')!;
    const { browser, response } = await startSignIn(nextcloud);
    const uid = interactionUid(new URL(response.headers.get('location') ?? '', app.url));
    await follow(browser, await signInWithPasskey(browser, uid, person.authenticator));
    const before = receiver.tokens.get('nextcloud')?.length ?? 0;
    await browser.postForm('/account/signout', {});
    const token = receiver.tokens.get('nextcloud')?.at(before);
    assert.ok(token, 'delivered');
    const claims = decodeJwt(token);
    assert.equal(claims.aud, 'nextcloud');
    assert.equal(claims.sub, person.sub);
    assert.ok(claims['sid']);
    assert.equal(claims['nonce'], undefined);
    assert.ok((claims['events'] as Record<string, unknown>)['http://schemas.openid.net/event/backchannel-logout']);
  });

  // Fails while the loader records a confidential client without the key as "pkce_required": false,
  // which src/oidc/pkce-policy.ts reads as the operator's opt-out (see the report of issue 8 §7).
  test('Gitea and Portainer as shipped (neither PKCE nor a nonce) are refused unless the file says "pkce_required": false', async () => {
    for (const clientId of ['gitea', 'portainer']) {
      const { response } = await startSignIn(APPS.find((request) => request.clientId === clientId)!, `${clientId}-default`);
      assert.equal(response.status, 400, `${clientId} without "pkce_required": false`);
      assert.match(await response.text(), /sent neither a PKCE code_challenge nor a nonce/);
    }
  });

  test('a Basic header must form-encode the secret: a raw "+" is refused (use `openssl rand -hex 32`)', async () => {
    const secret = secretOf('grafana');
    assert.ok(secret.includes('+'));
    const send = (authorization: string) => fetch(`${app.url}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: 'https://grafana.example.com/login/generic_oauth' }),
    });
    const raw = await send(`Basic ${Buffer.from(`grafana:${secret}`).toString('base64')}`);
    assert.equal(raw.status, 401, 'the "+" is read as a space');
    const encoded = await send(`Basic ${Buffer.from(`grafana:${formEncode(secret)}`).toString('base64')}`);
    assert.equal(((await encoded.json()) as Record<string, unknown>)['error'], 'invalid_grant', 'authenticated; only the code is wrong');
  });
});
