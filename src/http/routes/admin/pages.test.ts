import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { describe, test } from 'node:test';
import { AUDIT_EVENT_TYPES } from '../../../audit/events.ts';
import { SUPPORTED_LANGUAGES } from '../../../i18n/languages.ts';
import { createTranslator, translationData } from '../../../i18n/translator.ts';
import { createLanguages } from '../../language.ts';
import { createViews } from '../../views.ts';
import { INVITE_TTLS } from './users.ts';

describe('every admin page renders in every language, with no missing message', () => {
  const languages = createLanguages({ allowed: [...SUPPORTED_LANGUAGES], secure: false, lenient: false });
  const { render } = createViews({ appName: 'Example ID', appLogoUrl: undefined, appAccent: '#4f46e5', production: false }, languages);
  const now = new Date();
  const admin = { id: 'a', username: 'ada', email: 'ada@example.com', createdAt: now, disabledAt: null };
  const bob = { id: 'b', username: 'bob', email: 'bob@example.com', createdAt: now, disabledAt: now };
  const common = { section: 'users', admin, formToken: 'token', freshFor: 0, notice: 'Done.', scripts: ['/static/js/admin.js'], wide: true, cardClass: 'admin' };
  const PAGES: Record<string, Array<Record<string, unknown>>> = {
    users: [
      { ...common, q: '', rows: [{ user: admin, lastSignIn: now }, { user: bob, lastSignIn: undefined }], limited: true, signupClosed: false, inviteTtls: Object.keys(INVITE_TTLS) },
      { ...common, q: 'zz', rows: [], limited: false, signupClosed: true, inviteTtls: [] },
    ],
    'delete-user': [{ ...common, user: bob }],
    link: [
      { ...common, kind: 'recovery', username: 'bob', url: 'https://x/recover/y', qr: '<svg></svg>', until: 'now' },
      { ...common, kind: 'invite', username: 'new', email: 'new@example.com', url: 'https://x/invite/y', qr: '<svg></svg>', until: 'now' },
    ],
    groups: [{ ...common, section: 'groups', groups: [{ name: 'admins', members: 1 }, { name: 'staff', members: 2 }] }, { ...common, groups: [] }],
    group: [
      { ...common, name: 'admins', members: [admin, bob], self: 'a', protectedGroup: true },
      { ...common, name: 'staff', members: [], self: 'a', protectedGroup: false },
    ],
    'delete-group': [{ ...common, name: 'staff', members: 1 }, { ...common, name: 'staff', members: 3 }],
    audit: [
      { ...common, section: 'audit', login: '', type: '', types: AUDIT_EVENT_TYPES, rows: [{ at: now, type: 'sign_in', user: 'ada', actor: '', app: 'grafana', ip: '203.0.113.9', detail: '{"method":"passkey"}' }] },
      { ...common, login: 'nobody', type: 'sign_in', types: AUDIT_EVENT_TYPES, rows: [], unknownUser: true },
    ],
    denied: [{ user: admin }],
    'passkey-required': [{ user: admin, hasPasskey: true }, { user: admin, hasPasskey: false }],
    'reverify-required': [{ back: '/admin' }],
  };
  const partials = ['nav', 'token'];

  test('every template in views/admin/ is listed here', () => {
    const templates = readdirSync(new URL('../../../../views/admin/', import.meta.url)).map((f) => f.replace('.eta', ''));
    assert.deepEqual(templates.sort(), [...Object.keys(PAGES), ...partials].sort());
  });

  for (const lang of SUPPORTED_LANGUAGES) {
    test(`${lang}: admin pages`, () => {
      const i18n = createTranslator(lang);
      for (const [template, states] of Object.entries(PAGES)) {
        for (const data of states) {
          const html = render(`admin/${template}`, { ...translationData(i18n), title: 'admin.users.title', scriptMessagesAttribute: '{}', languageLinks: [], ...data });
          assert.match(html, new RegExp(`<html lang="${lang}">`), template);
          assert.doesNotMatch(html, /\{\w+\}/, `${template}: a placeholder left`);
          assert.doesNotMatch(html, /<script>/, `${template}: no inline script`);
          if (template !== 'denied' && template !== 'passkey-required' && template !== 'reverify-required') {
            assert.match(html, /<main class="card wide admin">/, template);
          }
        }
      }
    });
  }
});
