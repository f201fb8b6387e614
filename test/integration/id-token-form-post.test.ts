import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { authorizationError, clientsFromFiles, relyingPartyFor } from '../helpers/file-clients.ts';
import { signUpAndRegister, type HttpBrowser } from '../helpers/http-flow.ts';
import { oidc } from '../helpers/relying-party.ts';

/** A sign-in-only app, as express-openid-connect registers by default. ID tokens need an https callback. */
const RP_CALLBACK = 'https://rp.example.test/callback';
const SIGN_IN_ONLY = { client_id: 'sign-in-only', token_endpoint_auth_method: 'none', response_types: ['id_token'], redirect_uris: [RP_CALLBACK], first_party: true };

/** The hidden fields and action of oidc-provider's form_post page. */
function parseFormPost(html: string): { action: string; fields: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1] ?? '';
  const fields = Object.fromEntries([...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)].map((m) => [m[1], m[2]]));
  return { action: action.replaceAll('&amp;', '&'), fields };
}

/** The directives of a Content-Security-Policy header, name → values. */
function directives(csp: string): Map<string, string[]> {
  return new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([name = '', ...values]) => [name, values]));
}

/**
 * `response_types: ["id_token"]`: the ID token (with the profile claims, since no access token
 * comes to fetch them) is posted to the app by a page oidc-provider renders, whose one inline
 * script our Content-Security-Policy admits by its hash. Nothing else of the front channel is.
 */
describe(`id_token by form_post for sign-in-only apps (${BACKEND})`, () => {
  let app: TestApp;
  let browser: HttpBrowser;

  before(async () => {
    app = await startTestApp({ clients: [...TEST_CLIENTS, ...(await clientsFromFiles({ 'sign-in-only.json': SIGN_IN_ONLY }))] });
    ({ browser } = await signUpAndRegister(app.url, { username: 'grace', email: 'grace@example.com' }));
  });
  after(() => app?.destroy());

  function authorizeUrl(params: Record<string, string>): URL {
    const url = new URL('/auth', app.url);
    url.search = new URLSearchParams({ client_id: 'sign-in-only', redirect_uri: RP_CALLBACK, scope: 'openid profile email', state: 'st-1', nonce: 'n-1', ...params }).toString();
    return url;
  }

  /** Follows the provider's redirects to the first answer that is not one; returns it. */
  async function land(url: URL): Promise<Response> {
    let response = await browser.get(url);
    for (let hops = 0; response.status >= 300 && response.status < 400 && hops < 10; hops++) {
      const next = new URL(response.headers.get('location') ?? '', url);
      if (next.origin !== new URL(app.url).origin) return response;
      response = await browser.get(next);
    }
    return response;
  }

  test('the app receives the ID token by POST, with the profile claims, and openid-client accepts it', async () => {
    const response = await land(authorizeUrl({ response_type: 'id_token', response_mode: 'form_post' }));
    assert.equal(response.status, 200);
    const html = await response.text();
    const { action, fields } = parseFormPost(html);
    assert.equal(action, RP_CALLBACK);
    assert.deepEqual(Object.keys(fields).sort(), ['id_token', 'state'], 'an ID token, and never an access token or code');

    // What the app's server gets when the browser submits the form.
    const posted = new Request(action, { method: 'POST', body: new URLSearchParams(fields) });
    const config = await relyingPartyFor(app.url, 'sign-in-only', oidc.None());
    oidc.useIdTokenResponseType(config);
    const claims = await oidc.implicitAuthentication(config, posted, 'n-1', { expectedState: 'st-1' });
    assert.equal(claims.aud, 'sign-in-only');
    assert.equal(claims['preferred_username'], 'grace');
    assert.equal(claims['email'], 'grace@example.com');
    assert.equal(claims['name'], 'grace');
  });

  test('the form_post page runs its one inline script by hash; other pages keep the strict CSP', async () => {
    const response = await land(authorizeUrl({ response_type: 'id_token', response_mode: 'form_post' }));
    const html = await response.text();
    const script = /<script>([\s\S]*?)<\/script>/.exec(html)?.[1] ?? '';
    assert.match(script, /document\.forms\[0\]\.submit\(\)/);
    assert.match(html, /<noscript>[\s\S]*<button[^>]*type="submit"[^>]*>Continue<\/button>[\s\S]*<\/noscript>/, 'a button for browsers without JavaScript');
    const csp = directives(response.headers.get('content-security-policy') ?? '');
    const hash = `'sha256-${createHash('sha256').update(script).digest('base64')}'`;
    assert.deepEqual(csp.get('script-src'), ["'self'", hash]);
    for (const [name, values] of csp) assert.ok(!values.includes("'unsafe-inline'"), `${name} has no unsafe-inline`);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
    assert.equal(csp.get('form-action'), undefined, 'the form may post to the app');

    const other = await browser.get('/account');
    assert.deepEqual(directives(other.headers.get('content-security-policy') ?? '').get('script-src'), ["'self'"]);
  });

  test('without response_mode=form_post (the ID token in the fragment) the request is refused', async () => {
    const response = await land(authorizeUrl({ response_type: 'id_token' }));
    assert.equal(response.status, 303);
    const location = response.headers.get('location') ?? '';
    assert.ok(location.startsWith(RP_CALLBACK), location);
    assert.equal(authorizationError(location), 'invalid_request');
    assert.doesNotMatch(location, /id_token=/);
  });

  for (const responseType of ['code id_token', 'id_token token', 'code id_token token', 'token', 'none']) {
    test(`response_type=${responseType} is refused`, async () => {
      const response = await land(authorizeUrl({ response_type: responseType, response_mode: 'form_post' }));
      const body = await response.text();
      assert.ok(!/name="(access_token|id_token|code)"/.test(body), 'no token or code in a form');
      const location = response.headers.get('location') ?? '';
      const error = location ? authorizationError(location) : /name="error" value="([^"]+)"/.exec(body)?.[1];
      assert.equal(error, 'unsupported_response_type');
    });
  }

  test('a code client cannot ask for an ID token in the front channel', async () => {
    const url = new URL('/auth', app.url);
    url.search = new URLSearchParams({ client_id: 'test-confidential', redirect_uri: 'http://localhost:8080/callback', scope: 'openid', response_type: 'id_token', response_mode: 'form_post', nonce: 'n' }).toString();
    const response = await land(url);
    const body = await response.text();
    const location = response.headers.get('location') ?? '';
    assert.equal(location ? authorizationError(location) : /name="error" value="([^"]+)"/.exec(body)?.[1], 'invalid_request');
    assert.doesNotMatch(body, /name="id_token"/);
  });
});
