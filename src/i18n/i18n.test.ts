import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { createLanguages } from '../http/language.ts';
import { createViews } from '../http/views.ts';
import { distinctName } from '../services/passkeys.ts';
import { en } from './catalogs/en.ts';
import { de } from './catalogs/de.ts';
import { fr } from './catalogs/fr.ts';
import { describeDevice, passkeyNameFor } from './device-name.ts';
import { SUPPORTED_LANGUAGES } from './languages.ts';
import { chooseLanguage } from './negotiate.ts';
import { createTranslator, translationData, type MessageKey } from './translator.ts';

const CATALOGS = { en, de, fr } as const;
const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
const tags = (text: string) => [...text.matchAll(/<\/?([a-z]+)/g)].map((m) => m[0]).sort();
const forms = (message: string | Record<string, string>) => (typeof message === 'string' ? [message] : Object.values(message));

describe('message catalogs', () => {
  for (const lang of SUPPORTED_LANGUAGES) {
    test(`${lang}: every English key, the same placeholders and markup in every form`, () => {
      const catalog = CATALOGS[lang] as Record<string, string | Record<string, string>>;
      assert.deepEqual(Object.keys(catalog).sort(), Object.keys(en).sort());
      for (const [key, english] of Object.entries(en as Record<string, string | Record<string, string>>)) {
        const wanted = placeholders(forms(english).join(' ')).filter((v, i, all) => all.indexOf(v) === i);
        for (const form of forms(catalog[key]!)) {
          for (const name of placeholders(form)) assert.ok(wanted.includes(name), `${lang} ${key}: unknown {${name}}`);
          assert.deepEqual(tags(form), tags(forms(english)[0]!), `${lang} ${key}: markup`);
        }
        const all = placeholders(forms(catalog[key]!).join(' '));
        for (const name of wanted) assert.ok(all.includes(name), `${lang} ${key}: {${name}} missing`);
      }
    });

    test(`${lang}: plural messages have every form Intl.PluralRules selects`, () => {
      const rules = new Intl.PluralRules(lang);
      const catalog = CATALOGS[lang] as Record<string, string | Record<string, string>>;
      for (const [key, message] of Object.entries(catalog)) {
        if (typeof message === 'string') continue;
        for (const n of [0, 1, 2, 5, 21, 1_000_000]) {
          const form = rules.select(n);
          assert.ok(form in message || form === 'other', `${lang} ${key}: no "${form}" form (for ${n})`);
        }
      }
    });
  }
});

describe('translator', () => {
  test('fills placeholders, chooses plurals and formats numbers and dates the language’s way', () => {
    const english = createTranslator('en');
    assert.equal(english.t('verify.error.wrong', { count: 1 }), 'That code is not right. 1 try left.');
    assert.equal(english.t('verify.error.wrong', { count: 4 }), 'That code is not right. 4 tries left.');
    assert.equal(english.t('duration.minutes', { count: 1 }), '1 minute');
    assert.equal(createTranslator('de').t('duration.minutes', { count: 10 }), '10 Minuten');
    assert.equal(createTranslator('fr').t('duration.minutes', { count: 1 }), '1 minute');
    const day = new Date(Date.UTC(2026, 11, 1, 12));
    assert.equal(english.date(day), 'Dec 1, 2026');
    assert.equal(createTranslator('de').date(day), '01.12.2026');
    assert.equal(createTranslator('fr').date(day), '1 déc. 2026');
  });

  test('html() escapes the values, never the catalog’s markup', () => {
    assert.equal(createTranslator('en').html('login.to', { client: '<b>x</b>' }), 'to continue to <strong>&lt;b&gt;x&lt;/b&gt;</strong>');
  });

  test('a missing key or value throws (tests, development); production shows the key', () => {
    assert.throws(() => createTranslator('en').t('no.such.key' as MessageKey), /no message "no.such.key"/);
    assert.throws(() => createTranslator('en').t('login.to'), /needs \{client\}/);
    assert.equal(createTranslator('en', { lenient: true }).t('no.such.key' as MessageKey), 'no.such.key');
  });
});

describe('choosing the language', () => {
  const accepts = (header: string[]) => (languages: string[]) => header.find((tag) => languages.includes(tag)) ?? false;
  const all = [...SUPPORTED_LANGUAGES];

  test('the person’s choice, then the app’s ui_locales, then Accept-Language, then the first allowed', () => {
    assert.equal(chooseLanguage(all, { chosen: ['fr', 'de'], uiLocales: 'de', accepts: accepts(['de']) }), 'fr');
    assert.equal(chooseLanguage(all, { chosen: [undefined, 'de'], accepts: accepts(['fr']) }), 'de');
    assert.equal(chooseLanguage(all, { chosen: ['xx'], uiLocales: 'pt-BR de-CH', accepts: accepts(['fr']) }), 'de');
    assert.equal(chooseLanguage(all, { chosen: [], accepts: accepts(['fr']) }), 'fr');
    assert.equal(chooseLanguage(all, { chosen: [], accepts: accepts([]) }), 'en');
  });

  test('APP_LANGUAGES restricts every signal', () => {
    assert.equal(chooseLanguage(['de', 'en'], { chosen: ['fr'], uiLocales: 'fr', accepts: accepts(['fr']) }), 'de');
    assert.equal(chooseLanguage(['de'], { chosen: ['en'], accepts: accepts(['en']) }), 'de');
  });
});

describe('passkey and device names', () => {
  const chrome = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36';

  test('new passkeys are named after the browser and system that made them, in the page’s language', () => {
    assert.equal(passkeyNameFor(createTranslator('en'), chrome), 'Chrome on Linux');
    assert.equal(passkeyNameFor(createTranslator('de'), chrome), 'Chrome unter Linux');
    assert.equal(passkeyNameFor(createTranslator('en'), 'curl/8.14.1'), undefined, 'an unknown client gives no name');
    assert.equal(describeDevice(createTranslator('en'), 'curl/8.14.1'), 'an unknown browser');
  });

  test('two passkeys never share a name', () => {
    assert.equal(distinctName('Chrome on Linux', []), 'Chrome on Linux');
    assert.equal(distinctName('Chrome on Linux', ['Chrome on Linux']), 'Chrome on Linux (2)');
    assert.equal(distinctName('Chrome on Linux', ['Chrome on Linux', 'Chrome on Linux (2)']), 'Chrome on Linux (3)');
    assert.equal(distinctName('  ', []), 'Passkey');
  });
});

describe('every page and email renders in every language, with no missing message', () => {
  const languages = createLanguages({ allowed: all(), secure: false, lenient: false });
  const { render } = createViews({ appName: 'Example ID', appLogoUrl: undefined, appAccent: '#4f46e5', production: false }, languages);
  function all() {
    return [...SUPPORTED_LANGUAGES];
  }
  const passkey = { id: 'id-1', name: 'Chrome on Linux', authenticator: 'Google Password Manager', synced: true, createdAt: new Date(), lastUsedAt: null };
  const user = { username: 'ada', email: 'ada@example.com' };
  // Every template with data for each of its states.
  const PAGES: Record<string, Array<Record<string, unknown>>> = {
    home: [{ user }, {}],
    login: [{ clientName: 'App', base: '/i', signupOpen: true, error: 'x', scripts: ['/s.js'] }],
    passkey: [{ clientName: 'App', base: '/i', displayName: 'Ada', hasPasskeys: true }, { clientName: 'App', base: '/i', displayName: 'Ada', hasPasskeys: false }],
    signup: [
      { clientName: 'App', base: '/i', values: {}, errors: { username: 'signup.error.usernameTaken', email: 'signup.error.emailInvalid' } },
      { clientName: 'App', base: '/i', values: { username: 'bob' }, fixed: { username: 'bob' }, errors: {} },
    ],
    'signup-verify': [{ base: '/i', email: 'a@b.c', minutes: 10, error: 'x' }],
    'create-passkey': [{ base: '/i', passkeysBeforeVerification: 1 }, { base: '/i', passkeysBeforeVerification: 3 }],
    consent: [{ clientName: 'App', base: '/i', scopes: ['openid', 'profile', 'email', 'offline_access', 'groups'] }],
    'email-sent': [{ base: '/i', email: 'a***@b.c', minutes: 10, error: 'x' }, { base: '/i', minutes: 1 }],
    'email-confirm': [{ displayName: 'Ada', action: '/email/x/y' }],
    'email-link-invalid': [{}],
    'email-other-browser': [{}],
    account: [
      {
        user,
        passkeys: [passkey, { ...passkey, id: 'id-2', lastUsedAt: new Date(), synced: false, authenticator: undefined }],
        notice: 'x',
        sessions: [{ id: 's1', current: true, since: 'now', apps: ['Grafana'] }, { id: 's2', current: false, since: '', apps: [] }],
        apps: [{ id: 'g1', name: 'Grafana' }],
        activity: [{ text: 'Signed in', device: 'Chrome on Linux', ago: 'now', at: new Date().toISOString() }],
      },
      { user, passkeys: [], sessions: [], apps: [], activity: [] },
    ],
    'no-access': [{ clientName: 'App', base: '/i', username: 'ada' }],
    'select-account': [
      { clientName: 'App', base: '/i', displayName: 'Ada Lovelace', initial: 'A', username: 'ada', email: 'ada@example.com' },
      { clientName: 'App', base: '/i', displayName: 'ada', initial: 'A', username: 'ada', email: 'ada@example.com' },
    ],
    'account-link-invalid': [{}],
    recovery: [{ username: 'ada', action: '/recover/x' }],
    'delete-passkey': [{ passkey, last: true }, { passkey, last: false }],
    error: [{ heading: 'x', description: 'y', error: 'code', back: { href: '/', label: 'error.home' } }],
    logout: [{ form: '<form id="op.logoutForm"></form>', clientName: 'App' }, { form: '' }],
    'logged-out': [{ clientName: 'App' }, {}],
    'still-signed-in': [{ clientName: 'App' }, {}],
    device: [
      { action: '/device', xsrf: 'x', code: 'BCDF-GHJK' },
      { action: '/device', xsrf: 'x', code: '', error: 'deviceFlow.error.invalid' },
      { error: 'deviceFlow.error.stale' },
    ],
    'device-confirm': [
      { clientName: 'TV', base: '/i', userCode: 'BCDF-GHJK', username: 'ada', deviceName: 'Chrome on Android', userAgent: 'Mozilla/5.0', ip: '203.0.113.9', scopes: ['openid', 'offline_access'] },
      { clientName: 'TV', base: '/i', userCode: 'BCDF-GHJK', scopes: [] },
    ],
    'device-done': [{ connected: true, clientName: 'TV' }, { connected: false, clientName: 'TV' }, { connected: false }],
  };

  test('every template in views/ is listed here', () => {
    const templates = readdirSync(new URL('../../views/', import.meta.url)).filter((f) => f.endsWith('.eta') && f !== 'layout.eta').map((f) => f.replace('.eta', ''));
    assert.deepEqual(templates.sort(), Object.keys(PAGES).sort());
  });

  for (const lang of SUPPORTED_LANGUAGES) {
    test(`${lang}: pages`, () => {
      const i18n = createTranslator(lang);
      for (const [template, states] of Object.entries(PAGES)) {
        for (const data of states) {
          const html = render(template, { ...translationData(i18n), title: 'home.title', scriptMessagesAttribute: '{}', languageLinks: [], ...data });
          assert.match(html, new RegExp(`<html lang="${lang}">`), template);
          assert.doesNotMatch(html, /\{\w+\}/, `${template}: a placeholder left`);
        }
      }
    });

    test(`${lang}: emails`, () => {
      const i18n = createTranslator(lang);
      const data = { ...translationData(i18n), appName: 'Example ID', appAccent: '#4f46e5', accentText: '#fff', displayName: 'Ada', username: 'ada', link: 'https://x/email/a/b', code: 'ABCD-2345', expiresIn: i18n.t('duration.minutes', { count: 10 }), browser: 'Chrome', ip: '203.0.113.9', lead: i18n.t('mail.notice.passkeyAdded.lead', { app: 'Example ID', name: 'Chrome on Linux' }), accountUrl: 'https://x/account' };
      for (const mail of readdirSync(new URL('../../views/mail/', import.meta.url))) {
        const body = render(`mail/${mail}`, data);
        assert.doesNotMatch(body, /\{\w+\}/, `${mail}: a placeholder left`);
        if (!mail.startsWith('security-notice')) assert.match(body, /ABCD-2345/, mail);
      }
    });
  }
});
