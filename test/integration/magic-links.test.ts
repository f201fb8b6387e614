import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import PostalMime from 'postal-mime';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source.ts';
import type { User } from '../../src/db/entities/user.ts';
import { AppError } from '../../src/errors.ts';
import { createLanguages } from '../../src/http/language.ts';
import { createViews } from '../../src/http/views.ts';
import { createUsersRepository, type UsersRepository } from '../../src/repositories/users.ts';
import { createMailer, type Mailer, type MailMessage } from '../../src/services/mailer.ts';
import { describeDevice } from '../../src/i18n/device-name.ts';
import { createTranslator } from '../../src/i18n/translator.ts';
import { textColourOn } from '../../src/lib/colour-contrast.ts';
import { createMagicLinksService, type MagicLinksConfig } from '../../src/services/magic-links.ts';
import { CODE_ALPHABET, argon2Hasher, normaliseCode, randomCode, type PasswordHasher } from '../../src/services/one-time-codes.ts';
import { createMagicLinkStore, type MagicLinkStore } from '../../src/stores/magic-links.ts';
import { BACKEND, createTestDatabase, createTestStore, type TestDatabase, type TestStore } from '../helpers/backends.ts';
import { captureDevOutbox, captureLogs, type CapturedLogs } from '../helpers/capture.ts';
import { closedPort, startSmtpServer, type TestSmtpServer } from '../helpers/smtp.ts';

const ISSUER = 'https://id.example.test';
const ENGLISH = createTranslator('en');
const CHROME_LINUX = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';
const IP = '203.0.113.7';
const LINK_PATTERN = /https:\/\/id\.example\.test\/email\/([A-Za-z0-9_-]{22})\/([A-Za-z0-9_-]{43})/;
const CODE_PATTERN = /\b([2-9A-HJKMNP-Z]{4})-([2-9A-HJKMNP-Z]{4})\b/;
const BASE_CONFIG: MagicLinksConfig = {
  issuer: ISSUER,
  appName: 'Example ID',
  appLogoUrl: '/static/logo.png',
  appAccent: '#0f766e',
  magicLinkTtl: 600,
};

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;

/** A valid-looking code that is not `code`. */
function otherCode(code: string): string {
  let other = randomCode();
  while (other === code) other = randomCode();
  return other;
}

describe(`magic links (${BACKEND})`, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let users: UsersRepository;
  let testStore: TestStore;
  let store: MagicLinkStore;
  let smtp: TestSmtpServer;
  let mailer: Mailer;
  let logs: CapturedLogs;
  const calls = { hash: 0, verify: 0 };
  const countingHasher: PasswordHasher = {
    hash: (plain) => (calls.hash++, argon2Hasher.hash(plain)),
    verify: (hash, plain) => (calls.verify++, argon2Hasher.verify(hash, plain)),
  };
  let userCount = 0;

  before(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource(database);
    await dataSource.initialize();
    await dataSource.runMigrations();
    users = createUsersRepository(dataSource);
    testStore = createTestStore();
    store = createMagicLinkStore(testStore.store);
    smtp = await startSmtpServer();
    logs = captureLogs();
    mailer = createMailer({ smtpUrl: smtp.url, mailFrom: 'no-reply@id.example.test', appName: 'Example ID', dataDir: database.dataDir, production: false, logger: logs.logger });
  });
  after(async () => {
    mailer.close();
    await smtp.close();
    await testStore.cleanup();
    await dataSource.destroy();
    await database.cleanup();
  });

  function service(overrides: { config?: Partial<MagicLinksConfig>; mailer?: Mailer } = {}) {
    const config = { ...BASE_CONFIG, ...overrides.config };
    return createMagicLinksService({
      store,
      mailer: overrides.mailer ?? mailer,
      render: createViews({ ...config, production: false }, createLanguages({ allowed: ['en'], secure: true, lenient: false })).render,
      config,
      users,
      logger: logs.logger,
      hash: countingHasher,
    });
  }

  async function newUser(): Promise<User> {
    userCount++;
    return users.create({ username: `user${userCount}`, email: `user${userCount}@example.com`, name: `Person ${userCount}` });
  }

  /** Requests a mail and reads the link and code out of what the SMTP server received. */
  async function requestMail(user: User, magicLinks = service(), interactionUid = crypto.randomUUID()) {
    const { bindingValue, expiresAt } = await magicLinks.request({ user, interactionUid, ip: IP, userAgent: CHROME_LINUX, i18n: ENGLISH });
    const mail = await smtp.waitForMail(user.email);
    const text = mail.parsed.text ?? '';
    const [link, id = '', secret = ''] = LINK_PATTERN.exec(text) ?? [];
    const [, first = '', second = ''] = CODE_PATTERN.exec(text) ?? [];
    assert.ok(link, `no link in the mail:\n${text}`);
    return { bindingValue, expiresAt, mail, link, id, secret, code: `${first}-${second}`, interactionUid };
  }

  test('the mail: link, code, expiry, browser and IP in both parts; the secret only inside the link', async () => {
    const user = await newUser();
    const sent = await requestMail(user);
    const { parsed } = sent.mail;
    const text = parsed.text ?? '';
    const html = parsed.html ?? '';
    assert.equal(parsed.subject, 'Sign in to Example ID');
    assert.deepEqual(parsed.from, { name: 'Example ID', address: 'no-reply@id.example.test' });
    assert.ok(sent.expiresAt.getTime() > Date.now() + 590_000);
    for (const [name, part] of [['text', text], ['html', html]] as const) {
      assert.ok(part.includes(sent.link), `${name}: the link`);
      assert.ok(part.includes(sent.code), `${name}: the code`);
      assert.match(part, /expire in (<strong>)?10 minutes/, `${name}: the expiry`);
      assert.match(part, /Chrome on Linux/, `${name}: the browser`);
      assert.ok(part.includes(IP), `${name}: the IP`);
      assert.match(part, /Person \d+/, `${name}: the person's name`);
      assert.match(part, /If this wasn('|&#39;|’)t you, ignore this email — nobody can sign in without it\./, `${name}: the warning`);
      assert.equal(count(part, sent.secret), count(part, sent.link), `${name}: the secret appears only within the link`);
    }
    assert.ok(html.includes('src="https://id.example.test/static/logo.png"'), 'the logo, as an absolute URL');
    assert.ok(html.includes('background-color:#0f766e'), 'the accent colour');
    assert.ok(html.includes('color:#ffffff'), 'white text on a dark accent');
    assert.ok(html.includes('prefers-color-scheme: dark'), 'dark-mode styles');
    assert.doesNotMatch(html, /<script|<link |url\(|@import/i, 'no external resources besides the logo');
    assert.equal(count(html, 'src="'), 1, 'one image: the logo');
    const headers = sent.mail.raw.toString('utf8').split(/\r?\n\r?\n/)[0] ?? '';
    assert.ok(!headers.includes(sent.secret) && !headers.includes(sent.code), 'nothing secret in the headers');
    const log = logs.text();
    for (const secret of [sent.secret, sent.code, normaliseCode(sent.code), sent.bindingValue, sent.link]) {
      assert.ok(!log.includes(secret), 'no secret, code, binding or link in the logs');
    }
  });

  test('the link confirms once in the binding browser; the email becomes verified', async () => {
    const user = await newUser();
    assert.equal(user.emailVerified, false);
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const result = await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue });
    assert.ok(result.ok);
    assert.equal(result.user.id, user.id);
    assert.equal(result.user.emailVerified, true);
    assert.equal(result.interactionUid, sent.interactionUid);
    assert.equal((await users.findById(user.id))?.emailVerified, true);

    const again = await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue });
    assert.deepEqual(again, { ok: false, reason: 'expired_or_used' });
    assert.equal(await magicLinks.peek(sent.id, sent.bindingValue), undefined);
    assert.deepEqual(await magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: sent.code, bindingValue: sent.bindingValue }), {
      ok: false,
      reason: 'expired_or_used',
    });
  });

  test('peek is cheap and consumes nothing; it tells whether this is the binding browser', async () => {
    const user = await newUser();
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const before = { ...calls };
    const peeked = await magicLinks.peek(sent.id, sent.bindingValue);
    assert.ok(peeked);
    assert.deepEqual({ ...peeked, expiresAt: undefined }, {
      userId: user.id,
      displayName: user.name,
      interactionUid: sent.interactionUid,
      expiresAt: undefined,
      sameBrowser: true,
    });
    assert.equal(peeked.expiresAt.getTime(), sent.expiresAt.getTime());
    assert.equal((await magicLinks.peek(sent.id))?.sameBrowser, false);
    assert.equal((await magicLinks.peek(sent.id, 'someone-elses-cookie'))?.sameBrowser, false);
    assert.equal(await magicLinks.peek('AAAAAAAAAAAAAAAAAAAAAA'), undefined);
    assert.equal(await magicLinks.peek('../../etc'), undefined);
    assert.deepEqual(calls, before, 'no argon2 work');
    assert.ok((await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue })).ok);
  });

  test('another browser (wrong or missing binding) is refused without using the link up', async () => {
    const user = await newUser();
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const before = calls.verify;
    for (const bindingValue of [undefined, '', 'x'.repeat(43), sent.bindingValue.slice(0, -1)]) {
      assert.deepEqual(await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue }), { ok: false, reason: 'other_browser' });
    }
    assert.equal(calls.verify, before, 'the binding is checked before any argon2 work');
    const result = await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue });
    assert.ok(result.ok, 'the right browser still signs in afterwards');
  });

  test('a wrong secret for a real id is invalid and leaves the link usable', async () => {
    const user = await newUser();
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const wrong = `${sent.secret.slice(0, -1)}${sent.secret.endsWith('A') ? 'B' : 'A'}`;
    assert.deepEqual(await magicLinks.confirmLink({ id: sent.id, secret: wrong, bindingValue: sent.bindingValue }), { ok: false, reason: 'invalid' });
    assert.deepEqual(await magicLinks.confirmLink({ id: sent.id, secret: 'short', bindingValue: sent.bindingValue }), { ok: false, reason: 'invalid' });
    assert.ok((await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue })).ok);
  });

  test('an unknown or malformed link id costs no argon2 work', async () => {
    const magicLinks = service();
    const before = { ...calls };
    const secret = 'S'.repeat(43);
    assert.deepEqual(await magicLinks.confirmLink({ id: 'A'.repeat(22), secret, bindingValue: 'b' }), { ok: false, reason: 'expired_or_used' });
    assert.deepEqual(await magicLinks.confirmLink({ id: 'not an id', secret, bindingValue: 'b' }), { ok: false, reason: 'invalid' });
    assert.deepEqual(await magicLinks.confirmCode({ interactionUid: 'no-such-interaction', code: 'ABCD-EFGH', bindingValue: 'b' }), {
      ok: false,
      reason: 'expired_or_used',
    });
    assert.deepEqual(calls, before);
  });

  test('an expired link and code fail (store TTL of 1 s)', async () => {
    const user = await newUser();
    const magicLinks = service({ config: { magicLinkTtl: 1 } });
    const sent = await requestMail(user, magicLinks);
    assert.match(sent.mail.parsed.text ?? '', /expire in 1 minute\./);
    await sleep(2_100);
    assert.equal(await magicLinks.peek(sent.id), undefined);
    assert.deepEqual(await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue }), { ok: false, reason: 'expired_or_used' });
    assert.deepEqual(await magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: sent.code, bindingValue: sent.bindingValue }), {
      ok: false,
      reason: 'expired_or_used',
    });
    assert.equal((await users.findById(user.id))?.emailVerified, false);
  });

  test('the typed code signs in (any case, spaces or dashes) and spends the link too', async () => {
    const user = await newUser();
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const typed = ` ${sent.code.toLowerCase().replace('-', ' ')} `;
    const result = await magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: typed, bindingValue: sent.bindingValue });
    assert.ok(result.ok);
    assert.equal(result.user.id, user.id);
    assert.equal(result.interactionUid, sent.interactionUid);
    assert.equal((await users.findById(user.id))?.emailVerified, true);
    assert.deepEqual(await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue }), { ok: false, reason: 'expired_or_used' });
  });

  test('the code needs the binding browser too; malformed codes cost no attempt', async () => {
    const user = await newUser();
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const before = calls.verify;
    assert.deepEqual(await magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: sent.code, bindingValue: 'other' }), { ok: false, reason: 'other_browser' });
    for (const malformed of ['ABC0-EFGH', 'ABC', 'ABCD-EFGH-JK', 'abcd\u0000efgh']) {
      assert.deepEqual(await magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: malformed, bindingValue: sent.bindingValue }), { ok: false, reason: 'malformed' }, malformed);
    }
    assert.equal(calls.verify, before);
    const wrong = await magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: otherCode(normaliseCode(sent.code)), bindingValue: sent.bindingValue });
    assert.deepEqual(wrong, { ok: false, reason: 'wrong_code', attemptsLeft: 4 }, 'the first counted attempt');
  });

  test('five wrong codes invalidate the record (link included)', async () => {
    const user = await newUser();
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const wrong = otherCode(normaliseCode(sent.code));
    const input = { interactionUid: sent.interactionUid, code: wrong, bindingValue: sent.bindingValue };
    for (const attemptsLeft of [4, 3, 2, 1]) {
      assert.deepEqual(await magicLinks.confirmCode(input), { ok: false, reason: 'wrong_code', attemptsLeft });
    }
    assert.deepEqual(await magicLinks.confirmCode(input), { ok: false, reason: 'too_many_attempts' });
    assert.deepEqual(await magicLinks.confirmCode({ ...input, code: sent.code }), { ok: false, reason: 'expired_or_used' });
    assert.deepEqual(await magicLinks.confirmLink({ id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue }), { ok: false, reason: 'expired_or_used' });
  });

  test('parallel wrong guesses get at most five verifications', async () => {
    const user = await newUser();
    const magicLinks = service();
    const sent = await requestMail(user, magicLinks);
    const wrong = otherCode(normaliseCode(sent.code));
    const before = calls.verify;
    const results = await Promise.all(
      Array.from({ length: 12 }, () => magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: wrong, bindingValue: sent.bindingValue })),
    );
    assert.ok(calls.verify - before <= 5, `${calls.verify - before} verifications`);
    assert.ok(results.every((r) => !r.ok));
    assert.ok(results.some((r) => !r.ok && r.reason === 'too_many_attempts'));
    assert.deepEqual(await magicLinks.confirmCode({ interactionUid: sent.interactionUid, code: sent.code, bindingValue: sent.bindingValue }), {
      ok: false,
      reason: 'expired_or_used',
    });
  });

  test('the right code sent eight times at once (a double-clicked form): exactly one signs in, the email is not voided', async () => {
    const magicLinks = service();
    for (let round = 0; round < 3; round++) {
      const sent = await requestMail(await newUser(), magicLinks);
      const byCode = { interactionUid: sent.interactionUid, code: sent.code, bindingValue: sent.bindingValue };
      const results = await Promise.all(Array.from({ length: 8 }, () => magicLinks.confirmCode(byCode)));
      assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results.map((r) => r.ok || r.reason)));
      for (const result of results.filter((r) => !r.ok)) {
        assert.ok(!result.ok && ['expired_or_used', 'too_many_attempts'].includes(result.reason), JSON.stringify(result));
      }
    }
  });

  test('a resend invalidates the older link and code', async () => {
    const user = await newUser();
    const magicLinks = service();
    const first = await requestMail(user, magicLinks);
    const second = await requestMail(user, magicLinks, first.interactionUid);
    assert.notEqual(first.id, second.id);
    assert.deepEqual(await magicLinks.confirmLink({ id: first.id, secret: first.secret, bindingValue: first.bindingValue }), { ok: false, reason: 'expired_or_used' });
    assert.deepEqual(await magicLinks.confirmLink({ id: first.id, secret: first.secret, bindingValue: second.bindingValue }), { ok: false, reason: 'expired_or_used' });
    const oldCode = await magicLinks.confirmCode({ interactionUid: first.interactionUid, code: first.code, bindingValue: second.bindingValue });
    assert.equal(oldCode.ok, false, 'the first code no longer signs in');
    assert.ok((await magicLinks.confirmLink({ id: second.id, secret: second.secret, bindingValue: second.bindingValue })).ok);
  });

  test('a request from another sign-in (new interaction) replaces the previous one too', async () => {
    const user = await newUser();
    const magicLinks = service();
    const first = await requestMail(user, magicLinks);
    const second = await requestMail(user, magicLinks);
    assert.notEqual(first.interactionUid, second.interactionUid);
    assert.deepEqual(await magicLinks.confirmLink({ id: first.id, secret: first.secret, bindingValue: first.bindingValue }), { ok: false, reason: 'expired_or_used' });
    assert.deepEqual(await magicLinks.confirmCode({ interactionUid: first.interactionUid, code: first.code, bindingValue: first.bindingValue }), {
      ok: false,
      reason: 'expired_or_used',
    });
    assert.ok((await magicLinks.confirmCode({ interactionUid: second.interactionUid, code: second.code, bindingValue: second.bindingValue })).ok);
  });

  test('two concurrent confirmations: exactly one signs in', async () => {
    const magicLinks = service();
    for (let round = 0; round < 5; round++) {
      const sent = await requestMail(await newUser(), magicLinks);
      const byLink = { id: sent.id, secret: sent.secret, bindingValue: sent.bindingValue };
      const byCode = { interactionUid: sent.interactionUid, code: sent.code, bindingValue: sent.bindingValue };
      const results = await Promise.all(
        round % 2 === 0
          ? [magicLinks.confirmLink(byLink), magicLinks.confirmLink(byLink)]
          : [magicLinks.confirmLink(byLink), magicLinks.confirmCode(byCode)],
      );
      assert.equal(results.filter((r) => r.ok).length, 1, JSON.stringify(results.map((r) => r.ok || r.reason)));
      assert.deepEqual(results.find((r) => !r.ok), { ok: false, reason: 'expired_or_used' });
    }
  });

  test('SMTP down: AppError mail_failed (503) and no usable record is left', async () => {
    const user = await newUser();
    const earlier = await requestMail(user);
    const logsBefore = logs.text().length;
    const down = createMailer({ smtpUrl: `smtp://127.0.0.1:${await closedPort()}`, mailFrom: 'x@y.test', appName: 'Example ID', dataDir: database.dataDir, production: false, logger: logs.logger });
    const attempted: MailMessage[] = [];
    const recording: Mailer = {
      send: (message, options) => (attempted.push(message), down.send(message, options)),
      close: () => down.close(),
    };
    const magicLinks = service({ mailer: recording });
    const interactionUid = crypto.randomUUID();
    await assert.rejects(magicLinks.request({ user, interactionUid, ip: IP, userAgent: CHROME_LINUX, i18n: ENGLISH }), (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.equal(error.code, 'mail_failed');
      assert.equal(error.status, 503);
      assert.equal(error.messageKey, 'error.mailFailed');
      return true;
    });
    down.close();
    const [, id = '', secret = ''] = LINK_PATTERN.exec(attempted[0]?.text ?? '') ?? [];
    const [, first = '', second = ''] = CODE_PATTERN.exec(attempted[0]?.text ?? '') ?? [];
    assert.ok(id && secret && first, 'the unsent mail had a link and a code');
    assert.equal(await magicLinks.peek(id), undefined);
    assert.deepEqual(await store.get(id), undefined);
    assert.deepEqual(await store.findByInteraction(interactionUid), undefined);
    assert.deepEqual(await magicLinks.confirmCode({ interactionUid, code: first + second, bindingValue: 'unknown' }), { ok: false, reason: 'expired_or_used' });
    assert.deepEqual(await magicLinks.confirmLink({ id: earlier.id, secret: earlier.secret, bindingValue: earlier.bindingValue }), {
      ok: false,
      reason: 'expired_or_used',
    }, 'the request replaced the earlier link before sending');
    const newLogs = logs.text().slice(logsBefore);
    assert.match(newLogs, /mail delivery failed/);
    assert.ok(!newLogs.includes(secret) && !newLogs.includes(first + second));
  });

  test('no SMTP: the dev outbox gets an .eml and one stdout line with the link and code', async () => {
    const user = await newUser();
    const outboxMailer = createMailer({ smtpUrl: undefined, mailFrom: 'x@y.test', appName: 'Example ID', dataDir: database.dataDir, production: false, logger: logs.logger });
    const magicLinks = service({ mailer: outboxMailer });
    const { lines } = await captureDevOutbox(() => magicLinks.request({ user, interactionUid: crypto.randomUUID(), ip: IP, userAgent: CHROME_LINUX, i18n: ENGLISH }));
    outboxMailer.close();
    assert.equal(lines.length, 1);
    const line = lines[0] ?? '';
    assert.match(line, new RegExp(`^dev outbox: sign-in link for ${user.username}: ${LINK_PATTERN.source} \\(code ${CODE_PATTERN.source}\\) \\(.*/outbox/.*\\.eml\\)\\n$`));
    const file = /\((\/[^()]+\.eml)\)\n$/.exec(line)?.[1] ?? '';
    assert.equal(path.dirname(file), path.join(database.dataDir, 'outbox'));
    assert.ok(readdirSync(path.dirname(file)).includes(path.basename(file)));
    const parsed = await PostalMime.parse(readFileSync(file));
    assert.equal(parsed.to?.[0]?.address, user.email);
    assert.ok((parsed.text ?? '').includes(LINK_PATTERN.exec(line)?.[0] ?? 'missing'));
    assert.ok((parsed.html ?? '').includes(CODE_PATTERN.exec(line)?.[0] ?? 'missing'));
  });
});

describe('magic-link helpers', () => {
  test('describeDevice names browser and system', () => {
    const cases: Array<[string | undefined, string]> = [
      [CHROME_LINUX, 'Chrome on Linux'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36 Edg/140.0.0.0', 'Edge on Windows'],
      ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Safari/605.1.15', 'Safari on macOS'],
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1', 'Safari on iPhone'],
      ['Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/140.0 Mobile/15E148 Safari/604.1', 'Chrome on iPhone'],
      ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:143.0) Gecko/20100101 Firefox/143.0', 'Firefox on Linux'],
      ['Mozilla/5.0 (Linux; Android 15; SM-S928B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/28.0 Chrome/130.0.0.0 Mobile Safari/537.36', 'Samsung Internet on Android'],
      ['Mozilla/5.0 (X11; CrOS x86_64 16181.61.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36', 'Chrome on ChromeOS'],
      ['curl/8.14.1', 'an unknown browser'],
      [undefined, 'an unknown browser'],
    ];
    for (const [ua, expected] of cases) assert.equal(describeDevice(ENGLISH, ua), expected, ua);
    assert.equal(describeDevice(createTranslator('de'), CHROME_LINUX), 'Chrome unter Linux');
    assert.equal(describeDevice(createTranslator('fr'), CHROME_LINUX), 'Chrome sur Linux');
  });

  test('codes: 8 characters from an alphabet without 0, O, 1, I or L; typing is forgiving', () => {
    assert.doesNotMatch(CODE_ALPHABET, /[0O1IL]/);
    for (let i = 0; i < 200; i++) assert.match(randomCode(), /^[2-9A-HJKMNP-Z]{8}$/);
    assert.equal(normaliseCode(' abcd-efgh '), 'ABCDEFGH');
    assert.equal(normaliseCode('AB CD\tEF-GH'), 'ABCDEFGH');
  });

  test('button text colour follows the accent', () => {
    assert.equal(textColourOn('#4f46e5'), '#ffffff');
    assert.equal(textColourOn('#0f766e'), '#ffffff');
    assert.equal(textColourOn('#facc15'), '#000000');
    assert.equal(textColourOn('#fff'), '#000000');
  });
});
