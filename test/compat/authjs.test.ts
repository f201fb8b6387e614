import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.ts';
import { startProgram } from './harness/child-process.ts';
import { compatTest, npmVersion } from './harness/report.ts';
import { endSessions, newPerson, readJson, signInWithPasskey, signUp, type Person } from './harness/person.ts';
import { compatSuite } from './harness/suite.ts';

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const secret = 'authjs-compat-secret-0123456789abcdefghijk';
const SERVER = fileURLToPath(new URL('./apps/authjs-server.ts', import.meta.url));

/** Auth.js's built-in sign-in page: one button per provider. */
async function startSignIn(person: Person): Promise<void> {
  await person.page.goto(`${origin}/auth/signin?callbackUrl=${encodeURIComponent(`${origin}/`)}`);
  await person.page.getByRole('button', { name: 'Sign in with Passkey ID' }).click();
}

describe('Auth.js (@auth/core) generic OIDC provider (confidential client)', () => {
  const suite = compatSuite({
    clientFile: {
      client_id: 'authjs',
      client_name: 'Auth.js app',
      client_secret: '${AUTHJS_CLIENT_SECRET}',
      redirect_uris: ['http://127.0.0.1:${AUTHJS_PORT}/auth/callback/passkey-id'],
      first_party: true,
    },
    env: { AUTHJS_PORT: String(port), AUTHJS_CLIENT_SECRET: secret },
    startApp: (issuer) =>
      startProgram({
        name: 'Auth.js app',
        command: process.execPath,
        args: [SERVER],
        port,
        env: { ISSUER: issuer, CLIENT_ID: 'authjs', CLIENT_SECRET: secret, PORT: String(port) },
      }),
  });

  const row = {
    client: 'Auth.js (@auth/core)',
    version: npmVersion('@auth/core'),
    settings: 'defaults (type "oidc": discovery, PKCE S256, scope "openid profile email", JWT session) + issuer, clientId, clientSecret',
  };

  compatTest(suite, row, 'sign up from the built-in sign-in page, session.user name and email, sign in again with the passkey', async (watch) => {
    const person = await newPerson(suite.browser, 'authjs.user');
    watch.page(person.page);

    await startSignIn(person);
    await signUp(person);
    await person.page.waitForURL(`${origin}/`);
    const user = await readJson(person.page, 'session.user');
    assert.equal(user['name'], person.username, 'session.user.name (from the ID token)');
    assert.equal(user['email'], person.email, 'session.user.email (from the ID token)');

    await endSessions(person, suite.issuer, origin);
    await startSignIn(person);
    await signInWithPasskey(person);
    await person.page.waitForURL(`${origin}/`);
    assert.equal((await readJson(person.page, 'session.user'))['email'], person.email);
    await person.context.close();
  });
});
