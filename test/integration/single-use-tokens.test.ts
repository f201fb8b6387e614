import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { postAsClient, type EndpointAnswer } from '../helpers/client-endpoints.ts';
import { BACKEND, createTestDatabase, deletePrefix, uniqueName, type TestDatabase } from '../helpers/backends.ts';
import { CALLBACK, codeRequestUrl, followAllowing, relyingParty, signUpAndRegister, type HttpBrowser } from '../helpers/http-flow.ts';

/**
 * RFC 6749 §4.1.2 and RFC 9700 §4.14: an authorization code and a rotating refresh token are
 * single-use. Fired at the token endpoint all at once — from one instance or spread over three
 * that share one database and store — exactly one redemption succeeds, the rest are
 * `invalid_grant`, and the detected reuse revokes every token of the grant.
 */
const ROUNDS = 5;
const CODE_REDEMPTIONS = 12;
const REFRESHES = 10;

const postToken = (issuer: string, clientId: string, params: Record<string, string>) => postAsClient(issuer, 'token', clientId, params);

async function introspect(issuer: string, clientId: string, token: string): Promise<boolean> {
  return (await postAsClient(issuer, 'token/introspection', clientId, { token })).body['active'] === true;
}

/** A fresh code for a browser that already has a provider session (consenting when asked). */
async function freshCode(browser: HttpBrowser, clientId: string, scope: string, prompt?: string) {
  const { url, verifier } = await codeRequestUrl(await relyingParty(browser.issuer, clientId), { scope, ...(prompt ? { prompt } : {}) });
  const target = await followAllowing(browser, url);
  const code = target.searchParams.get('code');
  assert.ok(code, `a code: ${target.href}`);
  return { code, verifier };
}

/** Sends every request at once, each to the next instance in turn (a round-robin balancer). */
function fireAtOnce(issuers: string[], count: number, send: (issuer: string) => Promise<EndpointAnswer>): Promise<EndpointAnswer[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => send(issuers[i % issuers.length]!)));
}

function assertOneWinner(answers: EndpointAnswer[], what: string): EndpointAnswer {
  const statuses = answers.map((a) => a.status);
  const winners = answers.filter((a) => a.status === 200);
  assert.equal(winners.length, 1, `${what}: exactly one 200, got ${statuses.join(',')}`);
  for (const loser of answers.filter((a) => a.status !== 200)) {
    assert.equal(loser.status, 400, `${what}: ${JSON.stringify(loser.body)}`);
    assert.equal(loser.body['error'], 'invalid_grant');
  }
  return winners[0]!;
}

interface Deployment {
  apps: TestApp[];
  remove(): Promise<void>;
}

function scenario(name: string, start: () => Promise<Deployment>) {
  describe(name, () => {
    let deployment: Deployment | undefined;
    let apps: TestApp[] = [];
    let issuers: string[] = [];
    let browser: HttpBrowser;
    before(async () => {
      deployment = await start();
      apps = deployment.apps;
      issuers = apps.map((app) => app.url);
      // One person, signed in on the first instance; the others share its store and see the session.
      ({ browser } = await signUpAndRegister(apps[0]!.url, { username: uniqueName('u').slice(0, 30).toLowerCase(), email: `${uniqueName('e')}@example.com` }));
    });
    after(() => deployment?.remove());

    test(`${CODE_REDEMPTIONS} simultaneous redemptions of one code: one 200, the rest invalid_grant, and the winner's tokens die (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { code, verifier } = await freshCode(browser, 'test-confidential', 'openid');
        const answers = await fireAtOnce(issuers, CODE_REDEMPTIONS, (issuer) =>
          postToken(issuer, 'test-confidential', { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier }),
        );
        const winner = assertOneWinner(answers, `round ${round}`);
        assert.equal(await introspect(issuers[0]!, 'test-confidential', String(winner.body['access_token'])), false, 'reuse revoked the access token');
      }
    });

    test(`${REFRESHES} simultaneous uses of one rotating refresh token: one 200, the rest invalid_grant, every token of the grant revoked (${ROUNDS} rounds)`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const { code, verifier } = await freshCode(browser, 'test-public-offline', 'openid offline_access', 'consent');
        const first = await postToken(issuers[0]!, 'test-public-offline', { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier });
        assert.equal(first.status, 200, JSON.stringify(first.body));
        const refreshToken = String(first.body['refresh_token']);
        assert.ok(first.body['refresh_token'], 'offline_access gave a refresh token');

        const answers = await fireAtOnce(issuers, REFRESHES, (issuer) =>
          postToken(issuer, 'test-public-offline', { grant_type: 'refresh_token', refresh_token: refreshToken }),
        );
        const winner = assertOneWinner(answers, `round ${round}`);
        const rotated = await postToken(issuers[1 % issuers.length]!, 'test-public-offline', { grant_type: 'refresh_token', refresh_token: String(winner.body['refresh_token']) });
        assert.equal(rotated.status, 400, "the winner's new refresh token was revoked with the grant");
        assert.equal(rotated.body['error'], 'invalid_grant');
        assert.equal(await introspect(issuers[0]!, 'test-public-offline', String(first.body['access_token'])), false);
      }
    });

    test('a sequential replay of a used code is refused the same way', async () => {
      const { code, verifier } = await freshCode(browser, 'test-confidential', 'openid');
      const params = { grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier };
      const first = await postToken(issuers[0]!, 'test-confidential', params);
      assert.equal(first.status, 200);
      const replay = await postToken(issuers[issuers.length - 1]!, 'test-confidential', params);
      assert.equal(replay.status, 400);
      assert.equal(replay.body['error'], 'invalid_grant');
      assert.equal(await introspect(issuers[0]!, 'test-confidential', String(first.body['access_token'])), false);
    });
  });
}

describe(`single-use codes and refresh tokens under concurrency (${BACKEND})`, () => {
  scenario('one instance', async () => {
    const app = await startTestApp();
    return { apps: [app], remove: () => app.destroy() };
  });

  scenario('three instances on one database and store, requests spread round-robin', async () => {
    const database: TestDatabase = await createTestDatabase();
    const storePrefix = `${uniqueName('trio')}:`;
    const first = await startTestApp({ database, storePrefix });
    const others = await Promise.all([1, 2].map(() => startTestApp({ database, storePrefix })));
    const apps = [first, ...others];
    return {
      apps,
      async remove() {
        await Promise.all(apps.map((app) => app.stop()));
        await deletePrefix(storePrefix);
        await database.cleanup();
      },
    };
  });
});
