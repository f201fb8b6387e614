import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import PostalMime from 'postal-mime';
import { AppError } from '../../src/errors.ts';
import { createMailer } from '../../src/services/mailer.ts';
import { captureLogs, captureDevOutbox } from '../helpers/capture.ts';
import { closedPort, startSmtpServer } from '../helpers/smtp.ts';

const message = {
  to: 'ada@example.com',
  subject: 'Hello from the test',
  text: 'Plain body ✓',
  html: '<p>HTML body ✓</p>',
};

describe('mailer', () => {
  let dataDir: string;
  before(() => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'idp-mailer-'));
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  const base = () => ({ mailFrom: 'no-reply@id.example', appName: 'Test ID', dataDir, production: false });

  test('smtp:// with credentials in the URL: delivered, From carries the app name', async () => {
    const smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 's3cret/pass' } });
    const logs = captureLogs();
    const mailer = createMailer({ ...base(), smtpUrl: smtp.url, logger: logs.logger });
    try {
      await mailer.send(message);
      const mail = await smtp.waitForMail('ada@example.com');
      assert.equal(mail.user, 'mailer');
      assert.equal(mail.secure, false);
      assert.deepEqual(mail.parsed.from, { name: 'Test ID', address: 'no-reply@id.example' });
      assert.equal(mail.parsed.subject, message.subject);
      assert.equal(mail.parsed.text?.trim(), message.text);
      assert.match(mail.parsed.html ?? '', /HTML body ✓/);
      assert.ok(mail.parsed.headers.some((h) => h.key === 'auto-submitted' && h.value === 'auto-generated'));
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  test('smtp:// upgrades with STARTTLS when the server offers it', async () => {
    const smtp = await startSmtpServer({ mode: 'starttls' });
    const mailer = createMailer({ ...base(), smtpUrl: smtp.url, logger: captureLogs().logger });
    try {
      await mailer.send(message);
      assert.equal((await smtp.waitForMail()).secure, true);
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  test('smtps:// speaks TLS from the start', async () => {
    const smtp = await startSmtpServer({ mode: 'tls', auth: { user: 'u', pass: 'p' } });
    const mailer = createMailer({ ...base(), smtpUrl: smtp.url, logger: captureLogs().logger });
    try {
      await mailer.send(message);
      const mail = await smtp.waitForMail();
      assert.equal(mail.secure, true);
      assert.equal(mail.user, 'u');
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  test('a closed port: AppError mail_failed (503), the cause logged', async () => {
    const logs = captureLogs();
    const mailer = createMailer({ ...base(), smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, logger: logs.logger });
    try {
      await assert.rejects(mailer.send(message), (error: unknown) => {
        assert.ok(error instanceof AppError);
        assert.equal(error.code, 'mail_failed');
        assert.equal(error.status, 503);
        assert.equal(error.messageKey, 'error.mailFailed');
        return true;
      });
      const entry = logs.entries().find((e) => e['msg'] === 'mail delivery failed');
      assert.ok(entry, logs.text());
      assert.equal(entry['errorCode'], 'ESOCKET');
      assert.match(String(entry['reason']), /ECONNREFUSED/);
    } finally {
      mailer.close();
    }
  });

  test('refused credentials fail the send; the password never reaches the log', async () => {
    const smtp = await startSmtpServer({ auth: { user: 'mailer', pass: 'right' } });
    const logs = captureLogs();
    const mailer = createMailer({ ...base(), smtpUrl: smtp.url.replace(':right@', ':wrong-horse-battery@'), logger: logs.logger });
    try {
      await assert.rejects(mailer.send(message), { code: 'mail_failed' });
      assert.match(logs.text(), /EAUTH/);
      assert.doesNotMatch(logs.text(), /wrong-horse-battery/);
      assert.doesNotMatch(logs.text(), /Plain body|HTML body/);
      assert.equal(smtp.mails.length, 0);
    } finally {
      mailer.close();
      await smtp.close();
    }
  });

  test('no SMTP_URL: the dev outbox writes an .eml and prints one stdout line', async () => {
    const mailer = createMailer({ ...base(), smtpUrl: undefined, logger: captureLogs().logger });
    const { lines } = await captureDevOutbox(() => mailer.send(message, { devNote: 'the note' }));
    assert.equal(lines.length, 1);
    const files = readdirSync(path.join(dataDir, 'outbox')).filter((f) => f.endsWith('.eml'));
    assert.equal(files.length, 1);
    const file = path.join(dataDir, 'outbox', files[0] ?? '');
    assert.equal(lines[0], `dev outbox: the note (${file})\n`);
    const parsed = await PostalMime.parse(readFileSync(file));
    assert.equal(parsed.subject, message.subject);
    assert.equal(parsed.to?.[0]?.address, message.to);
    assert.equal(parsed.text?.trim(), message.text);
    assert.match(parsed.html ?? '', /HTML body ✓/);

    const second = await captureDevOutbox(() => mailer.send(message));
    assert.match(second.lines[0] ?? '', /^dev outbox: "Hello from the test" to ada@example\.com \(.*\.eml\)\n$/);
    mailer.close();
  });

  test('production outbox (UNSAFE_MAIL_OUTBOX): the .eml (0600) holds the mail; stdout names only the file', async () => {
    const productionDir = mkdtempSync(path.join(tmpdir(), 'idp-mailer-production-'));
    const mailer = createMailer({ ...base(), dataDir: productionDir, production: true, smtpUrl: undefined, logger: captureLogs().logger });
    const secrets = { link: 'http://localhost/email/abc.SECRETLINK', code: 'K7Q2-M9XD' };
    const withSecrets = { ...message, text: `Sign in: ${secrets.link} code ${secrets.code}` };
    try {
      const { lines } = await captureDevOutbox(() => mailer.send(withSecrets, { devNote: `sign-in link: ${secrets.link} (code ${secrets.code})` }));
      const outbox = path.join(productionDir, 'outbox');
      const name = readdirSync(outbox)[0] ?? '';
      assert.ok(name.endsWith('.eml'));
      const file = path.join(outbox, name);
      assert.deepEqual(lines, [`mail outbox: ${file}\n`], 'one line, the file only: no link, code, recipient or subject');
      assert.equal(statSync(file).mode & 0o777, 0o600);
      const parsed = await PostalMime.parse(readFileSync(file));
      assert.equal(parsed.to?.[0]?.address, message.to);
      assert.ok(parsed.text?.includes(secrets.link) && parsed.text.includes(secrets.code), 'the mail itself is whole');
    } finally {
      mailer.close();
      rmSync(productionDir, { recursive: true, force: true });
    }
  });
});
