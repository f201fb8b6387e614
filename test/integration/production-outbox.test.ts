import assert from 'node:assert/strict';
import { readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import PostalMime from 'postal-mime';
import { TEST_CLIENTS } from '../helpers/app.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/backends.ts';
import { authorize, HttpBrowser, login } from '../helpers/http-flow.ts';
import { freePort } from '../helpers/ports.ts';
import { backendEnv, removeTempDirs, startMain, tempDir, waitUntilReady } from '../helpers/process.ts';

after(removeTempDirs);

const SECRET_KEYS = 'production-test-key-0123456789abcdefghij';

/**
 * Production must never print a sign-in link or code (stdout ends up in `docker logs`): without
 * SMTP_URL it refuses to start, unless the operator opts in to the file-only outbox.
 */
describe(`production without SMTP_URL (${BACKEND})`, () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database?.cleanup());

  test('refuses to start with one line naming SMTP_URL, why, and the fix', async () => {
    const run = startMain({ NODE_ENV: 'production', ISSUER: 'https://id.example.com', SECRET_KEYS, DATA_DIR: tempDir(), PORT: String(await freePort()) });
    assert.equal(await run.exited, 1);
    assert.equal(
      run.stderr(),
      'error: SMTP_URL: required when NODE_ENV=production: without a mail server, sign-in links and codes go to a local ' +
        'outbox and whoever reads it can sign in as anyone; set SMTP_URL=smtps://user:pass@mail.example.com:465 ' +
        '(or, to accept that risk, UNSAFE_MAIL_OUTBOX=true)\n',
    );
  });

  test('with UNSAFE_MAIL_OUTBOX=true: starts with a warning; a sign-in email goes to a 0600 .eml, stdout names only the file', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const dataDir = database.dataDir;
    const clientsDir = tempDir();
    for (const client of TEST_CLIENTS) writeFileSync(path.join(clientsDir, `${client.client_id}.json`), JSON.stringify(client));
    const run = startMain({
      NODE_ENV: 'production',
      ISSUER: `http://localhost:${port}`,
      SECRET_KEYS,
      UNSAFE_MAIL_OUTBOX: 'true',
      PORT: String(port),
      DATA_DIR: dataDir,
      CLIENTS_DIR: clientsDir,
      // Its sign-ins and rate limits stay out of the shared Redis (see backendEnv).
      ...backendEnv(database, { redis: false }),
    });
    try {
      await waitUntilReady(run);
      assert.match(run.stdout(), /"level":40,.*"msg":"UNSAFE_MAIL_OUTBOX=true: .*whoever can read that folder can sign in as anyone/);

      const issuer = `http://localhost:${port}`;
      const signup = new HttpBrowser(issuer);
      const outbox = path.join(dataDir, 'outbox');
      // Signup mails its code to the outbox too.
      const signupUid = (await authorize(signup)).uid;
      assert.equal((await signup.postForm(`/interaction/${signupUid}/signup`, { username: 'grace', email: 'grace@example.com' })).status, 303);
      const codeFile = path.join(outbox, readdirSync(outbox)[0] ?? '');
      const signupCode = /\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b/.exec((await PostalMime.parse(readFileSync(codeFile))).text ?? '')?.[0] ?? '';
      rmSync(codeFile);
      assert.equal((await signup.postForm(`/interaction/${signupUid}/signup/verify`, { code: signupCode })).status, 303);
      // Another device: the username step, then "Email me a sign-in link".
      const browser = new HttpBrowser(issuer);
      const request = await authorize(browser);
      await login(browser, request.uid, 'grace');
      const sent = await browser.post(`/interaction/${request.uid}/email`, '', undefined);
      assert.equal(sent.status, 303, await sent.text());

      const name = readdirSync(outbox)[0] ?? '';
      assert.ok(name.endsWith('.eml'), 'the email was written');
      const file = path.join(outbox, name);
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const mail = await PostalMime.parse(readFileSync(file));
      const link = /http:\/\/localhost:\d+\/email\/[A-Za-z0-9_-]+\/[A-Za-z0-9_-]+/.exec(mail.text ?? '')?.[0];
      const code = /\b[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}\b/.exec(mail.text ?? '')?.[0];
      assert.ok(link && code, 'the .eml holds a working link and code');

      const stdout = run.stdout();
      assert.ok(stdout.includes(`mail outbox: ${file}\n`), 'one line names the file');
      const secret = link.split('/').at(-1) ?? link;
      for (const leak of [link, secret, code, code.replace('-', '')]) {
        assert.ok(!stdout.includes(leak) && !run.stderr().includes(leak), `stdout and stderr never carry ${leak}`);
      }
      assert.doesNotMatch(stdout, /dev outbox/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
