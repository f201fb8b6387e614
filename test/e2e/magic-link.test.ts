import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'playwright-core';
import { BACKEND } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { launchBrowser, screenshotAllWays, ARTIFACTS_DIR, type Browser } from '../helpers/browser.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';
import { signUpAndRegister } from '../helpers/http-flow.ts';
import { closedPort, startSmtpServer, type TestSmtpServer, type ReceivedMail } from '../helpers/smtp.ts';

/** Waits for a mail beyond the first `seen` ones (so a resend is not mistaken for the first mail). */
async function mailAfter(smtp: TestSmtpServer, seen: number): Promise<{ mail: ReceivedMail; link: string; code: string }> {
  const deadline = Date.now() + 10_000;
  while (smtp.mails.length <= seen) {
    if (Date.now() > deadline) throw new Error('no mail arrived');
    await sleep(50);
  }
  const mail = smtp.mails[smtp.mails.length - 1]!;
  const text = mail.parsed.text ?? '';
  const link = /https?:\/\/\S+\/email\/\S+/.exec(text)?.[0];
  const code = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(text)?.[1];
  assert.ok(link && code, `link and code in: ${text}`);
  return { mail, link, code };
}

async function requestEmail(page: Page, app: TestApp, login: string): Promise<void> {
  await beginSignIn(app.url, page).then(() => undefined);
  await page.getByRole('textbox', { name: 'Username or email' }).fill(login);
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
}

describe(`emailed sign-in links in Chromium with a real SMTP server (${BACKEND})`, () => {
  let smtp: TestSmtpServer;
  let app: TestApp;
  let browser: Browser;
  before(async () => {
    smtp = await startSmtpServer();
    app = await startTestApp({ env: { SMTP_URL: smtp.url, TRUST_PROXY: 'true' } });
    browser = await launchBrowser();
  });
  after(async () => {
    await browser?.close();
    await app?.destroy();
    await smtp?.close();
  });

  test('link in the same browser → confirm → create a passkey → code → email_verified; next sign-in uses the passkey', async () => {
    await app.container.users.create({ username: 'mina', email: 'mina@example.com' });
    const context = await browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const seen = smtp.mails.length;
    const signIn = await beginSignIn(app.url, page);
    await page.getByRole('textbox', { name: 'Username or email' }).fill('mina');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    // Anyone can type a username: the page must not reveal the whole address.
    const sentText = await page.locator('main').innerText();
    assert.match(sentText, /m\*\*\*@example\.com/);
    assert.doesNotMatch(sentText, /mina@example\.com/);
    await screenshotAllWays(page, 'email-sent');
    const { mail, link } = await mailAfter(smtp, seen);
    assert.deepEqual(mail.to, ['mina@example.com']);

    // The rendered HTML email, as a person sees it.
    const mailPage = await context.newPage();
    await mailPage.setContent(mail.parsed.html ?? '');
    await mailPage.screenshot({ path: `${ARTIFACTS_DIR}/email-html.png`, fullPage: true });
    await mailPage.close();

    // A mail scanner opening the link first uses nothing up.
    const scanned = await fetch(link);
    assert.equal(scanned.status, 200);
    assert.match(await scanned.text(), /Open this link where you asked for it/);

    await page.goto(link);
    await page.getByRole('button', { name: 'Continue as mina' }).waitFor();
    await screenshotAllWays(page, 'email-confirm');
    await page.getByRole('button', { name: 'Continue as mina' }).click();
    await page.getByRole('button', { name: 'Create a passkey' }).click();
    const { claims, sub } = await signIn.finish();
    assert.equal(claims.email_verified, true);

    // The same link again: a clear page.
    const again = await context.newPage();
    await again.goto(link);
    await again.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    await again.close();

    // Next time, this browser signs in with the passkey it just made.
    await context.clearCookies({ name: /^_session/ });
    const next = await beginSignIn(app.url, page);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    assert.equal((await next.finish()).sub, sub);
    await context.close();
  });

  test('the link in another browser does not sign in; the code typed in the original does', async () => {
    await app.container.users.create({ username: 'omar', email: 'omar@example.com' });
    const original = await browser.newContext();
    const page = await original.newPage();
    const seen = smtp.mails.length;
    const signIn = await beginSignIn(app.url, page);
    await page.getByRole('textbox', { name: 'Username or email' }).fill('omar@example.com');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const { link, code } = await mailAfter(smtp, seen);

    const other = await browser.newContext();
    const otherPage = await other.newPage();
    await otherPage.goto(link);
    await otherPage.getByRole('heading', { name: 'Open this link where you asked for it' }).waitFor();
    await screenshotAllWays(otherPage, 'email-other-browser');
    await other.close();

    await page.getByRole('textbox', { name: 'Code' }).fill(code.toLowerCase().replace('-', ' '));
    await page.getByRole('button', { name: 'Sign in with the code' }).click();
    await page.getByRole('button', { name: 'Not now' }).click();
    const { claims } = await signIn.finish();
    assert.equal(claims.preferred_username, 'omar');
    await original.close();
  });

  test('five wrong codes invalidate the email; a resend invalidates the older link', async () => {
    await app.container.users.create({ username: 'pia', email: 'pia@example.com' });
    const context = await browser.newContext();
    const page = await context.newPage();
    let seen = smtp.mails.length;
    await requestEmail(page, app, 'pia');
    const first = await mailAfter(smtp, seen);

    seen = smtp.mails.length;
    await page.getByRole('button', { name: 'Send a new link' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    const second = await mailAfter(smtp, seen);
    assert.notEqual(first.link, second.link);
    const old = await context.newPage();
    await old.goto(first.link);
    await old.getByRole('heading', { name: 'This link no longer works' }).waitFor();
    await old.close();

    for (let attempt = 1; attempt <= 5; attempt++) {
      await page.getByRole('textbox', { name: 'Code' }).fill('ZZZZ-ZZZZ');
      await page.getByRole('button', { name: 'Sign in with the code' }).click();
      await page.getByRole('alert').first().waitFor();
    }
    assert.match(await page.locator('main').innerText(), /Too many wrong codes/);
    await page.getByRole('textbox', { name: 'Code' }).fill(second.code);
    await page.getByRole('button', { name: 'Sign in with the code' }).click();
    assert.match(await page.locator('main').innerText(), /expired or was already used/);
    await context.close();
  });

  test('if the app sign-in expired meanwhile, the link signs in to the account page, which says to return to the app', async () => {
    await app.container.users.create({ username: 'tess', email: 'tess@example.com' });
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = smtp.mails.length;
    await requestEmail(page, app, 'tess');
    const { link } = await mailAfter(smtp, seen);
    const uid = new URL(page.url()).pathname.split('/')[2]!;
    await (await app.container.provider.Interaction.find(uid))?.destroy();

    await page.goto(link);
    await page.getByRole('button', { name: 'Continue as tess' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    assert.match(await page.getByRole('status').innerText(), /Go back to the app/);
    assert.match(await page.locator('main').innerText(), /Signed in as tess/);
    await context.close();
  });

  test('an address first proven by email on an account that already has passkeys warns the owner (pre-hijacking)', async () => {
    // An account whose address nobody proved (made before verified signup, or by an operator),
    // with someone's passkey on it…
    await signUpAndRegister(app.url, { username: 'not-wendy', email: 'wendy@example.com', ip: '10.7.0.1' });
    await app.container.dataSource.getRepository('User').update({ username: 'not-wendy' }, { emailVerified: false });
    // …then Wendy, who never signed up, gets in by email and must be told.
    const context = await browser.newContext();
    const page = await context.newPage();
    const seen = smtp.mails.length;
    await requestEmail(page, app, 'wendy@example.com');
    const { link } = await mailAfter(smtp, seen);
    await page.goto(link);
    await page.getByRole('button', { name: 'Continue as not-wendy' }).click();
    await page.getByRole('alert').filter({ hasText: 'someone else may have signed up with your address' }).waitFor();
    await screenshotAllWays(page, 'email-prehijack-warning');
    assert.ok(await page.getByRole('button', { name: 'Create a passkey' }).isVisible());
    await context.close();
  });

  test('someone who signed up with a passkey and later uses an emailed link in the same browser sees no warning', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(app.url, page);
    await signUpInBrowser(page, 'vince', 'vince@example.com');
    await signIn.finish();
    // Later, signed out of the provider; the browser still knows who they are.
    await context.clearCookies({ name: /^_session/ });
    const seen = smtp.mails.length;
    await beginSignIn(app.url, page);
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click();
    const { link } = await mailAfter(smtp, seen);
    await page.goto(link);
    await page.getByRole('button', { name: 'Continue as vince' }).click();
    await page.waitForURL((url) => !url.pathname.startsWith('/email/'));
    assert.doesNotMatch(await page.locator('body').innerText(), /someone else may have signed up/);
    await context.close();
  });

  test('rate limit: the fourth email in 15 minutes gets a 429 page saying when to try again', async () => {
    await app.container.users.create({ username: 'quinn', email: 'quinn@example.com' });
    const context = await browser.newContext();
    const page = await context.newPage();
    await requestEmail(page, app, 'quinn');
    for (let i = 0; i < 2; i++) {
      await page.getByRole('button', { name: 'Send a new link' }).click();
      await page.getByRole('heading', { name: 'Check your email' }).waitFor();
    }
    const [response] = await Promise.all([
      page.waitForResponse((r) => r.request().method() === 'POST' && r.url().endsWith('/email')),
      page.getByRole('button', { name: 'Send a new link' }).click(),
    ]);
    assert.equal(response.status(), 429);
    await page.getByRole('heading', { name: 'Too many attempts' }).waitFor();
    assert.match(await page.locator('main').innerText(), /wait \d+ (minutes|seconds)/);
    await screenshotAllWays(page, 'rate-limited');
    await context.close();
  });
});

describe(`emailed sign-in edge cases in Chromium (${BACKEND})`, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(() => browser?.close());

  test('an expired link fails clearly', async () => {
    const smtp = await startSmtpServer();
    const app = await startTestApp({ env: { SMTP_URL: smtp.url }, adjustConfig: (config) => (config.magicLinkTtl = 2) });
    try {
      await app.container.users.create({ username: 'rae', email: 'rae@example.com' });
      const context = await browser.newContext();
      const page = await context.newPage();
      await requestEmail(page, app, 'rae');
      const { link } = await mailAfter(smtp, 0);
      await sleep(2_500);
      await page.goto(link);
      await page.getByRole('heading', { name: 'This link no longer works' }).waitFor();
      await context.close();
    } finally {
      await app.destroy();
      await smtp.close();
    }
  });

  test('SMTP down: a clear error page, and the server stays healthy', async () => {
    const app = await startTestApp({ env: { SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` } });
    try {
      await app.container.users.create({ username: 'sam', email: 'sam@example.com' });
      const context = await browser.newContext();
      const page = await context.newPage();
      await requestEmail(page, app, 'sam');
      await page.getByText('We couldn’t send the email — try again.').waitFor();
      await screenshotAllWays(page, 'email-failed');
      assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
      assert.equal((await fetch(`${app.url}/readyz`)).status, 200);
      await context.close();
    } finally {
      await app.destroy();
    }
  });
});
