import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { LIMITS } from '../../src/services/throttle.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { nextCodeFor } from '../helpers/mail-sink.ts';
import { injectHeaders } from '../helpers/dispatchers.ts';
import {
  authorize,
  CALLBACK,
  HttpBrowser,
  login,
  newAuthenticator,
  redeemCode,
  registerPasskey,
  signUp,
  signUpAndRegister,
} from '../helpers/http-flow.ts';

const EVIL = 'evil.example';

/** A GET with headers fetch will not send (Host) and an absolute-form target (`GET http://evil/…`). */
function rawGet(app: TestApp, target: string, headers: Record<string, string>): Promise<{ status: number; body: string; location?: string }> {
  const { port } = new URL(app.url);
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: target, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, ...(res.headers.location ? { location: res.headers.location } : {}) }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Every string in the discovery document that looks like a URL. */
function urlsIn(document: Record<string, unknown>): string[] {
  return Object.values(document).filter((value): value is string => typeof value === 'string' && /^[a-z]+:\/\//i.test(value));
}

/**
 * What a client says about itself (Host, X-Forwarded-Host/Proto/For) must not change the URLs the
 * provider emits nor the address the rate limits count. TRUST_PROXY=true: the test process is
 * "the proxy", so the right-most X-Forwarded-For entry is what a real proxy would have appended.
 */
describe(`forwarded and Host headers (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ env: { TRUST_PROXY: 'true' } });
  });
  after(() => app?.destroy());

  test('Host, X-Forwarded-Host/Proto and absolute-form targets leave discovery unchanged', async () => {
    const honest = JSON.parse((await rawGet(app, '/.well-known/openid-configuration', {})).body) as Record<string, unknown>;
    assert.equal(honest['jwks_uri'], `${app.url}/jwks`);
    const attacks: Array<[string, Record<string, string>]> = [
      ['/.well-known/openid-configuration', { host: EVIL }],
      ['/.well-known/openid-configuration', { 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https' }],
      ['/.well-known/openid-configuration', { host: EVIL, 'x-forwarded-host': `${EVIL}:8443`, 'x-forwarded-proto': 'https' }],
      [`http://${EVIL}/.well-known/openid-configuration`, { host: EVIL }],
    ];
    for (const [target, headers] of attacks) {
      const { status, body } = await rawGet(app, target, headers);
      assert.equal(status, 200, `${target} ${JSON.stringify(headers)}`);
      const document = JSON.parse(body) as Record<string, unknown>;
      assert.deepEqual(document, honest, `discovery with ${target} ${JSON.stringify(headers)}`);
      for (const url of urlsIn(document)) assert.ok(url.startsWith(`${app.url}/`) || url === app.url, url);
      assert.doesNotMatch(body, /evil/);
    }
  });

  test('a whole signup with an injected Host and X-Forwarded-Host is redirected only to the issuer and the app', async () => {
    const dispatcher = injectHeaders({ host: EVIL, 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https' });
    const browser = new HttpBrowser(app.url, { dispatcher });
    const request = await authorize(browser);
    await signUp(browser, request.uid, 'hosty', 'hosty@example.com');
    const redirectTo = await registerPasskey(browser, request.uid, newAuthenticator(app.url));
    assert.equal(redirectTo, `${app.url}/auth/${request.uid}`);

    const locations: string[] = [];
    let next = new URL(redirectTo);
    while (next.href.startsWith(app.url)) {
      const response = await browser.get(next);
      await response.arrayBuffer();
      const location = response.headers.get('location');
      assert.ok(location, `${next.pathname} answered ${response.status} without a redirect`);
      locations.push(location);
      next = new URL(location, app.url);
    }
    for (const location of locations) {
      assert.ok(location.startsWith(`${app.url}/`) || location.startsWith('/') || location.startsWith(`${CALLBACK}?`), location);
      assert.doesNotMatch(location, /evil/);
    }
    assert.ok(next.href.startsWith(`${CALLBACK}?`), next.href);
    const { sub } = await redeemCode(app.url, next, request);
    assert.match(sub, /^[0-9a-f-]{36}$/);
  });

  test('a client rotating spoofed X-Forwarded-For entries is still counted under its real address', async () => {
    const limit = LIMITS.lookupPerIp.max;
    const realAddress = '203.0.113.50';
    const browser = new HttpBrowser(app.url, { ip: realAddress });
    const { uid } = await authorize(browser);
    const statuses: number[] = [];
    for (let attempt = 0; attempt <= limit; attempt += 1) {
      // What the client sent, then what our proxy appended: the client's real address.
      const forwardedFor = `198.51.100.${attempt % 250}, 2001:db8::${attempt.toString(16)}, ${realAddress}`;
      const response = await browser.postForm(`/interaction/${uid}/login`, { login: `nobody-${attempt}` }, { headers: { 'x-forwarded-for': forwardedFor } });
      await response.arrayBuffer();
      statuses.push(response.status);
      if (response.status === 429) break;
    }
    assert.equal(statuses.at(-1), 429, `no 429 after ${statuses.length} look-ups (limit ${limit})`);
    assert.equal(statuses.length, limit + 1, `429 after exactly ${limit} look-ups`);
    assert.ok(statuses.slice(0, -1).every((status) => status === 422), statuses.join(' '));

    // Keyed by the real address, not global: another client behind the same proxy still gets in.
    const other = new HttpBrowser(app.url, { ip: `${realAddress}, 203.0.113.51` });
    const response = await other.postForm(`/interaction/${(await authorize(other)).uid}/login`, { login: 'nobody' });
    assert.equal(response.status, 422);
  });

  test('the sign-in email names the real address, not the one the client made up', async () => {
    await signUpAndRegister(app.url, { username: 'mailer', email: 'mailer@example.com', ip: '203.0.113.60' });
    const browser = new HttpBrowser(app.url, { ip: '6.6.6.6, 203.0.113.61' });
    const { uid } = await authorize(browser);
    await login(browser, uid, 'mailer');
    const response = await browser.postForm(`/interaction/${uid}/email`, {});
    assert.equal(response.status, 303, await response.text());
    const { mail } = await nextCodeFor('mailer@example.com');
    assert.match(mail.parsed.text ?? '', /IP address 203\.0\.113\.61/);
    assert.doesNotMatch(mail.raw.toString(), /6\.6\.6\.6/);
  });
});
