import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { USER_CACHE } from '../../src/container.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { requestAsClient } from '../helpers/client-endpoints.ts';
import { BACKEND, type TestDatabase } from '../helpers/backends.ts';
import { authorize, CALLBACK, codeRequestUrl, followToCallback, HttpBrowser, redeemCode, relyingParty, signInWithPasskey, signUpAndRegister } from '../helpers/http-flow.ts';
import { startOwnPostgres, type OwnPostgres } from '../helpers/postgres-server.ts';
import { startOwnRedis, type OwnRedis } from '../helpers/redis-server.ts';
import type { SoftwareAuthenticator } from '../helpers/software-authenticator.ts';
import { unlessInstalled } from '../helpers/installed.ts';

/**
 * Redis frozen or killed, PostgreSQL stopped: every request that needs the missing part answers 503 with
 * Retry-After within a second — a page for people, JSON `temporarily_unavailable` for scripts and
 * the OIDC endpoints — the process lives on, and once the part is back, sign-in works again
 * without a restart. Each test brings its own redis-server or PostgreSQL to break.
 */
const FAST_MS = 1_000;

interface Timed {
  response: Response;
  ms: number;
  text: string;
}

async function timed(request: Promise<Response>): Promise<Timed> {
  const started = performance.now();
  const response = await request;
  const text = await response.text();
  return { response, ms: performance.now() - started, text };
}

function assertFast503(what: string, answer: Timed, kind: 'page' | 'json') {
  assert.equal(answer.response.status, 503, `${what}: ${answer.response.status} ${answer.text.slice(0, 200)}`);
  assert.ok(answer.ms < FAST_MS, `${what} took ${Math.round(answer.ms)} ms`);
  assert.match(answer.response.headers.get('retry-after') ?? '', /^\d+$/, `${what}: Retry-After`);
  if (kind === 'json') {
    assert.match(answer.response.headers.get('content-type') ?? '', /json/);
    assert.equal((JSON.parse(answer.text) as { error: string }).error, 'temporarily_unavailable');
  } else {
    assert.match(answer.response.headers.get('content-type') ?? '', /html/);
    assert.match(answer.text, /try again/i);
  }
}

const postToken = (issuer: string, params: Record<string, string>) => requestAsClient(issuer, 'token', 'test-confidential', params);

async function waitForReady(issuer: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if ((await fetch(`${issuer}/readyz`)).status === 200) return;
    await sleep(100);
  }
  throw new Error('not ready again');
}

/** A whole passkey sign-in to tokens: the proof that everything works (again). */
async function signIn(issuer: string, authenticator: SoftwareAuthenticator, username: string): Promise<string> {
  const browser = new HttpBrowser(issuer);
  const request = await authorize(browser);
  const redirectTo = await signInWithPasskey(browser, request.uid, authenticator, { login: username });
  return (await redeemCode(issuer, await followToCallback(browser, redirectTo), request)).sub;
}

describe(`outages answer 503 fast and heal (${BACKEND} for the part that stays up)`, () => {
  describe('Redis hangs, then dies', { skip: unlessInstalled(['redis-server'], 'apt-get install redis-server') }, () => {
    let redis: OwnRedis;
    let app: TestApp;
    let authenticator: SoftwareAuthenticator;
    let sub: string;
    let accessToken: string;
    before(async () => {
      redis = await startOwnRedis();
      app = await startTestApp({ env: { REDIS_URL: redis.url } });
      let tokens;
      ({ authenticator, sub, tokens } = await signUpAndRegister(app.url, { username: 'rosa', email: 'rosa@example.com' }));
      accessToken = tokens.access_token;
    });
    after(async () => {
      await app?.destroy();
      await redis?.stop();
    });

    test('a Redis that stops answering (SIGSTOP) is an outage within a second, and sign-ins come back with it', async () => {
      redis.freeze();
      try {
        assertFast503('POST /token', await timed(postToken(app.url, { grant_type: 'client_credentials' })), 'json');
        assertFast503('GET /userinfo', await timed(fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${accessToken}` } })), 'json');
        assertFast503('GET /auth', await timed(fetch((await codeRequestUrl(await relyingParty(app.url), { scope: 'openid' })).url, { headers: { accept: 'text/html' }, redirect: 'manual' })), 'page');
      } finally {
        redis.thaw();
      }
      await waitForReady(app.url);
      assert.equal(await signIn(app.url, authenticator, 'rosa'), sub);
    });

    test('/auth, the username step, /token and /userinfo answer 503 within a second; /readyz says which', async () => {
      // A sign-in half done when Redis goes: its page was served, the next step is not.
      const browser = new HttpBrowser(app.url);
      const request = await authorize(browser);
      const { tokens } = await signUpAndRegister(app.url, { username: 'otto', email: 'otto@example.com' });
      await redis.kill();

      assertFast503('GET /auth', await timed(fetch((await codeRequestUrl(await relyingParty(app.url), { scope: 'openid' })).url, { headers: { accept: 'text/html' }, redirect: 'manual' })), 'page');
      assertFast503('username step', await timed(browser.postForm(`/interaction/${request.uid}/login`, { login: 'rosa' }, { headers: { accept: 'text/html' } })), 'page');
      assertFast503('POST /token', await timed(postToken(app.url, { grant_type: 'client_credentials' })), 'json');
      assertFast503('GET /userinfo', await timed(fetch(`${app.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })), 'json');
      assertFast503('passkey options (a page script)', await timed(browser.postJson(`/interaction/${request.uid}/passkey/options`, { mode: 'autofill' })), 'json');

      const ready = await fetch(`${app.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(((await ready.json()) as { checks: object }).checks, { database: 'ok', store: 'down' });
      assert.equal((await fetch(`${app.url}/healthz`)).status, 200, 'the process is alive');
    });

    test('once Redis is back, people sign in again without a restart', async () => {
      await redis.start();
      await waitForReady(app.url);
      assert.equal(await signIn(app.url, authenticator, 'rosa'), sub);
    });
  });

  describe('PostgreSQL stopped', { skip: unlessInstalled(['PostgreSQL server'], 'apt-get install postgresql') }, () => {
    let postgres: OwnPostgres;
    let app: TestApp;
    let authenticator: SoftwareAuthenticator;
    let sub: string;
    before(async () => {
      postgres = await startOwnPostgres();
      const dataDir = mkdtempSync(path.join(tmpdir(), 'idp-outage-'));
      const database: TestDatabase = { databaseUrl: postgres.url, dataDir, schema: undefined, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
      app = await startTestApp({ database });
      cleanupDatabase = () => database.cleanup();
      ({ authenticator, sub } = await signUpAndRegister(app.url, { username: 'rosa', email: 'rosa@example.com' }));
    });
    let cleanupDatabase = async () => {};
    after(async () => {
      await app?.stop();
      await postgres?.remove();
      await cleanupDatabase();
    });

    test('the username step and a code redemption answer 503 within a second; /readyz says which', async () => {
      const browser = new HttpBrowser(app.url);
      const request = await authorize(browser);
      // A code issued before the outage: redeeming it needs the account from the database.
      const other = new HttpBrowser(app.url);
      const codeRequest = await authorize(other);
      const callback = await followToCallback(other, await signInWithPasskey(other, codeRequest.uid, authenticator, { login: 'rosa' }));
      await postgres.stop();
      // Until then the account just read at sign-in is served from memory (user-cache.ts), database or not.
      await sleep(USER_CACHE.ttlMs);

      assertFast503('username step', await timed(browser.postForm(`/interaction/${request.uid}/login`, { login: 'rosa' }, { headers: { accept: 'text/html' } })), 'page');
      assertFast503(
        'POST /token (authorization_code)',
        await timed(postToken(app.url, { grant_type: 'authorization_code', code: callback.searchParams.get('code') ?? '', redirect_uri: CALLBACK, code_verifier: codeRequest.verifier })),
        'json',
      );
      const ready = await fetch(`${app.url}/readyz`);
      assert.equal(ready.status, 503);
      assert.deepEqual(((await ready.json()) as { checks: object }).checks, { database: 'down', store: 'ok' });
    });

    test('once PostgreSQL is back, people sign in again without a restart; nothing was lost', async () => {
      await postgres.start();
      await waitForReady(app.url);
      assert.equal(await signIn(app.url, authenticator, 'rosa'), sub, 'the same account and passkey, from before the outage');
    });
  });
});
