import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchBrowser, screenshotAllWays, type Browser } from '../helpers/browser.ts';
import { discoverAs, oidc } from '../helpers/relying-party.ts';

describe(`hosted pages in Chromium (${BACKEND})`, () => {
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    app = await startTestApp();
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.destroy();
  });

  test('an authorization request from the relying party lands on the sign-in page', async () => {
    const config = await discoverAs(app.url);
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: 'http://localhost:8080/callback',
      scope: 'openid profile email',
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
    });
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(url.href);
    assert.equal(response?.status(), 200);
    assert.match(new URL(page.url()).pathname, /^\/interaction\/[\w-]+$/);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await screenshotAllWays(page, 'interaction');
    await context.close();
  });

  test('errors are our own page, with no stack trace', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const response = await page.goto(`${app.url}/auth?client_id=nobody&response_type=code&scope=openid`);
    assert.equal(response?.status(), 400);
    assert.equal(await page.getByRole('heading', { level: 1 }).textContent(), 'Unknown app');
    assert.match(await page.locator('main').innerText(), /invalid_client/);
    await screenshotAllWays(page, 'error');
    await context.close();
  });
});
