import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors.ts';
import { loadConfig } from './env.ts';

function problems(env: Record<string, string>, files: Record<string, string> = {}): string[] {
  try {
    loadConfig(env, (file) => {
      const content = files[file];
      if (content === undefined) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
      return content;
    });
  } catch (error) {
    assert.ok(error instanceof ConfigError, `expected ConfigError, got ${String(error)}`);
    return error.lines;
  }
  assert.fail('expected the configuration to be refused');
}

const KEY = 'k'.repeat(32);
const SMTP = 'smtps://mailer:pass@mail.example.com:465';

describe('environment configuration', () => {
  test('defaults give a working local setup', () => {
    const config = loadConfig({});
    assert.equal(config.port, 3000);
    assert.equal(config.host, '127.0.0.1');
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.equal(config.rpId, 'localhost');
    assert.equal(config.origin, 'http://localhost:3000');
    assert.equal(config.databaseUrl, undefined);
    assert.equal(config.redisUrl, undefined);
    assert.equal(config.mailFrom, 'no-reply@localhost');
    assert.equal(config.signup, 'open');
    assert.equal(config.magicLinkTtl, 600);
    assert.equal(config.migrations, true);
    assert.deepEqual(config.trustProxy, { hops: 0 });
    assert.equal(config.production, false);
  });

  test('the default issuer follows PORT', () => {
    assert.equal(loadConfig({ PORT: '4000' }).issuer, 'http://localhost:4000');
  });

  test('ISSUER gives the WebAuthn RP ID and origin, trailing slash dropped', () => {
    const config = loadConfig({ ISSUER: 'https://id.example.com:8443/' });
    assert.equal(config.issuer, 'https://id.example.com:8443');
    assert.equal(config.rpId, 'id.example.com');
    assert.equal(config.origin, 'https://id.example.com:8443');
    assert.equal(config.mailFrom, 'no-reply@id.example.com');
  });

  const wrong: Array<[string, Record<string, string>, RegExp]> = [
    ['PORT not a number', { PORT: 'abc' }, /^PORT: "abc" is not a port number; use 1-65535$/],
    ['PORT out of range', { PORT: '70000' }, /^PORT: "70000" is out of range/],
    ['ISSUER not a URL', { ISSUER: 'id.example.com' }, /^ISSUER: "id.example.com" is not a URL/],
    ['ISSUER http on a public host', { ISSUER: 'http://id.example.com' }, /^ISSUER: .* must use https/],
    ['ISSUER with a query', { ISSUER: 'https://id.example.com/?x=1' }, /^ISSUER: .* has a query or fragment/],
    ['ISSUER with a fragment', { ISSUER: 'https://id.example.com/#x' }, /^ISSUER: .* has a query or fragment/],
    ['ISSUER with a path', { ISSUER: 'https://example.com/idp' }, /^ISSUER: .* has a path; serve the provider at the root/],
    ['ISSUER on a public IP address', { ISSUER: 'https://192.0.2.10' }, /^ISSUER: .* uses an IP address/],
    ['DATABASE_URL not postgres', { DATABASE_URL: 'mysql://db/idp' }, /^DATABASE_URL: is not a postgres:\/\/ or postgresql:\/\/ URL/],
    ['REDIS_URL not redis', { REDIS_URL: 'http://cache' }, /^REDIS_URL: is not a redis:\/\/ or rediss:\/\/ URL/],
    ['SMTP_URL not smtp', { SMTP_URL: 'http://mail' }, /^SMTP_URL: is not a smtp:\/\/ or smtps:\/\/ URL/],
    ['MAIL_FROM not an address', { MAIL_FROM: 'nobody' }, /^MAIL_FROM: "nobody" is not an email address/],
    ['SECRET_KEYS too short', { SECRET_KEYS: 'short' }, /^SECRET_KEYS: has a key shorter than 32 characters/],
    ['TRUST_PROXY not a value it knows', { TRUST_PROXY: 'maybe' }, /^TRUST_PROXY: "maybe" is not true, false, a number of proxy hops or a proxy address; use e\.g\. true .* 10\.0\.0\.0\/8,fd00::\/8/],
    ['TRUST_PROXY with a bad list entry', { TRUST_PROXY: '10.0.0.0/8,proxy.local' }, /^TRUST_PROXY: .* has "proxy\.local", which is not an IP address or CIDR range; use e\.g\./],
    ['TRUST_PROXY with a bad CIDR', { TRUST_PROXY: '10.0.0.0/33' }, /^TRUST_PROXY: "10\.0\.0\.0\/33" is not .* a proxy address; use e\.g\./],
    ['TRUST_PROXY with an empty list entry', { TRUST_PROXY: '10.0.0.1,,::1' }, /^TRUST_PROXY: .* has an empty entry in its list; use e\.g\./],
    ['TRUST_PROXY a fraction of hops', { TRUST_PROXY: '1.5' }, /^TRUST_PROXY: "1\.5" is not a number of proxy hops \(0 or more\); use e\.g\./],
    ['LOG_LEVEL unknown', { LOG_LEVEL: 'loud' }, /^LOG_LEVEL: "loud" is not a log level/],
    ['LOG_FORMAT unknown', { LOG_FORMAT: 'yaml' }, /^LOG_FORMAT: "yaml" is not a log format; use json or pretty$/],
    ['SIGNUP unknown', { SIGNUP: 'by-invitation' }, /^SIGNUP: "by-invitation" is not open, invite or closed/],
    ['AUDIT_RETENTION_DAYS zero', { AUDIT_RETENTION_DAYS: '0' }, /^AUDIT_RETENTION_DAYS: .* is shorter than a day/],
    ['APP_LANGUAGES unknown', { APP_LANGUAGES: 'en,xx' }, /^APP_LANGUAGES: .* has xx, which must be a comma-separated list of en, de, fr/],
    ['APP_NAME too long', { APP_NAME: 'x'.repeat(61) }, /^APP_NAME: .* is longer than 60 characters/],
    ['APP_LOGO_URL http', { APP_LOGO_URL: 'http://cdn/logo.png' }, /^APP_LOGO_URL: .* is not an https:\/\/ URL or a path/],
    ['APP_ACCENT not a colour', { APP_ACCENT: 'red; }' }, /^APP_ACCENT: .* is not a hex colour/],
    ['MAGIC_LINK_TTL too short', { MAGIC_LINK_TTL: '5' }, /^MAGIC_LINK_TTL: "5" is shorter than 60 seconds/],
    ['MIGRATIONS not boolean', { MIGRATIONS: 'sometimes' }, /^MIGRATIONS: "sometimes" is not a boolean/],
    ['UNSAFE_MAIL_OUTBOX not boolean', { UNSAFE_MAIL_OUTBOX: 'please' }, /^UNSAFE_MAIL_OUTBOX: "please" is not a boolean/],
  ];
  for (const [name, env, expected] of wrong) {
    test(`${name} gives one line naming it`, () => {
      const lines = problems(env);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0]!, expected);
    });
  }

  test('TRUST_PROXY: false, true (one hop), a number of hops, or proxy addresses and ranges', () => {
    const trustProxy = (value: string) => loadConfig({ TRUST_PROXY: value }).trustProxy;
    assert.deepEqual(trustProxy('false'), { hops: 0 });
    assert.deepEqual(trustProxy('0'), { hops: 0 });
    assert.deepEqual(trustProxy('true'), { hops: 1 });
    assert.deepEqual(trustProxy('TRUE'), { hops: 1 });
    assert.deepEqual(trustProxy('1'), { hops: 1 });
    assert.deepEqual(trustProxy('2'), { hops: 2 });
    assert.deepEqual(trustProxy('10.0.0.0/8, 192.168.1.10 ,fd00::/8,::1'), { proxies: ['10.0.0.0/8', '192.168.1.10', 'fd00::/8', '::1'] });
    assert.deepEqual(trustProxy('loopback,uniquelocal'), { proxies: ['loopback', 'uniquelocal'] });
  });

  test('LOG_FORMAT: readable lines in development, JSON in production, either on request', () => {
    const PROD = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', SECRET_KEYS: KEY, SMTP_URL: SMTP };
    assert.equal(loadConfig({}).logFormat, 'pretty');
    assert.equal(loadConfig(PROD).logFormat, 'json');
    assert.equal(loadConfig({ LOG_FORMAT: 'json' }).logFormat, 'json');
    assert.equal(loadConfig({ ...PROD, LOG_FORMAT: 'pretty' }).logFormat, 'pretty');
  });

  test('several wrong variables give one line each', () => {
    assert.equal(problems({ PORT: 'x', LOG_LEVEL: 'x', SIGNUP: 'x' }).length, 3);
  });

  test('secret values are never echoed in errors', () => {
    const [line] = problems({ DATABASE_URL: 'mysql://admin:hunter2@db/idp' });
    assert.doesNotMatch(line!, /hunter2/);
  });

  test('production without SECRET_KEYS refuses to start', () => {
    const lines = problems({ NODE_ENV: 'production', ISSUER: 'https://id.example.com', SMTP_URL: SMTP });
    assert.deepEqual(lines, [
      'SECRET_KEYS: required when NODE_ENV=production; set comma-separated random keys (openssl rand -base64 32)',
    ]);
  });

  test('production with SECRET_KEYS starts, keys newest first', () => {
    const config = loadConfig({ NODE_ENV: 'production', ISSUER: 'https://id.example.com', SECRET_KEYS: `${KEY}, ${'j'.repeat(40)}`, SMTP_URL: SMTP });
    assert.deepEqual(config.secretKeys, [KEY, 'j'.repeat(40)]);
    assert.equal(config.production, true);
  });

  const PRODUCTION = { NODE_ENV: 'production', ISSUER: 'https://id.example.com', SECRET_KEYS: KEY };

  test('production without SMTP_URL refuses to start: one line naming SMTP_URL, why, and the fix', () => {
    assert.deepEqual(problems(PRODUCTION), [
      'SMTP_URL: required when NODE_ENV=production: without a mail server, sign-in links and codes go to a local ' +
        'outbox and whoever reads it can sign in as anyone; set SMTP_URL=smtps://user:pass@mail.example.com:465 ' +
        '(or, to accept that risk, UNSAFE_MAIL_OUTBOX=true)',
    ]);
    assert.deepEqual(problems({ ...PRODUCTION, UNSAFE_MAIL_OUTBOX: 'false' }).length, 1);
  });

  test('production without SMTP_URL starts when the operator opts in with UNSAFE_MAIL_OUTBOX=true', () => {
    const config = loadConfig({ ...PRODUCTION, UNSAFE_MAIL_OUTBOX: 'true' });
    assert.equal(config.production, true);
    assert.equal(config.smtpUrl, undefined);
    assert.equal(config.unsafeMailOutbox, true);
  });

  test('SMTP_URL_FILE satisfies production; development needs neither', () => {
    const config = loadConfig({ ...PRODUCTION, SMTP_URL_FILE: '/run/secrets/smtp' }, () => `${SMTP}\n`);
    assert.equal(config.smtpUrl, SMTP);
    assert.equal(config.unsafeMailOutbox, false);
    assert.equal(loadConfig({}).unsafeMailOutbox, false);
  });

  test('*_FILE variants read secrets from files', () => {
    const config = loadConfig(
      { SECRET_KEYS_FILE: '/run/secrets/keys', DATABASE_URL_FILE: '/run/secrets/db' },
      (file) => ({ '/run/secrets/keys': `${KEY}\n`, '/run/secrets/db': 'postgres://u:p@db/idp\n' })[file] ?? '',
    );
    assert.deepEqual(config.secretKeys, [KEY]);
    assert.equal(config.databaseUrl, 'postgres://u:p@db/idp');
  });

  test('an unreadable *_FILE names the variable and the file', () => {
    assert.deepEqual(problems({ SMTP_URL_FILE: '/nope' }), ['SMTP_URL_FILE: cannot read /nope (ENOENT); point it at a readable file']);
  });

  test('setting both NAME and NAME_FILE is refused', () => {
    const lines = problems({ REDIS_URL: 'redis://a', REDIS_URL_FILE: '/f' }, { '/f': 'redis://b' });
    assert.deepEqual(lines, ['REDIS_URL_FILE: both REDIS_URL and REDIS_URL_FILE are set; keep only one']);
  });

  test('metrics: off by default; METRICS_PORT a port of its own, METRICS_TOKEN (or _FILE) a 32+ character secret', () => {
    const token = 'a'.repeat(64);
    assert.deepEqual([loadConfig({}).metricsPort, loadConfig({}).metricsToken], [undefined, undefined]);
    assert.equal(loadConfig({ METRICS_PORT: '9464' }).metricsPort, 9464);
    assert.equal(loadConfig({ METRICS_TOKEN_FILE: '/run/secrets/metrics' }, () => `${token}\n`).metricsToken, token);
    assert.deepEqual(problems({ METRICS_PORT: 'x' }), ['METRICS_PORT: "x" is not a port number; use 1-65535, e.g. 9464']);
    assert.deepEqual(problems({ PORT: '9464', METRICS_PORT: '9464' }), ['METRICS_PORT: "9464" is also PORT; give the metrics listener a port of its own, e.g. 9464']);
    assert.deepEqual(problems({ METRICS_TOKEN: 'short-secret' }), ['METRICS_TOKEN: is shorter than 32 characters; generate one with `openssl rand -hex 32`']);
    const [spaced] = problems({ METRICS_TOKEN: `${'b'.repeat(20)} ${'c'.repeat(20)}` });
    assert.equal(spaced, 'METRICS_TOKEN: has spaces or characters other than printable ASCII; generate one with `openssl rand -hex 32`');
  });

  test('empty variables count as unset', () => {
    assert.equal(loadConfig({ PORT: '', DATABASE_URL: '' }).port, 3000);
  });
});
