import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays } from '../helpers/browser.ts';
import { discoverAs, oidc } from '../helpers/relying-party.ts';

describe(`hosted pages in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();

  test('an authorization request from the relying party lands on the sign-in page', async () => {
    const config = await discoverAs(suite.app.url);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://localhost:8080/callback',
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(url.href);
    assert.equal(response?.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/interaction\/[\w-]+$/);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await screenshotAllWays(page, 'interaction');
    await context.close();
  });

  test('errors are our own page, with no stack trace', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${suite.app.url}/auth?client_id=nobody&response_type=code&scope=openid`);
    assert.equal(response?.status(), 400);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Unknown app');
    assert.match(await page.locator('main').innerText(), /invalid_client/);
    await screenshotAllWays(page, 'error');
    await context.close();
  });
});
