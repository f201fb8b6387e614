import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.ts';
import { startProgram } from './harness/child-process.ts';
import { compatTest, npmVersion } from './harness/report.ts';
import { endSessions, newPerson, readJson, signInWithPasskey, signUp } from './harness/person.ts';
import { compatSuite } from './harness/suite.ts';

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const secret = 'passport-compat-secret-0123456789abcdefghi';
const SERVER = fileURLToPath(new URL('./apps/passport-server.ts', import.meta.url));

describe('passport-openidconnect + Express (confidential client)', () => {
  const suite = compatSuite({
    clientFile: {
      client_id: 'passport',
      client_name: 'Express app',
      client_secret: '${PASSPORT_CLIENT_SECRET}',
      redirect_uris: ['http://127.0.0.1:${PASSPORT_PORT}/oauth2/redirect'],
      first_party: true,
      // passport-openidconnect 0.1 sends neither PKCE nor (unless told to) a nonce: the file says the
      // operator accepts that for this app (the library's `nonce: true` option would be better).
      pkce_required: false,
    },
    env: { PASSPORT_PORT: String(port), PASSPORT_CLIENT_SECRET: secret },
    startApp: (issuer) =>
      startProgram({
        name: 'Express app',
        command: process.execPath,
        args: [SERVER],
        port,
        env: { ISSUER: issuer, CLIENT_ID: 'passport', CLIENT_SECRET: secret, PORT: String(port) },
      }),
  });

  const row = {
    client: 'passport-openidconnect + Express',
    version: `${npmVersion('passport-openidconnect')}, ${npmVersion('passport')}, ${npmVersion('express')}`,
    settings: 'defaults (no PKCE, no nonce; client_secret_basic; ID token + userinfo) + endpoints from discovery, scope ["profile", "email"]; client file: pkce_required: false',
  };

  compatTest(suite, row, 'sign up, profile.displayName and emails in the verify callback, sign in again with the passkey', async (watch) => {
    const person = await newPerson(suite.browser, 'passport.user');
    watch.page(person.page);

    await person.page.goto(`${origin}/login`);
    await signUp(person);
    await person.page.waitForURL(`${origin}/`);
    const user = await readJson(person.page, 'the verify callback\'s user');
    assert.equal(user['displayName'], person.username, 'profile.displayName');
    assert.deepEqual(user['emails'], [{ value: person.email }], 'profile.emails');

    await endSessions(person, suite.issuer, origin);
    await person.page.goto(`${origin}/login`);
    await signInWithPasskey(person);
    await person.page.waitForURL(`${origin}/`);
    assert.deepEqual((await readJson(person.page, 'the verify callback\'s user'))['emails'], [{ value: person.email }]);
    await person.context.close();
  });
});
