/**
 * axe-core on every hosted page state, at 390 and 1280 px, in light and dark mode, for the default
 * accent and for extreme APP_ACCENT values: no serious or critical WCAG 2.1 A/AA violation. Plus
 * the focus outline, which axe does not judge: solid, and 3:1 against the card and the page.
 *
 * To add a page state, add an entry to STATES: a name and a function that brings a fresh page
 * (its own browser context) to that state and waits until it is there. Set A11Y_SCREENSHOTS=1 to
 * save every checked combination under test-artifacts/a11y/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { contrastRatio, toHex } from '../../src/lib/colour-contrast.ts';
import type { ClientMetadata } from 'oidc-provider';
import { DEVICE_CODE_GRANT } from '../../src/config/clients/supported.ts';
import { startTestApp, TEST_CLIENTS, type TestApp } from '../helpers/app.ts';
import { axeViolations, formatViolations } from '../helpers/axe.ts';
import { BACKEND } from '../helpers/backends.ts';
import { ARTIFACTS_DIR, launchBrowser, type Browser, type BrowserContext, type Page } from '../helpers/browser.ts';
import { signUpAndRegister } from '../helpers/http-flow.ts';
import { addVirtualAuthenticator, beginSignIn, type VirtualAuthenticator } from '../helpers/sign-in.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const WIDTHS = [390, 1280] as const;
const HEIGHT = 844;
const SCHEMES = ['light', 'dark'] as const;
type ColourScheme = (typeof SCHEMES)[number];

/** What a state's function gets: the app, and a fresh page in a browser context of its own. */
interface StateEnv {
  app: TestApp;
  smtp: TestSmtpServer;
  page: Page;
  /** The address the page's requests come from (X-Forwarded-For): each state has its own. */
  ip: string;
  /** A name not used before in this app, for usernames and email addresses. */
  unique(prefix: string): string;
  /** Another browser (another device), closed once the state has been checked. */
  otherContext(): Promise<BrowserContext>;
}

interface PageState {
  name: string;
  /** Brings env.page to the state and waits for what shows it (a field, an alert, a button). */
  reach(env: StateEnv): Promise<void>;
}

// ---- Steps shared by the states. Selectors avoid wording, which is translated. ----

/** The relying party starts a sign-in: the username step. */
async function atUsernameStep({ app, page }: StateEnv, clientId?: string): Promise<void> {
  await beginSignIn(app.url, page, clientId);
  await page.locator('#login').waitFor();
}

async function createUser(env: StateEnv): Promise<{ id: string; username: string; email: string }> {
  const username = env.unique('user');
  const email = `${username}@example.com`;
  const { id } = await env.app.container.users.create({ username, email });
  return { id, username, email };
}

/** An account with a passkey, signed up over HTTP (the way the integration tests do). */
async function createUserWithPasskey(env: StateEnv): Promise<{ username: string }> {
  const username = env.unique('keyed');
  await signUpAndRegister(env.app.url, { username, email: `${username}@example.com`, ip: env.ip });
  return { username };
}

/** Username step → "Continue" → the passkey step (its "email me a link" form is only there). */
async function atPasskeyStep(env: StateEnv, login: string): Promise<void> {
  await atUsernameStep(env);
  await env.page.locator('#login').fill(login);
  await env.page.locator('form[action$="/login"] button[type="submit"]').click();
  await env.page.locator('form[action$="/email"] button').waitFor();
}

/** The passkey step → "Email me a sign-in link" → "Check your email"; returns the emailed link. */
async function requestEmail(env: StateEnv, email: string): Promise<string> {
  await atPasskeyStep(env, email);
  await env.page.locator('form[action$="/email"] button').click();
  await env.page.locator('#code').waitFor();
  const mail = await env.smtp.waitForMail(email);
  const link = /https?:\/\/\S+\/email\/\S+/.exec(mail.parsed.text ?? '')?.[0];
  assert.ok(link, 'the email has a sign-in link');
  return link;
}

/** Scripted buttons are served disabled or hidden; this waits until their script has armed them. */
async function armed(page: Page, selector: string): Promise<void> {
  await page.locator(`${selector}:not([disabled]):not([hidden])`).waitFor();
}

/** From the username step: signup form → submitted → "Create a passkey" (armed). */
async function signUp(env: StateEnv): Promise<void> {
  const { page } = env;
  const username = env.unique('new');
  await page.locator('a[href$="/signup"]').click();
  await page.locator('#username').fill(username);
  await page.locator('#email').fill(`${username}@example.com`);
  await page.locator('form[action$="/signup"] button[type="submit"]').click();
  // A signup that must confirm its address first (code by email) goes through that step here.
  const verify = page.locator('form[action$="/signup/verify"]');
  await Promise.race([armed(page, '#register-button'), verify.waitFor()]);
  if (await verify.isVisible()) {
    const mail = await env.smtp.waitForMail(`${username}@example.com`);
    const code = /\b([A-Z2-9]{4}-[A-Z2-9]{4})\b/.exec(mail.parsed.text ?? '')?.[1];
    assert.ok(code, 'the verification email has a code');
    await page.locator('#code').fill(code);
    await verify.locator('button[type="submit"]').click();
  }
  await armed(page, '#register-button');
}

/** Signs up with a passkey (virtual authenticator) from the username step; leaves the page wherever that goes. */
async function signUpWithPasskey(env: StateEnv): Promise<VirtualAuthenticator> {
  const authenticator = await addVirtualAuthenticator(env.page);
  await signUp(env);
  await env.page.locator('#register-button').click();
  return authenticator;
}

/** A new account with one passkey, on the account page with "Rename or delete" open. */
async function atAccountPage(env: StateEnv): Promise<VirtualAuthenticator> {
  const { app, page } = env;
  await page.goto(`${app.url}/account`);
  await page.locator('#login').waitFor();
  const authenticator = await signUpWithPasskey(env);
  await page.waitForURL((url) => url.pathname === '/account');
  await page.locator('.passkey details summary').first().click();
  await page.locator('.passkey details[open]').first().waitFor();
  return authenticator;
}

/** A new account with a passkey, made a member of `admins`, on an admin page (its passkey stays on the page). */
async function atAdminPage(env: StateEnv, path = '/admin'): Promise<void> {
  const { app, page } = env;
  await page.goto(`${app.url}/account`);
  await page.locator('#login').waitFor();
  await signUpWithPasskey(env);
  await page.waitForURL((url) => url.pathname === '/account');
  const username = (await page.locator('main p.muted strong').first().innerText()).trim();
  const { groups, accountAdmin } = app.container;
  if (!(await groups.list()).some((group) => group.name === 'admins')) await groups.create('admins');
  await groups.addMember('admins', (await accountAdmin.resolve(username)).id);
  await page.goto(`${app.url}${path}`);
  await page.locator('.admin-nav').waitFor();
}

/** A relying party's sign-in finished with a new account: the browser has a provider session. */
async function signedIn(env: StateEnv): Promise<void> {
  const signIn = await beginSignIn(env.app.url, env.page);
  await env.page.locator('#login').waitFor();
  await signUpWithPasskey(env);
  await signIn.callback();
}

/** A TV app (RFC 8628 device sign-in): its codes lead to the /device pages. */
const DEVICE_CLIENT = { client_id: 'test-tv', client_name: 'Living-room TV', token_endpoint_auth_method: 'none', grant_types: [DEVICE_CODE_GRANT], response_types: [], redirect_uris: [], scope: 'openid profile' } as const satisfies ClientMetadata;

/** The device asks for a code, as a TV does; the page is at the code page its link opens (code filled in). */
async function atDeviceCode({ app, page }: StateEnv): Promise<void> {
  const response = await fetch(`${app.url}/device/auth`, { method: 'POST', body: new URLSearchParams({ client_id: DEVICE_CLIENT.client_id, scope: DEVICE_CLIENT.scope }) });
  const { verification_uri_complete: link } = (await response.json()) as { verification_uri_complete: string };
  await page.goto(link);
  await page.locator('#user_code').waitFor();
}

/** Signed in, the code typed: "Allow this device?". */
async function atDeviceConfirmation(env: StateEnv): Promise<void> {
  await signedIn(env);
  await atDeviceCode(env);
  await env.page.locator('form[action$="/device"] button[type="submit"]').click();
  await env.page.locator('button[name="decision"][value="allow"]').waitFor();
}

const STATES: PageState[] = [
  {
    name: 'home: signed out',
    async reach({ app, page }) {
      await page.goto(`${app.url}/`);
      await page.locator('a[href="/account"]').waitFor();
    },
  },
  {
    name: 'home: signed in',
    async reach(env) {
      await signedIn(env);
      await env.page.goto(`${env.app.url}/`);
      await env.page.locator('form[action="/account/signout"]').waitFor();
    },
  },
  { name: 'username', reach: (env) => atUsernameStep(env) },
  {
    name: 'username: passkey button and hint (German)',
    async reach(env) {
      await atUsernameStep(env);
      await env.page.goto(`${env.page.url()}?lang=de`);
      await armed(env.page, '#passkey-option');
    },
  },
  {
    name: 'signup: confirm your email, wrong code',
    async reach(env) {
      const { page } = env;
      await atUsernameStep(env);
      const username = env.unique('verify');
      await page.locator('a[href$="/signup"]').click();
      await page.locator('#username').fill(username);
      await page.locator('#email').fill(`${username}@example.com`);
      await page.locator('form[action$="/signup"] button[type="submit"]').click();
      await page.locator('form[action$="/signup/verify"]').waitFor();
      await page.locator('#code').fill('ZZZZ-ZZZZ');
      await page.locator('form[action$="/signup/verify"] button[type="submit"]').click();
      await page.locator('#code-error').waitFor();
    },
  },
  {
    name: 'choose an account (prompt=select_account)',
    async reach(env) {
      await signedIn(env);
      await beginSignIn(env.app.url, env.page, 'test-confidential', 'openid profile email', { prompt: 'select_account' });
      await env.page.locator('form[action$="/select-account"] button[value="other"]').waitFor();
    },
  },
  {
    name: 'logout: still signed in',
    async reach(env) {
      await signedIn(env);
      await env.page.goto(`${env.app.url}/session/end`);
      await env.page.locator('button[form="op.logoutForm"]:not([value])').click();
      await env.page.locator('a[href="/account"].button').waitFor();
    },
  },
  {
    name: 'username: not found',
    async reach(env) {
      await atUsernameStep(env);
      await env.page.locator('#login').fill('nobody-here');
      await env.page.locator('form[action$="/login"] button[type="submit"]').click();
      await env.page.locator('#login-error').waitFor();
    },
  },
  {
    name: 'passkey step',
    async reach(env) {
      await atPasskeyStep(env, (await createUserWithPasskey(env)).username);
      await armed(env.page, '#passkey-button');
    },
  },
  {
    name: 'passkey step: account without passkeys',
    reach: async (env) => atPasskeyStep(env, (await createUser(env)).username),
  },
  {
    name: 'signup',
    async reach(env) {
      await atUsernameStep(env);
      await env.page.locator('a[href$="/signup"]').click();
      await env.page.locator('#username').waitFor();
    },
  },
  {
    name: 'signup: field errors',
    async reach(env) {
      await atUsernameStep(env);
      await env.page.locator('a[href$="/signup"]').click();
      await env.page.locator('#username').fill('x!');
      await env.page.locator('#email').fill('not-an-address');
      await env.page.locator('form[action$="/signup"] button[type="submit"]').click();
      await env.page.locator('.field-error').first().waitFor();
    },
  },
  {
    name: 'create passkey',
    async reach(env) {
      await atUsernameStep(env);
      await signUp(env);
    },
  },
  {
    // The alert with a link in it, shown when an account had passkeys before its address was
    // first proven. Set up here through the interaction's state, as an emailed link leaves it
    // (routes/magic-link.ts); the journey there is magic-link.test.ts's.
    name: 'create passkey: earlier passkeys alert',
    async reach(env) {
      const { id } = await createUser(env);
      await atUsernameStep(env);
      const uid = new URL(env.page.url()).pathname.split('/')[2];
      assert.ok(uid, `an interaction page: ${env.page.url()}`);
      await env.app.container.states.set(uid, { provenUserId: id, passkeysBeforeVerification: 1 });
      await env.page.reload();
      await env.page.locator('.alert.error a').waitFor();
      await armed(env.page, '#register-button');
    },
  },
  {
    name: 'email: check your email',
    reach: async (env) => void (await requestEmail(env, (await createUser(env)).email)),
  },
  {
    name: 'email: wrong code',
    async reach(env) {
      await requestEmail(env, (await createUser(env)).email);
      await env.page.locator('#code').fill('ZZZZ-ZZZZ');
      await env.page.locator('form[action$="/email/code"] button[type="submit"]').click();
      await env.page.locator('#code-error').waitFor();
    },
  },
  {
    name: 'email: confirm',
    async reach(env) {
      const link = await requestEmail(env, (await createUser(env)).email);
      await env.page.goto(link);
      await env.page.locator('form[action^="/email/"] button[type="submit"]').waitFor();
    },
  },
  {
    name: 'email: link invalid',
    async reach({ app, page }) {
      const response = await page.goto(`${app.url}/email/not-a-link/at-all`);
      assert.equal(response?.status(), 410);
    },
  },
  {
    name: 'email: other browser',
    async reach(env) {
      const { email } = await createUser(env);
      const asker = await (await env.otherContext()).newPage();
      const link = await requestEmail({ ...env, page: asker }, email);
      await env.page.goto(link);
      await env.page.locator('h1').waitFor();
      assert.equal(await env.page.locator('form[action^="/email/"]').count(), 0, 'no confirm form in another browser');
    },
  },
  {
    name: 'consent',
    async reach(env) {
      await atUsernameStep(env, 'test-public');
      await signUpWithPasskey(env);
      await env.page.locator('button[name="decision"][value="allow"]').waitFor();
    },
  },
  { name: 'account: rename or delete open', reach: async (env) => void (await atAccountPage(env)) },
  {
    name: 'account: notice',
    async reach(env) {
      await atAccountPage(env);
      await env.page.locator('.passkey .inline-form input[name="name"]').fill('Work laptop');
      await env.page.locator('.passkey .inline-form button[type="submit"]').click();
      await env.page.locator('.alert.ok:not(:empty)').waitFor();
    },
  },
  {
    name: 'delete passkey: one of two',
    async reach(env) {
      const { page } = env;
      const firstDevice = await atAccountPage(env);
      // A second device adds a second passkey (Chrome allows one platform authenticator at a time).
      await firstDevice.remove();
      await addVirtualAuthenticator(page);
      await armed(page, '#register-button');
      await page.locator('#register-button').click();
      await page.locator('.passkey:nth-child(2)').waitFor();
      await page.locator('.passkey').first().locator('summary').click();
      await page.locator('.passkey').first().locator('a[href$="/delete"]').click();
      await page.locator('.button.primary.danger').waitFor();
    },
  },
  {
    name: 'delete passkey: the only one',
    async reach(env) {
      await atAccountPage(env);
      await env.page.locator('.passkey a[href$="/delete"]').click();
      await env.page.locator('.alert.error').waitFor();
      await env.page.locator('.button.primary.danger').waitFor();
    },
  },
  {
    name: 'logout: sign out?',
    async reach(env) {
      await signedIn(env);
      await env.page.goto(`${env.app.url}/session/end`);
      await env.page.locator('button[form="op.logoutForm"][value="yes"]').waitFor();
    },
  },
  {
    name: 'logout: signed out',
    async reach(env) {
      await signedIn(env);
      await env.page.goto(`${env.app.url}/session/end`);
      await env.page.locator('button[form="op.logoutForm"][value="yes"]').click();
      await env.page.waitForURL((url) => url.pathname.startsWith('/session/end/success'));
    },
  },
  {
    // A change (the passkey check runs in the page), its notice, and a disabled account's row.
    name: 'admin: users after a change',
    async reach(env) {
      await createUser(env);
      await atAdminPage(env);
      await env.page.locator('form[action$="/disable"] button').first().click();
      await env.page.locator('.alert.ok:not(:empty)').waitFor();
      await env.page.locator('.badge.danger').first().waitFor();
    },
  },
  {
    name: 'admin: recovery link',
    async reach(env) {
      await atAdminPage(env);
      await env.page.locator('form[action$="/recovery"] button').first().click();
      await env.page.locator('#admin-link').waitFor();
    },
  },
  {
    name: 'admin: group',
    async reach(env) {
      await atAdminPage(env, '/admin/groups/admins');
      await env.page.locator('#member-login').waitFor();
    },
  },
  { name: 'admin: audit trail', reach: (env) => atAdminPage(env, '/admin/audit') },
  {
    name: 'admin: no access',
    async reach(env) {
      await signedIn(env);
      assert.equal((await env.page.goto(`${env.app.url}/admin`))?.status(), 403);
    },
  },
  { name: 'device: enter the code', reach: atDeviceCode },
  {
    name: 'device: wrong code',
    async reach({ app, page }) {
      await page.goto(`${app.url}/device`);
      await page.locator('#user_code').fill('BCDF-GHJK');
      await page.locator('form[action$="/device"] button[type="submit"]').click();
      await page.locator('#code-error').waitFor();
    },
  },
  { name: 'device: allow this device?', reach: atDeviceConfirmation },
  {
    name: 'device: not connected',
    async reach(env) {
      await atDeviceConfirmation(env);
      await env.page.locator('button[name="decision"][value="deny"]').click();
      await env.page.locator('a.button[href="/device"]').waitFor();
    },
  },
  {
    name: 'error: 404',
    async reach({ app, page }) {
      assert.equal((await page.goto(`${app.url}/no-such-page`))?.status(), 404);
    },
  },
  {
    name: 'error: expired sign-in',
    async reach({ app, page }) {
      assert.equal((await page.goto(`${app.url}/interaction/expired-or-unknown`))?.status(), 400);
    },
  },
  {
    name: 'error: unknown app',
    async reach({ app, page }) {
      assert.equal((await page.goto(`${app.url}/auth?client_id=nobody&response_type=code&scope=openid`))?.status(), 400);
    },
  },
];

/**
 * The extreme accents run the states that, together, show every accent-coloured thing: links,
 * link-styled buttons and the "Rename or delete" summary, both alerts (one with a link in it),
 * field errors, primary and danger buttons. (Running states side by side gains nothing on two
 * cores: Chromium is busy with axe and rendering, so fewer states is what keeps this quick.)
 */
const ACCENT_STATES = [
  'username: passkey button and hint (German)',
  'username: not found',
  'passkey step',
  'create passkey: earlier passkeys alert',
  'account: notice',
  'delete passkey: the only one',
  'admin: users after a change',
];

/**
 * The default accent at every width; the extreme ones at the desktop width only: an accent changes
 * colours, which do not depend on the width, and the default accent's run already covers layout.
 */
const RUNS: Array<{ accent: string; states: readonly string[]; widths: readonly number[] }> = [
  { accent: '#4f46e5', states: STATES.map((state) => state.name), widths: WIDTHS },
  // Very light (yellow: near the light card) and very dark (near the dark card). The palette of
  // many more accents (pale cyan among them) is checked by src/lib/colour-contrast.test.ts.
  { accent: '#ffd400', states: ACCENT_STATES, widths: [1280] },
  { accent: '#1f2937', states: ACCENT_STATES, widths: [1280] },
];

interface Row {
  accent: string;
  state: string;
  /** Violations by "<width> <scheme>"; undefined when the state could not be reached. */
  counts: Map<string, number> | undefined;
  seconds: number;
}

const rows: Row[] = [];
const combination = (width: number, scheme: ColourScheme) => `${width} ${scheme}`;
const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const SCREENSHOTS_DIR = process.env['A11Y_SCREENSHOTS'] ? path.join(ARTIFACTS_DIR, 'a11y') : undefined;

/** "rgb(79, 70, 229)" → "#4f46e5"; undefined for anything translucent or unparsed. */
function computedHex(colour: string): string | undefined {
  const match = /^rgba?\((\d+), (\d+), (\d+)(?:, ([\d.]+))?\)$/.exec(colour);
  if (!match || (match[4] !== undefined && Number(match[4]) < 1)) return undefined;
  return toHex({ r: Number(match[1]), g: Number(match[2]), b: Number(match[3]) });
}

function printTable(): void {
  const header = ['state', ...WIDTHS.flatMap((w) => SCHEMES.map((s) => combination(w, s))), 'seconds'];
  for (const { accent } of RUNS) {
    const order = (row: Row) => STATES.findIndex((state) => state.name === row.state);
    const own = rows.filter((row) => row.accent === accent).sort((a, b) => order(a) - order(b));
    if (own.length === 0) continue;
    const cell = (row: Row, key: string) => (row.counts ? String(row.counts.get(key) ?? '-') : 'error');
    const lines = own.map((row) => `| ${row.state} | ${header.slice(1, -1).map((key) => cell(row, key)).join(' | ')} | ${row.seconds.toFixed(1)} |`);
    const total = own.reduce((sum, row) => sum + [...(row.counts?.values() ?? [])].reduce((a, b) => a + b, 0), 0);
    const unreached = own.filter((row) => !row.counts).length;
    console.log(
      `\nserious/critical axe violations, APP_ACCENT=${accent}: ${total} in ${own.length} states × ${header.length - 2} views` +
        `${unreached ? `, ${unreached} states not reached` : ''}\n` +
        `| ${header.join(' | ')} |\n|${header.map(() => '---').join('|')}|\n${lines.join('\n')}`,
    );
  }
}

describe(`accessibility of the hosted pages (axe-core, ${BACKEND})`, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchBrowser();
  });
  after(async () => {
    printTable();
    await browser?.close();
  });

  RUNS.forEach(({ accent, states, widths }, runIndex) => {
    describe(`APP_ACCENT=${accent}`, () => {
      let app: TestApp;
      let smtp: TestSmtpServer;
      let names = 0;
      before(async () => {
        smtp = await startSmtpServer();
        // TRUST_PROXY: each state's browser sends its own X-Forwarded-For, so the per-IP rate
        // limits (10 signups an hour) do not add up across states.
        app = await startTestApp({ env: { APP_ACCENT: accent, SMTP_URL: smtp.url, TRUST_PROXY: 'true' }, clients: [...TEST_CLIENTS, DEVICE_CLIENT] });
      });
      after(async () => {
        await app?.destroy();
        await smtp?.close();
      });

      async function withContext<T>(stateIndex: number, use: (env: StateEnv) => Promise<T>): Promise<T> {
        const contexts: BrowserContext[] = [];
        const ipOf = (contextIndex: number) => `10.${runIndex + 1}.${stateIndex}.${contextIndex + 1}`;
        const open = async () => {
          const ip = ipOf(contexts.length);
          const context = await browser.newContext({ viewport: { width: WIDTHS[0], height: HEIGHT }, extraHTTPHeaders: { 'x-forwarded-for': ip } });
          context.setDefaultTimeout(15_000);
          contexts.push(context);
          return context;
        };
        try {
          const page = await (await open()).newPage();
          return await use({ app, smtp, page, ip: ipOf(0), unique: (prefix) => `${prefix}${++names}`, otherContext: open });
        } finally {
          await Promise.all(contexts.map((context) => context.close()));
        }
      }

      STATES.filter((state) => states.includes(state.name)).forEach((state, stateIndex) => {
        test(state.name, async () => {
          const started = performance.now();
          const row: Row = { accent, state: state.name, counts: undefined, seconds: 0 };
          rows.push(row);
          const failures: string[] = [];
          try {
            await withContext(stateIndex, async (env) => {
              await state.reach(env);
              const counts = new Map<string, number>();
              for (const width of widths) {
                await env.page.setViewportSize({ width, height: HEIGHT });
                for (const colorScheme of SCHEMES) {
                  await env.page.emulateMedia({ colorScheme });
                  const violations = await axeViolations(env.page);
                  counts.set(combination(width, colorScheme), violations.length);
                  if (violations.length) failures.push(`${width} px ${colorScheme}:\n${formatViolations(violations)}`);
                  if (SCREENSHOTS_DIR) {
                    mkdirSync(SCREENSHOTS_DIR, { recursive: true });
                    const file = `${slug(accent)}-${slug(state.name)}-${width}-${colorScheme}.png`;
                    await env.page.screenshot({ path: path.join(SCREENSHOTS_DIR, file), fullPage: true });
                  }
                }
              }
              row.counts = counts;
            });
          } finally {
            row.seconds = (performance.now() - started) / 1000;
          }
          assert.deepEqual(failures, [], `${state.name} with APP_ACCENT=${accent}:\n${failures.join('\n')}`);
        });
      });

      test('focus outlines are solid, at least 2 px, and 3:1 against the card and the page', async () => {
        await withContext(STATES.length, async (env) => {
          const { page } = env;
          await atUsernameStep(env);
          for (const width of widths) {
            await page.setViewportSize({ width, height: HEIGHT });
            for (const colorScheme of SCHEMES) {
              await page.emulateMedia({ colorScheme });
              // Keyboard focus (what :focus-visible is for): the field, then Tab through the page.
              await page.locator('#login').focus();
              const seen = new Set<string>();
              for (let press = 0; press < 8 && !(seen.has('BUTTON') && seen.has('A')); press++) {
                const focused = await page.evaluate(() => {
                  const element = document.activeElement as HTMLElement;
                  const style = getComputedStyle(element);
                  return {
                    tag: element.tagName,
                    label: element.textContent?.trim() || element.id,
                    outlineStyle: style.outlineStyle,
                    outlineWidth: parseFloat(style.outlineWidth),
                    outlineColor: style.outlineColor,
                    card: getComputedStyle(document.querySelector('main') ?? document.body).backgroundColor,
                    page: getComputedStyle(document.body).backgroundColor,
                  };
                });
                seen.add(focused.tag);
                const where = `${focused.tag} "${focused.label}" at ${width} px ${colorScheme} with APP_ACCENT=${env.app.config.appAccent}`;
                assert.equal(focused.outlineStyle, 'solid', where);
                assert.ok(focused.outlineWidth >= 2, `${where}: outline ${focused.outlineWidth} px`);
                const ring = computedHex(focused.outlineColor);
                assert.ok(ring, `${where}: opaque outline colour, got ${focused.outlineColor}`);
                for (const surface of [focused.card, focused.page]) {
                  const background = computedHex(surface);
                  assert.ok(background, `${where}: opaque background, got ${surface}`);
                  const ratio = contrastRatio(ring, background);
                  assert.ok(ratio >= 3, `${where}: outline ${ring} on ${background} is ${ratio.toFixed(2)}:1`);
                }
                if (SCREENSHOTS_DIR && focused.tag === 'BUTTON') {
                  mkdirSync(SCREENSHOTS_DIR, { recursive: true });
                  await page.screenshot({ path: path.join(SCREENSHOTS_DIR, `${slug(env.app.config.appAccent)}-focus-${width}-${colorScheme}.png`) });
                }
                await page.keyboard.press('Tab');
              }
              assert.ok(seen.has('BUTTON') && seen.has('A'), `focused a button and a link: ${[...seen].join(', ')}`);
            }
          }
        });
      });
    });
  });
});
