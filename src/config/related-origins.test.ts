import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors.ts';
import { loadConfig } from './env.ts';
import { registrableLabel } from './related-origins.ts';

const ISSUER = 'https://id.example.com';

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.lines;
  }
  assert.fail('expected the configuration to be refused');
}

describe('WEBAUTHN_RELATED_ORIGINS', () => {
  test('unset or empty: no related origins', () => {
    assert.deepEqual(loadConfig({ ISSUER }).relatedOrigins, []);
    assert.deepEqual(loadConfig({ ISSUER, WEBAUTHN_RELATED_ORIGINS: '' }).relatedOrigins, []);
  });

  test('origins are kept as browsers write them: lower-case host, default port and trailing slash dropped', () => {
    const config = loadConfig({
      ISSUER,
      WEBAUTHN_RELATED_ORIGINS: ' https://Login.Example.org/ , https://id.example.net:443,https://shop.example.co.uk:8443,http://localhost:4000',
    });
    assert.deepEqual(config.relatedOrigins, ['https://login.example.org', 'https://id.example.net', 'https://shop.example.co.uk:8443', 'http://localhost:4000']);
    assert.equal(config.origin, ISSUER, 'ISSUER stays the origin and RP ID');
    assert.equal(config.rpId, 'id.example.com');
  });

  test('up to 5 site names, ISSUER\'s included; subdomains and other suffixes of one name count once', () => {
    const five = ['https://a.other1.org', 'https://b.other1.org', 'https://other2.net', 'https://www.other3.com.au', 'https://other4.de', 'https://example.org', 'https://login.example.co.uk'];
    assert.equal(loadConfig({ ISSUER, WEBAUTHN_RELATED_ORIGINS: five.join(',') }).relatedOrigins.length, 7);
  });

  const wrong: Array<[string, string, RegExp]> = [
    ['not a URL', 'login.example.org', /^WEBAUTHN_RELATED_ORIGINS: "login\.example\.org" is not an origin; use e\.g\. https:\/\/login\.example\.org/],
    ['http on a public host', 'https://a.example.org,http://login.example.org', /^WEBAUTHN_RELATED_ORIGINS: "http:\/\/login\.example\.org" must use https .* only localhost may use http$/],
    ['another scheme', 'ftp://login.example.org', /^WEBAUTHN_RELATED_ORIGINS: "ftp:\/\/login\.example\.org" must use https/],
    ['a path', 'https://login.example.org/sign-in', /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/login\.example\.org\/sign-in" has a path; .* e\.g\. https:\/\/login\.example\.org$/],
    ['a query', 'https://login.example.org?x=1', /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/login\.example\.org\?x=1" has a query or fragment/],
    ['an empty query', 'https://login.example.org/?', /^WEBAUTHN_RELATED_ORIGINS: .* has a query or fragment/],
    ['a fragment', 'https://login.example.org#top', /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/login\.example\.org#top" has a query or fragment/],
    ['credentials', 'https://user:pass@login.example.org', /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/user:pass@login\.example\.org" contains credentials/],
    ['an empty user', 'https://@login.example.org', /^WEBAUTHN_RELATED_ORIGINS: .* contains credentials/],
    ['an IP address', 'https://192.0.2.10', /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/192\.0\.2\.10" uses an IP address/],
    ['an IPv6 address', 'https://[2001:db8::1]', /^WEBAUTHN_RELATED_ORIGINS: .* uses an IP address/],
    ['an empty entry', 'https://login.example.org,,https://id.example.net', /^WEBAUTHN_RELATED_ORIGINS: has an empty entry in its list/],
    ['a trailing comma', 'https://login.example.org,', /^WEBAUTHN_RELATED_ORIGINS: has an empty entry in its list/],
    ['a duplicate', 'https://login.example.org,https://LOGIN.example.org:443/', /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/LOGIN\.example\.org:443\/" is listed twice/],
    ['ISSUER\'s own origin', 'https://login.example.org,https://id.example.com/', /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/id\.example\.com\/" is ISSUER's origin/],
    [
      'a sixth site name',
      'https://one.org,https://two.org,https://three.org,https://four.org,https://www.four.org,https://five.org',
      /^WEBAUTHN_RELATED_ORIGINS: "https:\/\/five\.org" is under a 6th site name \("five" after "example", "one", "two", "three", "four", counting ISSUER's\); browsers accept related origins under at most 5/,
    ],
  ];
  for (const [name, value, expected] of wrong) {
    test(`refused with one line naming the entry: ${name}`, () => {
      const lines = problems({ ISSUER, WEBAUTHN_RELATED_ORIGINS: value });
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0] ?? '', expected);
    });
  }

  test('checked even when ISSUER is wrong too: one line for each', () => {
    const lines = problems({ ISSUER: 'http://id.example.com', WEBAUTHN_RELATED_ORIGINS: 'https://login.example.org/x' });
    assert.equal(lines.length, 2, lines.join('\n'));
    assert.match(lines[0] ?? '', /^ISSUER: /);
    assert.match(lines[1] ?? '', /^WEBAUTHN_RELATED_ORIGINS: .* has a path/);
  });

  test('a localhost ISSUER counts no site name (browsers do not count localhost)', () => {
    const config = loadConfig({ ISSUER: 'http://localhost:3000', WEBAUTHN_RELATED_ORIGINS: 'https://a.org,https://b.org,https://c.org,https://d.org,https://e.org,http://localhost:4000' });
    assert.equal(config.relatedOrigins.length, 6);
  });
});

describe('registrableLabel', () => {
  const cases: Array<[string, string | undefined]> = [
    ['id.example.com', 'example'],
    ['example.com', 'example'],
    ['login.example.co.uk', 'example'],
    ['example.com.au', 'example'],
    ['a.b.example.org', 'example'],
    ['localhost', undefined],
    ['127.0.0.1', undefined],
    ['[::1]', undefined],
    ['intranet', undefined],
  ];
  for (const [host, label] of cases) {
    test(`${host} → ${String(label)}`, () => assert.equal(registrableLabel(host), label));
  }
});
