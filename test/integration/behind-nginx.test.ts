import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { LIMITS } from '../../src/services/throttle.ts';
import { BACKEND } from '../helpers/backends.ts';
import { startAppBehindNginx, type AppBehindNginx } from '../helpers/behind-nginx.ts';
import { captureLogs, type CapturedLogs } from '../helpers/capture.ts';
import { testFetch } from '../helpers/dispatchers.ts';
import {
  authorize,
  fetchUserInfo,
  followToCallback,
  HttpBrowser,
  newAuthenticator,
  redeemCode,
  registerPasskey,
  signInWithPasskey,
  signUp,
} from '../helpers/http-flow.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';
import { unlessInstalled } from '../helpers/installed.ts';

/** Every response a browser saw: its status and Set-Cookie lines. */
function recorder() {
  const seen: Array<{ path: string; status: number; cookies: string[] }> = [];
  return {
    seen,
    options: { onResponse: (response: Response, url: URL) => void seen.push({ path: url.pathname, status: response.status, cookies: response.headers.getSetCookie() }) },
  };
}

function assertSecureCookiesAndNo500(seen: ReturnType<typeof recorder>['seen']): void {
  const cookies = seen.flatMap((entry) => entry.cookies);
  const names = new Set(cookies.map((line) => line.split('=')[0]));
  // oidc-provider's interaction and session cookies, and ours (remembered user).
  for (const name of ['_interaction', '_interaction_resume', '_session', 'idp_remember']) assert.ok(names.has(name), `${name} was set (saw ${[...names].join(' ')})`);
  for (const line of cookies) assert.match(line, /;\s*secure\b/i, `not Secure: ${line}`);
  for (const entry of seen) assert.ok(entry.status < 500, `${entry.path} answered ${entry.status}`);
}

/** signup → create a passkey → code → tokens → userinfo, then a passkey sign-in in a fresh browser. */
async function signUpAndSignIn(issuer: string, username: string): Promise<ReturnType<typeof recorder>['seen']> {
  const record = recorder();
  const browser = new HttpBrowser(issuer, record.options);
  const authenticator: SoftwareAuthenticator = newAuthenticator(issuer);
  const request = await authorize(browser);
  await signUp(browser, request.uid, username, `${username}@example.com`);
  const redirectTo = await registerPasskey(browser, request.uid, authenticator);
  assert.equal(redirectTo, `${issuer}/auth/${request.uid}`);
  const first = await redeemCode(issuer, await followToCallback(browser, redirectTo), request);
  const claims = await fetchUserInfo(issuer, request.clientId, first.tokens.access_token, first.sub);
  assert.equal(claims.preferred_username, username);

  const again = new HttpBrowser(issuer, record.options);
  const second = await authorize(again);
  const resume = await signInWithPasskey(again, second.uid, authenticator, { login: username });
  const { sub } = await redeemCode(issuer, await followToCallback(again, resume), second);
  assert.equal(sub, first.sub);
  return record.seen;
}

const warnings = (logs: CapturedLogs) => logs.entries().filter((entry) => entry['level'] === 40 && String(entry['msg']).includes('X-Forwarded-Proto'));

const NEEDS_NGINX = { skip: unlessInstalled(['nginx', 'openssl'], 'apt-get install nginx openssl') };

describe(`through nginx terminating TLS (${BACKEND})`, NEEDS_NGINX, () => {
  let proxied: AppBehindNginx;
  const logs = captureLogs();
  before(async () => {
    proxied = await startAppBehindNginx({ logger: logs.logger });
  });
  after(() => proxied?.destroy());

  test('discovery names the https issuer', async () => {
    const document = (await (await testFetch(`${proxied.url}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    assert.equal(document['issuer'], proxied.url);
    assert.equal(document['jwks_uri'], `${proxied.url}/jwks`);
  });

  test('passkey signup, sign-in and token redemption; every cookie Secure; no warning', async () => {
    assertSecureCookiesAndNo500(await signUpAndSignIn(proxied.url, 'proxied'));
    assert.deepEqual(warnings(logs), []);
  });

  test('spoofed X-Forwarded-For entries do not escape the per-IP look-up limit', async () => {
    const limit = LIMITS.lookupPerIp.max;
    const browser = new HttpBrowser(proxied.url);
    const { uid } = await authorize(browser);
    const statuses: number[] = [];
    // The sign-in above already counted one look-up for 127.0.0.1, so the 429 may come a step early.
    for (let attempt = 0; attempt <= limit; attempt += 1) {
      const response = await browser.postForm(`/interaction/${uid}/login`, { login: `nobody-${attempt}` }, {
        headers: { 'x-forwarded-for': `198.51.100.${attempt % 250}` },
      });
      await response.arrayBuffer();
      statuses.push(response.status);
      if (response.status === 429) break;
    }
    assert.equal(statuses.at(-1), 429, `no 429 after ${statuses.length} look-ups (limit ${limit})`);
    assert.ok(statuses.length >= limit - 1, `429 after ${statuses.length} look-ups, limit ${limit}`);
  });
});

describe(`through nginx that sends no X-Forwarded-Proto (${BACKEND})`, NEEDS_NGINX, () => {
  let proxied: AppBehindNginx;
  const logs = captureLogs();
  before(async () => {
    proxied = await startAppBehindNginx({ forwardedProto: false, logger: logs.logger });
  });
  after(() => proxied?.destroy());

  test('signup, create a passkey and sign in still work, every cookie Secure, no 500', async () => {
    assertSecureCookiesAndNo500(await signUpAndSignIn(proxied.url, 'noproto'));
  });

  test('one warning per process names the missing header', () => {
    const logged = warnings(logs);
    assert.equal(logged.length, 1, JSON.stringify(logged));
    assert.match(String(logged[0]!['msg']), /X-Forwarded-Proto: https/);
    assert.match(String(logged[0]!['msg']), /the proxy at (::ffff:)?127\.0\.0\.1 did not send X-Forwarded-Proto: https/);
  });
});

describe(`through nginx with TRUST_PROXY unset (${BACKEND})`, NEEDS_NGINX, () => {
  let proxied: AppBehindNginx;
  const logs = captureLogs();
  before(async () => {
    proxied = await startAppBehindNginx({ env: { TRUST_PROXY: 'false' }, logger: logs.logger });
  });
  after(() => proxied?.destroy());

  test('the warning says TRUST_PROXY is not set; pages and cookies still follow ISSUER', async () => {
    const record = recorder();
    const browser = new HttpBrowser(proxied.url, record.options);
    await authorize(browser);
    await authorize(browser);
    const cookies = record.seen.flatMap((entry) => entry.cookies);
    assert.ok(cookies.length > 0);
    for (const line of cookies) assert.match(line, /;\s*secure\b/i, line);
    const logged = warnings(logs);
    assert.equal(logged.length, 1, JSON.stringify(logged));
    assert.match(String(logged[0]!['msg']), /X-Forwarded-Proto: https/);
    assert.match(String(logged[0]!['msg']), /TRUST_PROXY is not set/);
  });
});
