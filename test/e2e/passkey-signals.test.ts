import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { User } from '../../src/db/entities/user.ts';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays, type BrowserContext, type Page } from '../helpers/browser.ts';
import { addVirtualAuthenticator, beginSignIn, holdPasskeyAutofill, signUpInBrowser, type VirtualAuthenticator } from '../helpers/sign-in.ts';

const SIGNALS = ['signalAllAcceptedCredentials', 'signalCurrentUserDetails', 'signalUnknownCredential'] as const;
type SignalName = (typeof SIGNALS)[number];

interface SignalCall {
  name: SignalName;
  options: { rpId: string; userId?: string; credentialId?: string; allAcceptedCredentialIds?: string[]; name?: string; displayName?: string };
}

/**
 * Wraps Chromium's own Signal API functions: each call is reported to the test (through a binding,
 * so calls made just before a navigation are not lost) and then goes to the real function.
 */
async function recordSignals(context: BrowserContext): Promise<SignalCall[]> {
  const calls: SignalCall[] = [];
  await context.exposeBinding('__recordSignal', (_source, call: SignalCall) => {
    calls.push(call);
  });
  await context.addInitScript((names: readonly string[]) => {
    const api = window.PublicKeyCredential as unknown as Record<string, (options: unknown) => unknown> | undefined;
    if (!api) return;
    for (const name of names) {
      const original = api[name];
      if (typeof original !== 'function') continue;
      api[name] = function (this: unknown, options: unknown) {
        (window as unknown as { __recordSignal(call: unknown): void }).__recordSignal({ name, options: JSON.parse(JSON.stringify(options)) });
        return original.call(this, options);
      };
    }
  }, SIGNALS);
  return calls;
}

/** Errors a page script threw, and the console's errors (Chromium logs a failed fetch there too). */
function collectErrors(page: Page): { thrown: string[]; console: string[] } {
  const errors = { thrown: [] as string[], console: [] as string[] };
  page.on('pageerror', (error) => errors.thrown.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.console.push(message.text());
  });
  return errors;
}

/** Waits until `calls` has one more `name` call than `seen`, and returns it. */
async function nextCall(calls: SignalCall[], name: SignalName, seen: number): Promise<SignalCall['options']> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const matching = calls.filter((c) => c.name === name);
    if (matching.length > seen) return matching[seen]!.options;
    if (Date.now() > deadline) assert.fail(`no ${name} call after ${seen}; calls: ${JSON.stringify(calls)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls `read` until `accept` holds (Chromium acts on a signal in its own time). */
async function eventually<T>(what: string, read: () => Promise<T>, accept: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const value = await read();
    if (accept(value)) return value;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const count = (calls: SignalCall[], name: SignalName) => calls.filter((c) => c.name === name).length;
/** CDP gives credential ids and user handles in base64; the server and the API speak base64url. */
const b64url = (base64: unknown) => Buffer.from(String(base64), 'base64').toString('base64url');

async function credentialOf(authenticator: VirtualAuthenticator): Promise<Record<string, unknown>> {
  const [credential] = await authenticator.credentials();
  assert.ok(credential);
  return credential;
}

describe(`passkey signals (WebAuthn Signal API) in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();

  /** The account's first passkey (kept current: copies need the latest counter) and the user handle. */
  let first: Record<string, unknown> | undefined;
  /** A second passkey, deleted on the account page; the device still holds it. */
  let deleted: Record<string, unknown> | undefined;
  let userId = '';

  test('the account page signals after signup, rename, add and delete', async () => {
    const context = await suite.browser.newContext();
    const calls = await recordSignals(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const laptop = await addVirtualAuthenticator(page);

    await page.goto(`${suite.app.url}/account`);
    await page.getByRole('textbox', { name: 'Username or email' }).waitFor();
    await signUpInBrowser(page, 'ada', 'ada@example.com');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    first = await credentialOf(laptop);
    const firstId = b64url(first['credentialId']);
    userId = b64url(first['userHandle']);
    assert.equal(Buffer.from(userId, 'base64url').toString('utf8').length, 36, 'the handle is the account id as registered');

    assert.deepEqual(await nextCall(calls, 'signalAllAcceptedCredentials', 0), { rpId: 'localhost', userId, allAcceptedCredentialIds: [firstId] });
    assert.deepEqual(await nextCall(calls, 'signalCurrentUserDetails', 0), { rpId: 'localhost', userId, name: 'ada', displayName: 'ada' });

    // Rename: the page comes back and says again what the account has.
    await page.getByText('Rename or delete').click();
    await page.getByRole('textbox', { name: /New name for/ }).fill('Work laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey renamed.' }).waitFor();
    assert.deepEqual(await nextCall(calls, 'signalAllAcceptedCredentials', 1), { rpId: 'localhost', userId, allAcceptedCredentialIds: [firstId] });
    assert.deepEqual(await nextCall(calls, 'signalCurrentUserDetails', 1), { rpId: 'localhost', userId, name: 'ada', displayName: 'ada' });

    // Add: a second device's passkey joins the list.
    await laptop.remove();
    const phone = await addVirtualAuthenticator(page);
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey added.' }).waitFor();
    deleted = await credentialOf(phone);
    const deletedId = b64url(deleted['credentialId']);
    assert.deepEqual(await nextCall(calls, 'signalAllAcceptedCredentials', 2), { rpId: 'localhost', userId, allAcceptedCredentialIds: [firstId, deletedId] });

    // Delete: the deleted passkey is no longer accepted.
    await page.locator('.passkey').nth(1).getByText('Rename or delete').click();
    await page.locator('.passkey').nth(1).getByRole('link', { name: /^Delete/ }).click();
    await page.getByRole('button', { name: 'Delete passkey' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey deleted.' }).waitFor();
    const afterDelete = await nextCall(calls, 'signalAllAcceptedCredentials', 3);
    assert.deepEqual(afterDelete, { rpId: 'localhost', userId, allAcceptedCredentialIds: [firstId] });
    assert.ok(!afterDelete.allAcceptedCredentialIds?.includes(deletedId));
    // Chromium acts on it: the phone's copy of the deleted passkey is gone (the user handle matched).
    await eventually('the deleted passkey on the phone', () => phone.credentials(), (held) => held.length === 0);
    assert.equal(count(calls, 'signalUnknownCredential'), 0);
    assert.deepEqual(errors.thrown, []);
    assert.deepEqual(errors.console, []);
    await context.close();
  });

  test('a passkey sign-in signals the account\'s passkeys and names before going back to the app', async () => {
    assert.ok(first && userId);
    const context = await suite.browser.newContext();
    const calls = await recordSignals(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const authenticator = await addVirtualAuthenticator(page);
    await authenticator.addCredential(first);
    // The person's name changed since the passkey was made (an administrator set it).
    await suite.app.container.dataSource.getRepository<User>('User').update({ username: 'ada' }, { name: 'Ada Lovelace' });
    const signIn = await beginSignIn(suite.app.url, page);
    // Chromium answers the autofill request with the discoverable passkey by itself.
    const { claims } = await signIn.finish();
    assert.equal(claims.preferred_username, 'ada');
    const firstId = b64url(first['credentialId']);
    assert.deepEqual(await nextCall(calls, 'signalAllAcceptedCredentials', 0), { rpId: 'localhost', userId, allAcceptedCredentialIds: [firstId] });
    assert.deepEqual(await nextCall(calls, 'signalCurrentUserDetails', 0), { rpId: 'localhost', userId, name: 'ada', displayName: 'Ada Lovelace' });
    // The passkey on the device now carries the new name.
    const [renamed] = await eventually('the display name on the device', () => authenticator.credentials(), ([held]) => held?.['userDisplayName'] === 'Ada Lovelace');
    assert.equal(renamed?.['userName'], 'ada');
    first = await credentialOf(authenticator);
    assert.equal(count(calls, 'signalUnknownCredential'), 0);
    assert.deepEqual(errors.thrown, []);
    await context.close();
  });

  test('signing in with a passkey deleted on the server: signalUnknownCredential and a clear message', async () => {
    assert.ok(deleted);
    const context = await suite.browser.newContext();
    const calls = await recordSignals(context);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const authenticator = await addVirtualAuthenticator(page);
    await authenticator.addCredential(deleted);
    await beginSignIn(suite.app.url, page);
    // Offered by the browser (autofill), refused by the server.
    await page.getByRole('alert').filter({ hasText: 'This passkey is not registered here' }).waitFor();
    assert.deepEqual(await nextCall(calls, 'signalUnknownCredential', 0), { rpId: 'localhost', credentialId: b64url(deleted['credentialId']) });
    assert.equal(count(calls, 'signalAllAcceptedCredentials'), 0);
    // Chromium acts on it: the device forgets the passkey.
    await eventually('the unknown passkey on the device', () => authenticator.credentials(), (held) => held.length === 0);
    await screenshotAllWays(page, 'passkey-unknown');
    assert.deepEqual(errors.thrown, []);
    assert.deepEqual(errors.console.filter((text) => !/status of 400/.test(text)), [], 'only the refused verify is logged, by Chromium');
    await context.close();
  });

  test('without the Signal API (older browsers) every flow works and nothing is thrown', async () => {
    assert.ok(first && deleted);
    const context = await suite.browser.newContext();
    await context.addInitScript((names: readonly string[]) => {
      const api = window.PublicKeyCredential as unknown as Record<string, unknown> | undefined;
      for (const name of names) if (api) delete api[name];
    }, SIGNALS);
    const page = await context.newPage();
    const errors = collectErrors(page);
    const authenticator = await addVirtualAuthenticator(page);

    // A passkey the server no longer knows: the same message, no exception.
    await authenticator.addCredential(deleted);
    await beginSignIn(suite.app.url, page);
    assert.equal(await page.evaluate(() => typeof (window.PublicKeyCredential as unknown as Record<string, unknown>)['signalUnknownCredential']), 'undefined');
    await page.getByRole('alert').filter({ hasText: 'This passkey is not registered here' }).waitFor();

    // The right passkey signs in, then the account page (which would signal) works as ever.
    await authenticator.remove();
    const device = await addVirtualAuthenticator(page);
    await device.addCredential(first);
    const modes = await holdPasskeyAutofill(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    assert.equal((await signIn.finish()).claims.preferred_username, 'ada');
    assert.deepEqual(modes, ['discoverable']);
    first = await credentialOf(device);
    await page.goto(`${suite.app.url}/account`);
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await page.getByText('Rename or delete').click();
    await page.getByRole('textbox', { name: /New name for/ }).fill('Laptop');
    await page.getByRole('button', { name: 'Rename' }).click();
    await page.getByRole('status').filter({ hasText: 'Passkey renamed.' }).waitFor();
    assert.deepEqual(errors.thrown, []);
    assert.deepEqual(errors.console.filter((text) => !/status of 400/.test(text)), []);
    await context.close();
  });
});
