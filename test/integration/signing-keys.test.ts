import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { BACKEND, REDIS_URL, createTestDatabase, uniqueName, type TestDatabase } from '../helpers/backends.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { discoverAs, oidc } from '../helpers/relying-party.ts';

async function jwks(url: string): Promise<Array<Record<string, string>>> {
  const response = await fetch(`${url}/jwks`);
  assert.equal(response.status, 200);
  return ((await response.json()) as { keys: Array<Record<string, string>> }).keys;
}

/** Starts `count` apps at once; if any fails, stops the others before rethrowing. */
async function startAll(count: number, start: () => Promise<TestApp>): Promise<TestApp[]> {
  const results = await Promise.allSettled(Array.from({ length: count }, start));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  if (failed) {
    await Promise.all(started.map((app) => app.stop()));
    throw failed.reason;
  }
  return started;
}

describe(`signing keys live in the database (${BACKEND})`, () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(() => database.cleanup());

  test('first start generates RS256, ES256, EdDSA and PS256 keys; a restart serves the same kids', async () => {
    const first = await startTestApp({ database });
    const before = await jwks(first.url);
    await first.destroy();
    assert.deepEqual(before.map((k) => k['alg']).sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);

    const second = await startTestApp({ database });
    const afterRestart = await jwks(second.url);
    await second.destroy();
    assert.deepEqual(afterRestart, before);
  });

  test('two instances on one database (and store) publish identical JWKS', async () => {
    const storePrefix = `${uniqueName('shared')}:`;
    const apps = await startAll(2, () => startTestApp({ database, storePrefix }));
    const [a, b] = apps as [TestApp, TestApp];
    try {
      assert.deepEqual(await jwks(a.url), await jwks(b.url));
      const rows = await a.container.dataSource.getRepository('SigningKey').count();
      assert.equal(rows, 4, 'starting together did not generate a second set of keys');

      if (REDIS_URL) {
        // With a shared store, a token issued by one instance is known to the other.
        const tokens = await oidc.clientCredentialsGrant(await discoverAs(a.url));
        const seenByB = await oidc.tokenIntrospection(await discoverAs(b.url), tokens.access_token);
        assert.equal(seenByB.active, true);
      }
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  test('a database whose keys predate PS256 gains one PS256 key when instances start, the other kids unchanged', async () => {
    const older = await createTestDatabase();
    const storePrefix = `${uniqueName('upgrade')}:`;
    try {
      // An older deployment: its first start made RS256, ES256 and EdDSA only.
      const first = await startTestApp({ database: older, storePrefix });
      const keys = first.container.dataSource.getRepository<{ kid: string; alg: string }>('SigningKey');
      await keys.delete({ alg: 'PS256' });
      const kidsBefore = Object.fromEntries((await keys.find()).map((key) => [key.alg, key.kid]));
      await first.stop();
      assert.deepEqual(Object.keys(kidsBefore).sort(), ['ES256', 'EdDSA', 'RS256']);

      const apps = await startAll(3, () => startTestApp({ database: older, storePrefix }));
      try {
        const rows = await apps[0]!.container.dataSource.getRepository<{ kid: string; alg: string }>('SigningKey').find();
        assert.equal(rows.length, 4, 'one PS256 key, not one per instance');
        const kidsAfter = Object.fromEntries(rows.map((key) => [key.alg, key.kid]));
        assert.deepEqual({ ...kidsAfter, PS256: undefined }, { ...kidsBefore, PS256: undefined }, 'the older keys keep their kids');
        const sets = await Promise.all(apps.map((app) => jwks(app.url)));
        for (const set of sets) assert.deepEqual(set, sets[0]);
        assert.equal(sets[0]?.find((key) => key['alg'] === 'PS256')?.['kid'], kidsAfter['PS256']);
      } finally {
        await Promise.all(apps.map((app) => app.stop()));
      }
    } finally {
      await older.cleanup();
    }
  });

  test('instances starting together on an empty database agree on one key set', async () => {
    const empty = await createTestDatabase();
    const storePrefix = `${uniqueName('race')}:`;
    try {
      const apps = await startAll(3, () => startTestApp({ database: empty, storePrefix }));
      try {
        const sets = await Promise.all(apps.map((app) => jwks(app.url)));
        for (const set of sets) assert.deepEqual(set, sets[0]);
        assert.equal(await apps[0]!.container.dataSource.getRepository('SigningKey').count(), 4);
      } finally {
        await Promise.all(apps.map((app) => app.stop()));
      }
    } finally {
      await empty.cleanup();
    }
  });
});
