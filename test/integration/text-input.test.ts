import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Passkey } from '../../src/db/entities/passkey.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';
import { authorize, HttpBrowser, login, signUpAndRegister } from '../helpers/http-flow.ts';
import { startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

/**
 * Text from a browser is checked (control characters, direction overrides, length) before any
 * query sees it: a NUL byte, which PostgreSQL refuses in text, is a 4xx naming the field on
 * every backend, never a 500, and changes nothing.
 */
describe(`text input is checked before it reaches the database (${BACKEND})`, () => {
  let app: TestApp;
  let smtp: TestSmtpServer;
  let owner: Awaited<ReturnType<typeof signUpAndRegister>>;
  const passkeyRow = async () => (await app.container.dataSource.getRepository<Passkey>('Passkey').find())[0]!;

  before(async () => {
    smtp = await startSmtpServer();
    app = await startTestApp({ env: { SMTP_URL: smtp.url } });
    owner = await signUpAndRegister(app.url, { username: 'carol', email: 'carol@example.com' });
  });
  after(async () => {
    await app?.destroy();
    await smtp?.close();
  });

  test('the username step: a NUL byte or a control character is a 422 naming the field', async () => {
    for (const login of ['carol\u0000', 'car\u0007ol', 'carol\u202e']) {
      const b = new HttpBrowser(app.url);
      const request = await authorize(b);
      const response = await b.postForm(`/interaction/${request.uid}/login`, { login });
      const html = await response.text();
      assert.equal(response.status, 422, JSON.stringify(login));
      assert.match(html, /Username or email contains a character that cannot be used/);
    }
  });

  test('signup: NUL bytes in username or email are field errors (422), and no account appears', async () => {
    const users = () => app.container.dataSource.getRepository('User').count();
    const before = await users();
    const b = new HttpBrowser(app.url);
    const request = await authorize(b);
    for (const fields of [{ username: 'dave\u0000', email: 'dave@example.com' }, { username: 'dave', email: 'dave\u0000@example.com' }]) {
      const response = await b.postForm(`/interaction/${request.uid}/signup`, fields);
      assert.equal(response.status, 422);
      await response.arrayBuffer();
    }
    assert.equal(await users(), before);
  });

  test('renaming a passkey: NUL bytes and direction overrides are a 400 naming "Passkey name"; the name stays', async () => {
    const { id, name } = await passkeyRow();
    for (const bad of ['my\u0000key', 'my\u202ekey', 'tab\there']) {
      const response = await owner.browser.postForm(`/account/passkeys/${id}/rename`, { name: bad }, { headers: { accept: 'text/html' } });
      const html = await response.text();
      assert.equal(response.status, 400, JSON.stringify(bad));
      assert.match(html, /Passkey name contains a character that cannot be used/);
    }
    assert.equal((await passkeyRow()).name, name);
    const ok = await owner.browser.postForm(`/account/passkeys/${id}/rename`, { name: 'Work laptop 💻' });
    assert.equal(ok.status, 303);
    assert.equal((await passkeyRow()).name, 'Work laptop 💻', 'ordinary text, emoji included, is fine');
  });

  test('the emailed code: a NUL byte or a wrong format says the format is wrong and costs no try', async () => {
    const b = new HttpBrowser(app.url);
    const request = await authorize(b);
    await login(b, request.uid, 'carol');
    assert.equal((await b.postForm(`/interaction/${request.uid}/email`, {})).status, 303);
    await smtp.waitForMail('carol@example.com');
    for (const code of ['ABCD\u0000EFG', 'ABC', 'ABCD-EFGH-JKLM', 'O0O0-I1I1']) {
      const response = await b.postForm(`/interaction/${request.uid}/email/code`, { code });
      const html = await response.text();
      assert.equal(response.status, 422, JSON.stringify(code));
      assert.match(html, /That is not a sign-in code/);
      assert.doesNotMatch(html, /expired or was already used/);
    }
    const wrong = await b.postForm(`/interaction/${request.uid}/email/code`, { code: 'ABCD-EFGH' });
    assert.match(await wrong.text(), /4 tries left/, 'the malformed ones did not count');
  });
});
