import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import type { CDPSession } from 'playwright-core';
import { nextCodeFor } from './mail-sink.ts';
import { discoverAs, oidc } from './relying-party.ts';

export const CALLBACK = 'http://localhost:8080/callback';

/** A relying party's sign-in, begun in a browser: the page is at our hosted login. */
export interface BegunSignIn {
  page: Page;
  /** Waits for the redirect back to the app, then redeems the code like an app would. */
  finish(): Promise<{ tokens: oidc.TokenEndpointResponse; claims: oidc.UserInfoResponse; sub: string }>;
  /** Waits for the redirect back to the app and returns its query (for error responses). */
  callback(): Promise<URL>;
}

/** `params`: more authorization parameters (prompt, login_hint, max_age, …). */
export async function beginSignIn(issuer: string, page: Page, clientId = 'test-confidential', scope = 'openid profile email', params: Record<string, string> = {}): Promise<BegunSignIn> {
  const config = await discoverAs(issuer, clientId);
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope,
    state,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  });
  // Nothing listens at the app's address: the browser's request to it is the answer we want.
  // Waiting for that request to fail lets the redirect's cookies settle before the test goes on.
  const isCallback = (request: { url(): string }) => request.url().startsWith(CALLBACK);
  const requested = page.waitForEvent('requestfailed', { predicate: isCallback, timeout: 60_000 });
  requested.catch(() => {});
  // With a provider session (and consent), /auth sends the browser straight back to the app,
  // whose address answers nothing: that ends the navigation in Chromium's error page.
  await page.goto(url.href).catch((error: Error) => {
    if (!/chrome-error|ERR_CONNECTION_REFUSED/.test(error.message)) throw error;
  });
  const callback = async () => {
    const request = await requested;
    // Chromium then shows its own error page; let that navigation finish so it cannot cut
    // into the test's next one.
    await page.waitForURL((u) => u.protocol === 'chrome-error:', { timeout: 10_000 });
    return new URL(request.url());
  };
  return {
    page,
    callback,
    async finish() {
      const returned = await callback();
      const tokens = await oidc.authorizationCodeGrant(config, returned, { pkceCodeVerifier: verifier, expectedState: state });
      const sub = tokens.claims()?.sub;
      assert.ok(sub, 'the ID token names the user');
      const claims = await oidc.fetchUserInfo(config, tokens.access_token, sub);
      return { tokens, claims, sub };
    },
  };
}

/**
 * Holds back the login page's passkey autofill (its options request is never answered), so that only
 * the "Sign in with a passkey" button can use a passkey on the device: otherwise, on a busy machine,
 * autofill can take it first and leave the page mid-click. Returns the `mode` of every passkey
 * verification sent from now on, for the test to check which way the sign-in went.
 */
export async function holdPasskeyAutofill(page: Page): Promise<string[]> {
  const verifiedModes: string[] = [];
  await page.route('**/passkey/options', async (route) => {
    if ((route.request().postDataJSON() as { mode?: string } | null)?.mode !== 'autofill') await route.continue();
  });
  page.on('request', (request) => {
    if (request.url().endsWith('/passkey/verify')) verifiedModes.push(String((request.postDataJSON() as { mode?: string }).mode));
  });
  return verifiedModes;
}

export interface VirtualAuthenticator {
  cdp: CDPSession;
  id: string;
  credentials(): Promise<Array<Record<string, unknown>>>;
  addCredential(credential: Record<string, unknown>): Promise<void>;
  setUserVerified(verified: boolean): Promise<void>;
  remove(): Promise<void>;
}

/** A CDP virtual platform authenticator: resident keys, user verification, auto presence. */
export async function addVirtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('WebAuthn.enable', { enableUI: false });
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    cdp,
    id: authenticatorId,
    async credentials() {
      return (await cdp.send('WebAuthn.getCredentials', { authenticatorId })).credentials as unknown as Array<Record<string, unknown>>;
    },
    async addCredential(credential) {
      await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: credential as never });
    },
    async setUserVerified(isUserVerified) {
      await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified });
    },
    async remove() {
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
    },
  };
}

/** On the signup's "Confirm your email" page: the code mailed to `email` → "Verify". */
export async function enterSignupCode(page: Page, email: string): Promise<void> {
  await page.getByRole('textbox', { name: 'Code' }).waitFor();
  const { code } = await nextCodeFor(email);
  await page.getByRole('textbox', { name: 'Code' }).fill(code);
  await page.getByRole('button', { name: 'Verify' }).click();
}

/** From the login page: "Create an account" → username + email → the mailed code → "Create a passkey". */
export async function signUpInBrowser(page: Page, username: string, email: string): Promise<void> {
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('textbox', { name: 'Username', exact: true }).fill(username);
  await page.getByRole('textbox', { name: 'Email' }).fill(email);
  await page.getByRole('button', { name: 'Create account' }).click();
  await enterSignupCode(page, email);
  await page.getByRole('button', { name: 'Create a passkey' }).click();
}
