import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { compactDecrypt, createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import { In } from 'typeorm';
import { runAdmin } from '../../src/admin/run.ts';
import type { SigningKey } from '../../src/db/entities/signing-key.ts';
import { LONGEST_TOKEN_LIFETIME_SECONDS } from '../../src/oidc/configuration.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND, createTestDatabase, uniqueName, type TestDatabase } from '../helpers/backends.ts';
import { postAsClient } from '../helpers/client-endpoints.ts';
import { authorize, followToCallback, HttpBrowser, newAuthenticator, redeemCode, registerPasskey, signUp } from '../helpers/http-flow.ts';
import { backendEnv, removeTempDirs, startMain, tempDir } from '../helpers/process.ts';
import { freePort } from '../helpers/ports.ts';

after(removeTempDirs);

async function jwks(app: TestApp): Promise<JWK[]> {
  const response = await fetch(`${app.url}/jwks`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { keys: JWK[] }).keys;
}

const kidOf = (jwt: string) => decodeProtectedHeader(jwt).kid;

/** The kids an app publishes. */
const publishedBy = async (app: TestApp) => (await jwks(app)).map((key) => key.kid);

/** Verifies `jwt` against the JWKS `app` publishes now (throws when its key is not there). */
async function verifiesAt(app: TestApp, jwt: string): Promise<void> {
  await jwtVerify(jwt, createLocalJWKSet({ keys: await jwks(app) }));
}

/** A person signs up through `app` with the first-party client and gets a refresh token. */
async function refreshTokenFrom(app: TestApp, username: string): Promise<{ refreshToken: string; idToken: string }> {
  const browser = new HttpBrowser(app.url);
  const request = await authorize(browser, { scope: 'openid offline_access' });
  await signUp(browser, request.uid, username, `${username}@example.com`);
  const callback = await followToCallback(browser, await registerPasskey(browser, request.uid, newAuthenticator(app.url)));
  const { tokens } = await redeemCode(app.url, callback, request);
  assert.ok(tokens.refresh_token && tokens.id_token);
  return { refreshToken: tokens.refresh_token, idToken: tokens.id_token };
}

/** A fresh ID token from `app` (refresh_token grant, as the test-confidential app): signed with its key of the moment. */
async function idTokenFrom(app: TestApp, refreshToken: string): Promise<string> {
  const answer = await postAsClient(app.url, 'token', 'test-confidential', { grant_type: 'refresh_token', refresh_token: refreshToken });
  assert.equal(answer.status, 200, JSON.stringify(answer.body));
  return String(answer.body['id_token']);
}

async function eventually(condition: () => Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function adminOf(app: TestApp, env: Record<string, string> = {}) {
  return (...argv: string[]) => runAdmin(argv, env, { config: app.config, databaseSchema: app.database.schema, storePrefix: app.storePrefix });
}

describe(`signing key rotation (${BACKEND})`, () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.cleanup());

  test('two instances: new keys are published by both before either signs with them, then both sign with them; the old ones stay published for the grace', { timeout: 60_000 }, async () => {
    const storePrefix = `${uniqueName('rotation')}:`;
    const a = await startTestApp({ database, storePrefix });
    const b = await startTestApp({ database, storePrefix });
    try {
      const { refreshToken, idToken: before } = await refreshTokenFrom(a, 'rota');
      const oldKid = kidOf(before);
      assert.ok(oldKid);
      const unchanged = await a.container.signingKeys.refresh();
      assert.equal(unchanged, false, 'nothing changed: no reload');

      // A sign-in that starts on the instance of before the rotation and ends after it.
      const browser = new HttpBrowser(b.url);
      const pendingSignIn = await authorize(browser, { scope: 'openid offline_access' });

      const rotated = await adminOf(a)('keys', 'rotate', '--overlap', '4s', '--json');
      assert.equal(rotated.code, 0, rotated.err);
      const rotation = JSON.parse(rotated.out) as { activatesAt: string; added: Array<{ alg: string; kid: string }>; retiring: Array<{ alg: string; kid: string }> };
      const newKid = rotation.added.find((key) => key.alg === 'RS256')?.kid;
      assert.ok(newKid && newKid !== oldKid);
      assert.deepEqual(rotation.retiring.map((key) => key.alg).sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);
      assert.ok(rotation.retiring.some((key) => key.kid === oldKid));

      // Both instances read the table (as they do every minute): the new keys are published, not used.
      assert.deepEqual(await Promise.all([a, b].map((app) => app.container.signingKeys.refresh())), [true, true]);
      for (const app of [a, b]) {
        const kids = await publishedBy(app);
        for (const key of [...rotation.added, ...rotation.retiring]) assert.ok(kids.includes(key.kid), `${key.alg} ${key.kid} published`);
        const during = await idTokenFrom(app, refreshToken);
        assert.equal(kidOf(during), oldKid, 'a pending key never signs');
        await verifiesAt(app, during);
        await verifiesAt(app, before);
      }
      assert.deepEqual(await publishedBy(a), await publishedBy(b));
      await signUp(browser, pendingSignIn.uid, 'midway', 'midway@example.com');

      // At activation, both switch by themselves (a timer at the activation time, not the minute).
      assert.ok(Date.now() < Date.parse(rotation.activatesAt), 'still within the overlap');
      for (const app of [a, b]) {
        await eventually(async () => kidOf(await idTokenFrom(app, refreshToken)) === newKid, 10_000, 'the new key signs');
        const after = await idTokenFrom(app, refreshToken);
        await verifiesAt(app, after);
        await verifiesAt(app, before);
        assert.ok((await publishedBy(app)).includes(oldKid), 'the old key stays published');
      }
      assert.ok(Date.now() >= Date.parse(rotation.activatesAt), 'not before the activation time');
      const callback = await followToCallback(browser, await registerPasskey(browser, pendingSignIn.uid, newAuthenticator(b.url)));
      const finished = await redeemCode(b.url, callback, pendingSignIn);
      assert.equal(kidOf(finished.tokens.id_token ?? ''), newKid, 'the sign-in begun before the reload finished after it');

      const listed = await adminOf(a)('keys', 'list', '--json');
      const states = JSON.parse(listed.out) as Array<{ kid: string; state: string }>;
      assert.equal(states.find((key) => key.kid === oldKid)?.state, 'retired');
      assert.equal(states.find((key) => key.kid === newKid)?.state, 'active');

      // The grace: the old keys leave the JWKS the longest token lifetime after they retired.
      // Their retirement is moved back, so that moment comes in 2 s.
      const retiring = rotation.retiring.map((key) => key.kid);
      await a.container.dataSource.getRepository<SigningKey>('SigningKey').update(
        { kid: In(retiring) },
        { retiredAt: new Date(Date.now() - LONGEST_TOKEN_LIFETIME_SECONDS * 1000 + 2_000) },
      );
      await Promise.all([a, b].map((app) => app.container.signingKeys.refresh()));
      assert.ok((await publishedBy(a)).includes(oldKid), 'published until the grace ends');
      for (const app of [a, b]) {
        await eventually(async () => !(await publishedBy(app)).includes(oldKid), 10_000, 'the old key leaves the JWKS');
        assert.deepEqual((await jwks(app)).map((key) => key.kid).sort(), rotation.added.map((key) => key.kid).sort());
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('keys rotate: a wrong overlap is a usage error; the rotation is in the audit trail', async () => {
    const app = await startTestApp({ database });
    try {
      const wrong = await adminOf(app)('keys', 'rotate', '--overlap', 'soon');
      assert.equal(wrong.code, 2);
      assert.match(wrong.err, /^error: --overlap "soon" is not a duration up to 30 days/);
      const rotated = await adminOf(app)('keys', 'rotate');
      assert.equal(rotated.code, 0, rotated.err);
      assert.match(rotated.out, /^New signing keys, published now, signing from \d{4}-\d\d-\d\d \d\d:\d\d UTC:\n/);
      assert.match(rotated.out, /stay published until .* \(the longest token lifetime, 14 days\)/);
      const audit = await adminOf(app)('audit', '--type', 'admin.keys_rotated', '--json');
      assert.equal((JSON.parse(audit.out) as unknown[]).length, 2);
    } finally {
      await app.stop();
    }
  });
});

describe(`signing keys encrypted at rest (${BACKEND})`, () => {
  const k1 = randomBytes(32).toString('base64');
  const k2 = randomBytes(32).toString('base64url');
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.cleanup());

  const rows = (app: TestApp) => app.container.dataSource.getRepository<SigningKey>('SigningKey').find();

  /** `node src/main.ts` on this database, to see how start-up ends. */
  async function mainWith(env: Record<string, string>) {
    const run = startMain({ ...backendEnv(database, { redis: false }), DATA_DIR: database.databaseUrl ? tempDir() : database.dataDir, PORT: String(await freePort()), ...env });
    const timer = setTimeout(() => run.child.kill('SIGKILL'), 30_000);
    const code = await run.exited;
    clearTimeout(timer);
    return { code, stderr: run.stderr() };
  }

  test('with KEY_ENCRYPTION_KEYS the stored keys are encrypted, and tokens verify', { timeout: 60_000 }, async () => {
    // Keys made unencrypted first: the first start with a KEK encrypts them.
    const plain = await startTestApp({ database });
    const kidsBefore = await publishedBy(plain);
    assert.ok((await rows(plain)).every((row) => row.privateJwk.includes('"d":')));
    await plain.stop();

    const app = await startTestApp({ database, env: { KEY_ENCRYPTION_KEYS: `k1:${k1}` } });
    try {
      assert.deepEqual(await publishedBy(app), kidsBefore, 'the same keys, now encrypted');
      for (const row of await rows(app)) {
        assert.ok(!row.privateJwk.includes('"d":'), `${row.kid} is not stored as plaintext`);
        const { plaintext, protectedHeader } = await compactDecrypt(row.privateJwk, Buffer.from(k1, 'base64'));
        assert.equal(protectedHeader.kid, 'k1');
        assert.equal((JSON.parse(new TextDecoder().decode(plaintext)) as JWK).kid, row.kid);
      }
      const { idToken } = await refreshTokenFrom(app, 'kek');
      await verifiesAt(app, idToken);
      // A rotation from the admin CLI with the same KEY_ENCRYPTION_KEYS stores its keys encrypted too.
      assert.equal((await adminOf(app)('keys', 'rotate', '--overlap', '1h')).code, 0);
      const sealed = await rows(app);
      assert.equal(sealed.length, 8);
      assert.ok(sealed.every((row) => !row.privateJwk.includes('"d":')));
      const listed = JSON.parse((await adminOf(app)('keys', 'list', '--json')).out) as Array<{ encryptedWith: string }>;
      assert.deepEqual([...new Set(listed.map((key) => key.encryptedWith))], ['k1']);
    } finally {
      await app.stop();
    }
  });

  test('without the key-encryption key, start-up refuses with one line (exit 1)', { timeout: 60_000 }, async () => {
    const without = await mainWith({});
    assert.equal(without.code, 1);
    assert.equal(
      without.stderr,
      'error: cannot start: the database holds signing keys encrypted with key-encryption key "k1", and KEY_ENCRYPTION_KEYS is not set; set KEY_ENCRYPTION_KEYS to that key (newer keys before it, comma-separated)\n',
    );
    const wrong = await mainWith({ KEY_ENCRYPTION_KEYS: `k1:${k2}` });
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^error: cannot start: signing key \S+ does not open with key-encryption key "k1" from KEY_ENCRYPTION_KEYS: that id names a different key there; set the key the database was encrypted with\n$/);
    await assert.rejects(startTestApp({ database, env: { KEY_ENCRYPTION_KEYS: k2 } }), /the database holds signing keys encrypted with key-encryption key "k1", and KEY_ENCRYPTION_KEYS \("[\w-]{8}"\) does not have it; add that key/);
    const admin = await runAdmin(['keys', 'rotate'], { ...backendEnv(database, { redis: false }), DATA_DIR: database.dataDir }, { databaseSchema: database.schema });
    assert.equal(admin.code, 1, 'nor does the admin CLI add keys beside ones it cannot open');
    assert.match(admin.err, /^error: the database holds signing keys encrypted with key-encryption key "k1", and KEY_ENCRYPTION_KEYS is not set/);
  });

  test('a new key-encryption key first, the old one after: start-up re-encrypts; then the old one can go', async () => {
    const rotated = await startTestApp({ database, env: { KEY_ENCRYPTION_KEYS: `k2:${k2},k1:${k1}` } });
    const kids = await publishedBy(rotated);
    try {
      assert.ok((await rows(rotated)).every((row) => JSON.parse(Buffer.from(row.privateJwk.split('.')[0] ?? '', 'base64url').toString()).kid === 'k2'));
    } finally {
      await rotated.stop();
    }
    const onlyNew = await startTestApp({ database, env: { KEY_ENCRYPTION_KEYS: `k2:${k2}` } });
    try {
      assert.deepEqual(await publishedBy(onlyNew), kids);
    } finally {
      await onlyNew.stop();
    }
  });
});
