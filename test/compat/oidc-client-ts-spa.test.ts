import assert from 'node:assert/strict';
import { describe } from 'node:test';
import type { Page } from 'playwright-core';
import { freePort } from '../helpers/ports.ts';
import { startSpaServer } from './apps/oidc-client-ts-spa/server.ts';
import { compatTest, npmVersion } from './harness/report.ts';
import { confirmSignOut, newPerson, signInWithPasskey, signUp } from './harness/person.ts';
import { compatSuite } from './harness/suite.ts';

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;

interface SpaState {
  signedIn: boolean;
  name?: string;
  email?: string;
  hasRefreshToken?: boolean;
  accessToken?: string;
  refreshToken?: string;
  refreshes?: number;
  error?: string;
}

/** What the page shows once its last action finished (index.html sets data-ready). */
async function spaState(page: Page): Promise<SpaState> {
  await page.locator('body[data-ready="true"]').waitFor();
  const state = JSON.parse((await page.locator('#state').textContent()) ?? '{}') as SpaState;
  if (state.error) throw new Error(`the SPA reports: ${state.error}`);
  return state;
}

describe('oidc-client-ts single-page app (public client, PKCE)', () => {
  const suite = compatSuite({
    clientFile: {
      client_id: 'spa',
      client_name: 'Single-page app',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:${SPA_PORT}/callback'],
      post_logout_redirect_uris: ['http://127.0.0.1:${SPA_PORT}/signed-out'],
      grant_types: ['authorization_code', 'refresh_token'],
      scope: 'openid profile email offline_access',
      first_party: true,
    },
    env: { SPA_PORT: String(port) },
    startApp: (issuer) => startSpaServer({ port, issuer, clientId: 'spa' }),
  });

  const row = {
    client: 'oidc-client-ts (SPA)',
    version: npmVersion('oidc-client-ts'),
    settings: 'defaults (code + PKCE S256, ID token claims, no userinfo) + scope "openid profile email offline_access"',
  };

  compatTest(suite, row, 'sign up, profile name and email, refresh token via signinSilent, signoutRedirect, sign in with the passkey', async (watch) => {
    const person = await newPerson(suite.browser, 'spa.user');
    watch.page(person.page);
    const { page } = person;

    await page.goto(origin);
    assert.equal((await spaState(page)).signedIn, false);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await signUp(person);
    await page.waitForURL(`${origin}/`);
    const signedIn = await spaState(page);
    assert.equal(signedIn.name, person.username, 'user.profile.name (from the ID token)');
    assert.equal(signedIn.email, person.email, 'user.profile.email (from the ID token)');
    assert.equal(signedIn.hasRefreshToken, true, 'offline_access gives a first-party app a refresh token');

    // signinSilent uses the refresh token (no iframe): new tokens, and a public client's refresh token rotates.
    await page.getByRole('button', { name: 'Refresh tokens' }).click();
    const refreshed = await spaState(page);
    assert.equal(refreshed.refreshes, 1);
    assert.notEqual(refreshed.accessToken, signedIn.accessToken, 'a new access token');
    assert.notEqual(refreshed.refreshToken, signedIn.refreshToken, 'the refresh token rotated');
    assert.equal(refreshed.email, person.email);

    // signoutRedirect: end_session with id_token_hint, our confirm page, back to the app.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await confirmSignOut(person);
    await page.waitForURL(`${origin}/signed-out`);
    assert.equal((await spaState(page)).signedIn, false);

    await page.getByRole('button', { name: 'Sign in' }).click();
    await signInWithPasskey(person);
    await page.waitForURL(`${origin}/`);
    assert.equal((await spaState(page)).email, person.email);
    await person.context.close();
  });
});
