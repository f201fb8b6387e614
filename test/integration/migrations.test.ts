import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source.ts';
import { createUsersRepository } from '../../src/repositories/users.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/backends.ts';

describe(`migrations (${BACKEND})`, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  before(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource(database);
    await dataSource.initialize();
  });
  after(async () => {
    await dataSource.destroy();
    await database.cleanup();
  });

  test('apply from an empty database', async () => {
    assert.equal(await dataSource.showMigrations(), true, 'pending migrations on an empty database');
    const applied = await dataSource.runMigrations();
    assert.deepEqual(applied.map((m) => m.name), ['InitialSchema1763769600000']);
    const runner = dataSource.createQueryRunner();
    try {
      for (const [table, columns] of Object.entries({
        users: ['id', 'username', 'email', 'email_verified', 'name', 'created_at', 'updated_at', 'disabled_at'],
        passkeys: ['id', 'user_id', 'credential_id', 'public_key', 'counter', 'transports', 'aaguid', 'device_type', 'backed_up', 'name', 'created_at', 'last_used_at'],
        signing_keys: ['kid', 'alg', 'private_jwk', 'created_at', 'retired_at'],
      })) {
        const found = await runner.getTable(table);
        assert.ok(found, `table ${table} exists`);
        assert.deepEqual(found.columns.map((c) => c.name).sort(), [...columns].sort(), `columns of ${table}`);
      }
    } finally {
      await runner.release();
    }
  });

  test('running them again changes nothing', async () => {
    assert.equal(await dataSource.showMigrations(), false);
    assert.deepEqual(await dataSource.runMigrations(), []);
  });

  test('the schema enforces unique usernames and emails, and cascades passkeys', async () => {
    const users = createUsersRepository(dataSource);
    const user = await users.create({ username: 'ada', email: 'ada@example.com' });
    await assert.rejects(users.create({ username: 'ada', email: 'other@example.com' }));
    await assert.rejects(users.create({ username: 'other', email: 'ada@example.com' }));
    const now = new Date();
    await dataSource.getRepository('Passkey').insert({
      id: crypto.randomUUID(), userId: user.id, credentialId: 'cred-1', publicKey: 'pk', counter: 4_000_000_000,
      transports: ['internal'], aaguid: '00000000-0000-0000-0000-000000000000', deviceType: 'multiDevice',
      backedUp: true, name: 'Laptop', createdAt: now, lastUsedAt: null,
    });
    const stored = await dataSource.getRepository('Passkey').findOneByOrFail({ credentialId: 'cred-1' });
    assert.equal(stored['counter'], 4_000_000_000, 'counters beyond 32-bit signed survive');
    assert.deepEqual(stored['transports'], ['internal']);
    await dataSource.getRepository('User').delete({ id: user.id });
    assert.equal(await dataSource.getRepository('Passkey').countBy({ userId: user.id }), 0);
  });

  test('revert and re-apply round-trips', async () => {
    await dataSource.undoLastMigration();
    const runner = dataSource.createQueryRunner();
    try {
      assert.equal(await runner.hasTable('users'), false);
    } finally {
      await runner.release();
    }
    assert.equal((await dataSource.runMigrations()).length, 1);
  });
});
