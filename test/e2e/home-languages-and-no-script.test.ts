import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { BACKEND } from '../helpers/backends.ts';
import { browserSuite, screenshotAllWays } from '../helpers/browser.ts';
import { discoverAs, oidc } from '../helpers/relying-party.ts';
import { nextCodeFor } from '../helpers/mail-sink.ts';
import { addVirtualAuthenticator, beginSignIn, signUpInBrowser } from '../helpers/sign-in.ts';

/** An authorization URL of the first-party test client, with extra parameters (ui_locales). */
async function authorizationUrl(issuer: string, extra: Record<string, string> = {}): Promise<string> {
  const config = await discoverAs(issuer);
  return oidc.buildAuthorizationUrl(config, {
    redirect_uri: 'http://localhost:8080/callback',
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
    code_challenge_method: 'S256',
    ...extra,
  }).href;
}

describe(`home page, languages and pages without JavaScript in Chromium (${BACKEND})`, () => {
  const suite = browserSuite();

  test('the address npm start prints is a home page: signed out, "Sign in"; signed in, who and where to go', async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const response = await page.goto(`${suite.app.url}/`);
    assert.equal(response?.status(), 200);
    await screenshotAllWays(page, 'home-signed-out');
    await page.getByRole('link', { name: 'Sign in' }).click();
    await signUpInBrowser(page, 'hana', 'hana@example.com');
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    // The passkey is named after the browser that made it.
    assert.match(await page.locator('.passkey-name').first().innerText(), /^Chrome on Linux$/);
    await page.goto(`${suite.app.url}/`);
    assert.match(await page.locator('main').innerText(), /Signed in as hana/);
    await screenshotAllWays(page, 'home-signed-in');
    await page.getByRole('link', { name: 'Your account' }).click();
    await page.getByRole('heading', { name: 'Your account' }).waitFor();
    await context.close();
  });

  test('pages speak the browser’s language; ui_locales and the language links override it', async () => {
    const german = await suite.browser.newContext({ locale: 'de-DE' });
    const page = await german.newPage();
    await page.goto(await authorizationUrl(suite.app.url));
    await page.getByRole('heading', { name: 'Anmelden' }).waitFor();
    assert.equal(await page.locator('html').getAttribute('lang'), 'de');
    await screenshotAllWays(page, 'login-de');
    await page.getByRole('link', { name: 'Français' }).click();
    await page.getByRole('heading', { name: 'Se connecter' }).waitFor();
    await screenshotAllWays(page, 'login-fr');
    // The choice is remembered over the browser's language.
    await page.goto(await authorizationUrl(suite.app.url));
    await page.getByRole('heading', { name: 'Se connecter' }).waitFor();
    await page.getByRole('link', { name: 'Deutsch' }).click();
    // The emailed-link pages, in German: hana (made in the first test) asks for a link.
    await page.getByRole('textbox', { name: 'Benutzername oder E-Mail' }).fill('hana');
    await page.getByRole('button', { name: 'Weiter' }).click();
    await page.getByRole('button', { name: 'Anmeldelink per E-Mail senden' }).click();
    await page.getByRole('heading', { name: 'Prüfen Sie Ihr Postfach' }).waitFor();
    await screenshotAllWays(page, 'email-sent-de');
    const { mail } = await nextCodeFor('hana@example.com');
    assert.equal(mail.parsed.subject, 'Bei Passkey ID anmelden');
    await german.close();

    const english = await suite.browser.newContext({ locale: 'en-US' });
    const asked = await english.newPage();
    await asked.goto(await authorizationUrl(suite.app.url, { ui_locales: 'de-CH fr' }));
    await asked.getByRole('heading', { name: 'Anmelden' }).waitFor();
    await english.close();
  });

  test('the emailed-link pages and the email itself come in the person’s language', async () => {
    const context = await suite.browser.newContext({ locale: 'fr-FR' });
    const page = await context.newPage();
    await addVirtualAuthenticator(page);
    const signIn = await beginSignIn(suite.app.url, page);
    await page.getByRole('link', { name: 'Créer un compte' }).click();
    await page.getByRole('textbox', { name: "Nom d’utilisateur" }).fill('ines');
    await page.getByRole('textbox', { name: 'E-mail' }).fill('ines@example.com');
    await page.getByRole('button', { name: 'Créer le compte' }).click();
    await page.getByRole('textbox', { name: 'Code' }).waitFor();
    await screenshotAllWays(page, 'signup-verify-fr');
    const { mail, code } = await nextCodeFor('ines@example.com');
    assert.match(mail.parsed.subject ?? '', /^Votre code/);
    assert.match(mail.parsed.text ?? '', /Saisissez ce code|ce code/);
    await page.getByRole('textbox', { name: 'Code' }).fill(code);
    await page.getByRole('button', { name: 'Vérifier' }).click();
    await page.getByRole('button', { name: 'Créer une clé d’accès' }).click();
    const { claims } = await signIn.finish();
    assert.equal(claims.email_verified, true);
    await context.close();
  });

  test('without JavaScript: no dead buttons; forms and emailed links still work', async () => {
    const context = await suite.browser.newContext({ javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(await authorizationUrl(suite.app.url));
    await page.getByRole('textbox', { name: 'Username or email' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign in with a passkey' }).count(), 0, 'no passkey button that could not work');
    await screenshotAllWays(page, 'login-no-script');
    await page.getByRole('textbox', { name: 'Username or email' }).fill('hana');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { name: 'Hi, hana' }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Sign in with a passkey' }).count(), 0);
    // (Chromium's "JavaScript off" emulation still parses <noscript> as scripting-on, so its text
    // is checked in the markup; a browser with scripting really off shows it.)
    assert.match(await page.content(), /<noscript>.*Passkeys need JavaScript/s);
    assert.ok(await page.getByRole('button', { name: 'Email me a sign-in link' }).isEnabled());
    await screenshotAllWays(page, 'passkey-step-no-script');
    await context.close();
  });
});
