import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.ts';
import { startProgram } from './harness/child-process.ts';
import { compatTest, debianVersion } from './harness/report.ts';
import { allowConsent, endSessions, newPerson, readJson, signInWithPasskey, signUp } from './harness/person.ts';
import { compatSuite } from './harness/suite.ts';

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const secret = 'authlib-compat-secret-0123456789abcdefghij';
// Debian's python3 with Debian's Authlib and Flask, not whatever python3 comes first in PATH.
const python = process.env['PYTHON'] || '/usr/bin/python3';
const APP = fileURLToPath(new URL('./apps/authlib_flask_app.py', import.meta.url));

function pythonVersions(): string {
  try {
    return execFileSync(python, ['-c', 'import authlib, flask; print(f"Authlib {authlib.__version__}, Flask {flask.__version__}")'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'not installed (apt-get install python3-authlib python3-flask python3-requests)';
  }
}

describe('Authlib Flask client (confidential, third-party: consent page)', () => {
  const suite = compatSuite({
    clientFile: {
      client_id: 'flask',
      client_name: 'Flask app',
      client_secret: '${FLASK_CLIENT_SECRET}',
      redirect_uris: ['http://127.0.0.1:${FLASK_PORT}/auth'],
      first_party: false,
    },
    env: { FLASK_PORT: String(port), FLASK_CLIENT_SECRET: secret },
    startApp: (issuer) =>
      startProgram({
        name: 'Flask',
        command: python,
        args: [APP],
        port,
        env: { ISSUER: issuer, CLIENT_ID: 'flask', CLIENT_SECRET: secret, PORT: String(port), PYTHONUNBUFFERED: '1' },
      }),
  });

  const row = {
    client: 'Authlib + Flask',
    version: `${pythonVersions()} (python3-authlib ${debianVersion('python3-authlib')})`,
    settings: 'defaults (nonce, no PKCE; client_secret_basic) + server_metadata_url, scope "openid profile email"; third-party (consent)',
  };

  compatTest(suite, row, "sign up, Allow on the consent page, token['userinfo'] name and email, sign in again with the passkey", async (watch) => {
    const person = await newPerson(suite.browser, 'flask.user');
    watch.page(person.page);

    await person.page.goto(origin);
    await signUp(person);
    await allowConsent(person);
    await person.page.waitForURL(`${origin}/`);
    const user = await readJson(person.page, "token['userinfo']");
    assert.equal(user['name'], person.username, "token['userinfo']['name'] (the ID token's claims)");
    assert.equal(user['email'], person.email, "token['userinfo']['email']");

    // Later: signed out of the provider, the app forgotten. Signing out revoked the app's grant
    // (oidc-provider does so at logout), so the consent page comes again.
    await endSessions(person, suite.issuer, origin);
    await person.page.goto(origin);
    await signInWithPasskey(person);
    await allowConsent(person);
    await person.page.waitForURL(`${origin}/`);
    assert.equal((await readJson(person.page, "token['userinfo']"))['email'], person.email);
    await person.context.close();
  });
});
