import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FORM_POST_LIMIT_BYTES } from '../../src/http/routes/form-post-redirect.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import {
  CALLBACK,
  codeRequestUrl,
  followToCallback,
  HttpBrowser,
  interactionUid,
  redeemCode,
  relyingParty,
  signInWithPasskey,
  signUpAndRegister,
  type AuthorizationRequest,
} from '../helpers/http-flow.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';

const FORM = 'application/x-www-form-urlencoded';
/** The relying party's site: its forms post cross-site. */
const RP_ORIGIN = 'http://localhost:8080';

/**
 * POST at /auth and /session/end (OIDC Core 3.1.2.1, RP-Initiated Logout 1.0): answered with a
 * 303 to the same path carrying the form as its query, so the browser's GET brings its
 * SameSite=Lax cookies and oidc-provider handles it as usual.
 */
describe(`POST to the authorization and end-session endpoints (${BACKEND})`, () => {
  let app: TestApp;
  let ipCounter = 0;
  const browser = () => new HttpBrowser(app.url, { ip: `198.51.100.${++ipCounter}` });
  let ada: { authenticator: SoftwareAuthenticator; sub: string };

  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
    ada = await signUpAndRegister(app.url, { username: 'ada', email: 'ada@example.com', ip: '203.0.113.9' });
  });
  after(() => app?.destroy());

  /** The relying party's authorization request (openid-client), as form fields. */
  async function authorizationForm(): Promise<{ body: string; request: AuthorizationRequest }> {
    const config = await relyingParty(app.url);
    const { url, verifier, state } = await codeRequestUrl(config);
    return { body: url.searchParams.toString(), request: { uid: '', verifier, state, clientId: 'test-confidential' } };
  }

  async function postForm(b: HttpBrowser, path: string, body: string, contentType = FORM): Promise<Response> {
    return b.post(path, body, contentType, { origin: RP_ORIGIN, headers: { accept: 'text/html' } });
  }

  test('an authorization request POSTed cross-site: 303 to GET /auth with the same fields, then passkey sign-in and tokens', async () => {
    const b = browser();
    const { body, request } = await authorizationForm();
    const posted = await postForm(b, '/auth', body);
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), `/auth?${body}`);
    assert.equal(posted.headers.get('cache-control'), 'no-store');

    const authorized = await b.get(posted.headers.get('location') ?? '');
    assert.equal(authorized.status, 303, await authorized.text());
    const uid = interactionUid(new URL(authorized.headers.get('location') ?? '', app.url));
    const redirectTo = await signInWithPasskey(b, uid, ada.authenticator, { login: 'ada' });
    const callback = await followToCallback(b, redirectTo);
    assert.equal(callback.searchParams.get('state'), request.state);
    const { tokens, sub } = await redeemCode(app.url, callback, request);
    assert.equal(sub, ada.sub);
    assert.ok(tokens.id_token);
  });

  test('duplicate parameters survive byte for byte, so oidc-provider still refuses them', async () => {
    const b = browser();
    const { body } = await authorizationForm();
    const duplicated = `${body}&scope=openid+email&state=a%20b`;
    const posted = await postForm(b, '/auth', duplicated);
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), `/auth?${duplicated}`);
    // The client and redirect URI are valid, so the refusal goes back to the app.
    const answered = await b.get(posted.headers.get('location') ?? '');
    assert.equal(answered.status, 303);
    const back = new URL(answered.headers.get('location') ?? '');
    assert.equal(back.origin + back.pathname, CALLBACK);
    assert.equal(back.searchParams.get('error'), 'invalid_request');
    assert.match(back.searchParams.get('error_description') ?? '', /parameters must not be provided twice/);

    const twoClients = await b.get(`/auth?client_id=test-confidential&${body}`);
    assert.equal(twoClients.status, 400, 'without one client to answer to, a page says so');
  });

  test('a POSTed RP-initiated logout: confirm page, then back to the app, and the session is gone', async () => {
    const { browser: b, tokens } = await signUpAndRegister(app.url, { username: 'lin', email: 'lin@example.com', ip: '203.0.113.10' });
    const body = new URLSearchParams({ id_token_hint: tokens.id_token ?? '', post_logout_redirect_uri: `${RP_ORIGIN}/` }).toString();
    const posted = await postForm(b, '/session/end', body);
    assert.equal(posted.status, 303);
    assert.equal(posted.headers.get('location'), `/session/end?${body}`);

    const confirm = await b.get(posted.headers.get('location') ?? '');
    const page = await confirm.text();
    assert.equal(confirm.status, 200, page);
    assert.match(page, /Sign out\?/);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(page)?.[1];
    assert.ok(xsrf, 'the confirm form carries its xsrf token');
    const done = await b.postForm('/session/end/confirm', { xsrf, logout: 'yes' });
    assert.equal(done.status, 303);
    assert.equal(done.headers.get('location'), `${RP_ORIGIN}/`);

    // Signed out: a new authorization request asks who you are instead of returning a code.
    const { body: again } = await authorizationForm();
    const next = await b.get(`/auth?${again}`);
    assert.match(next.headers.get('location') ?? '', /^\/interaction\//);
  });

  test('a form near the size limit still makes a URL the server accepts', async () => {
    const b = browser();
    const { body } = await authorizationForm();
    const padded = `${body}&ui_locales=${'x'.repeat(FORM_POST_LIMIT_BYTES - body.length - 20)}`;
    const posted = await postForm(b, '/auth', padded);
    assert.equal(posted.status, 303);
    const followed = await b.get(posted.headers.get('location') ?? '');
    assert.equal(followed.status, 303, 'not 431 or 414: the request line fits');
    assert.match(followed.headers.get('location') ?? '', /^\/interaction\//);
  });

  const pages: Array<[string, () => Promise<Response>, number, RegExp]> = [
    ['too large', () => postForm(browser(), '/auth', `client_id=${'x'.repeat(FORM_POST_LIMIT_BYTES)}`), 413, /PAR.*request_uri/],
    ['text/plain', () => postForm(browser(), '/auth', 'client_id=x', 'text/plain'), 415, /application\/x-www-form-urlencoded/],
    // Bytes, not a string: fetch would label a string text/plain.
    ['no content type', () => fetch(`${app.url}/session/end`, { method: 'POST', body: new TextEncoder().encode('client_id=x'), headers: { accept: 'text/html' } }), 415, /application\/x-www-form-urlencoded/],
    ['a broken %-escape', () => postForm(browser(), '/auth', 'client_id=%ZZ'), 400, /malformed form/],
    ['%-escapes that are not UTF-8', () => postForm(browser(), '/auth', 'state=%FF%FE'), 400, /malformed form/],
    ['a raw space', () => postForm(browser(), '/session/end', 'state=a b'), 400, /malformed form/],
    ['a raw non-ASCII byte', () => postForm(browser(), '/auth', 'state=é'), 400, /malformed form/],
  ];
  for (const [name, send, status, description] of pages) {
    test(`${name}: ${status}, as a page for people`, async () => {
      const response = await send();
      assert.equal(response.status, status);
      assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
      assert.match(await response.text(), description);
    });
  }

  test('other methods: GET stays oidc-provider\'s, OPTIONS lists GET and POST', async () => {
    const options = await fetch(`${app.url}/auth`, { method: 'OPTIONS' });
    assert.equal(options.status, 200);
    assert.deepEqual((options.headers.get('allow') ?? '').split(', ').sort(), ['GET', 'HEAD', 'POST']);
    const get = await fetch(`${app.url}/auth`, { redirect: 'manual' });
    assert.equal(get.status, 400, 'oidc-provider answers a GET without parameters');
  });
});
