import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { freePort } from '../helpers/ports.ts';
import { parseClaimLines, startApache } from './apps/apache.ts';
import { compatTest, debianVersion } from './harness/report.ts';
import { confirmSignOut, newPerson, signInWithPasskey, signUp } from './harness/person.ts';
import { compatSuite } from './harness/suite.ts';

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const secret = 'apache-compat-secret-0123456789abcdefghij';

describe('Apache + mod_auth_openidc (confidential client)', () => {
  const suite = compatSuite({
    clientFile: {
      client_id: 'apache',
      client_name: 'Apache app',
      client_secret: '${APACHE_CLIENT_SECRET}',
      redirect_uris: ['http://127.0.0.1:${APACHE_PORT}/protected/redirect_uri'],
      post_logout_redirect_uris: ['http://127.0.0.1:${APACHE_PORT}/signed-out.html'],
      first_party: true,
    },
    env: { APACHE_PORT: String(port), APACHE_CLIENT_SECRET: secret },
    startApp: (issuer) => startApache({ port, issuer, clientId: 'apache', clientSecret: secret }),
  });

  const row = {
    client: 'Apache + mod_auth_openidc',
    version: `apache2 ${debianVersion('apache2')}, libapache2-mod-auth-openidc ${debianVersion('libapache2-mod-auth-openidc')}`,
    settings: 'defaults (no PKCE; client_secret_basic) + OIDCScope "openid profile email"',
  };

  compatTest(suite, row, 'sign up, OIDC_CLAIM_* name and email, ?logout= through end_session, sign in with the passkey', async (watch) => {
    const person = await newPerson(suite.browser, 'apache.user');
    watch.page(person.page);
    const claimsPage = `${origin}/protected/claims`;

    await person.page.goto(claimsPage);
    await signUp(person);
    await person.page.waitForURL(claimsPage);
    const claims = parseClaimLines(await person.page.locator('body').innerText());
    assert.equal(claims['name'], person.username, 'OIDC_CLAIM_name');
    assert.equal(claims['email'], person.email, 'OIDC_CLAIM_email');
    assert.equal(claims['preferred_username'], person.username, 'OIDC_CLAIM_preferred_username');

    // mod_auth_openidc's logout: ends its session, then sends the browser to end_session.
    const signedOut = `${origin}/signed-out.html`;
    await person.page.goto(`${origin}/protected/redirect_uri?logout=${encodeURIComponent(signedOut)}`);
    await confirmSignOut(person);
    await person.page.waitForURL(signedOut);

    // Signed out of both: the next visit goes through the provider again, with the passkey.
    await person.page.goto(claimsPage);
    await signInWithPasskey(person);
    await person.page.waitForURL(claimsPage);
    assert.equal(parseClaimLines(await person.page.locator('body').innerText())['email'], person.email);
    await person.context.close();
  });
});
