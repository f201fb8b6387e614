/**
 * A person in Chromium on the provider's hosted pages, with a CDP virtual authenticator (their
 * passkey lives there): sign up on the first visit, sign in with the passkey later, consent,
 * sign out. Each step first waits for its page, and when the provider shows its error page
 * instead (e.g. a request it refused), fails with what that page says.
 */
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { addVirtualAuthenticator, signUpInBrowser } from '../../helpers/sign-in.ts';

export interface Person {
  username: string;
  email: string;
  context: BrowserContext;
  page: Page;
}

/** A fresh browser profile with a passkey-capable authenticator and no passkey yet. */
export async function newPerson(browser: Browser, username: string): Promise<Person> {
  const context = await browser.newContext();
  // Failures should name the step quickly; a sign-in here takes a second or two.
  context.setDefaultTimeout(20_000);
  const page = await context.newPage();
  await addVirtualAuthenticator(page);
  return { username, email: `${username}@example.com`, context, page };
}

/**
 * Waits for `expected`. Fails at once, with what the provider said, when its error page comes
 * instead or when it sends the browser back to the app with an OAuth error.
 */
export async function expectHostedPage(page: Page, what: string, expected: Locator): Promise<void> {
  const errorPage = page.getByText('Error code:');
  const shown = expected.or(errorPage).first().waitFor();
  const sentBack = page.waitForURL((url) => url.searchParams.has('error') && url.searchParams.has('state')).then(() => {
    const url = new URL(page.url());
    return `the provider sent the browser back to the app with error=${url.searchParams.get('error')}: ${url.searchParams.get('error_description') ?? ''}`;
  });
  const refusal = await Promise.any([shown.then(() => undefined), sentBack]).catch((error: AggregateError) => {
    throw new Error(`expected ${what}, but it did not come (${String((error.errors[0] as Error).message).split('\n')[0]})`);
  });
  if (refusal) throw new Error(`expected ${what}, but ${refusal}`);
  if (await errorPage.isVisible()) {
    const main = page.locator('main');
    const said = [await main.locator('h1').innerText(), await main.getByRole('alert').first().innerText().catch(() => '')];
    throw new Error(`expected ${what}, but the provider showed its error page: ${said.filter(Boolean).join(': ')}`);
  }
}

/** On the hosted login page: "Create an account" → username + email → "Create a passkey". */
export async function signUp(person: Person): Promise<void> {
  await expectHostedPage(person.page, 'the hosted login page', person.page.getByRole('link', { name: 'Create an account' }));
  await signUpInBrowser(person.page, person.username, person.email);
}

/** Back on the hosted pages after the provider session ended: "Hi, <name>" → "Sign in with a passkey". */
export async function signInWithPasskey(person: Person): Promise<void> {
  const button = person.page.getByRole('button', { name: 'Sign in with a passkey' });
  await expectHostedPage(person.page, `the passkey step ("Hi, ${person.username}")`, button);
  await button.click();
}

/** The consent page of a third-party app: "Allow". */
export async function allowConsent(person: Person): Promise<void> {
  const allow = person.page.getByRole('button', { name: 'Allow' });
  await expectHostedPage(person.page, 'the consent page', allow);
  await allow.click();
}

/** The provider's "Sign out?" page, reached through an app's logout: "Sign out". */
export async function confirmSignOut(person: Person): Promise<void> {
  await expectHostedPage(person.page, 'the provider\'s "Sign out?" page', person.page.getByRole('heading', { name: 'Sign out?' }));
  await person.page.getByRole('button', { name: 'Sign out' }).click();
}

/**
 * Ends the provider session from the provider's own sign-out page, and forgets the app's cookies:
 * the person comes back later, as after closing the browser. For apps without a logout of their own.
 */
export async function endSessions(person: Person, issuer: string, appOrigin: string): Promise<void> {
  await person.page.goto(`${issuer}/session/end`);
  await confirmSignOut(person);
  await person.page.getByRole('heading', { name: 'You are signed out' }).waitFor();
  await person.context.clearCookies({ domain: new URL(appOrigin).hostname });
}

/** The JSON an app's page shows (every app here answers its user as JSON). */
export async function readJson(page: Page, what: string): Promise<Record<string, unknown>> {
  const text = (await page.locator('body').innerText()).trim();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new Error(`expected ${what} as JSON at ${page.url()}, got: ${text.slice(0, 500)}`);
  }
}
