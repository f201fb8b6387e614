import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { createDataSource } from '../../src/db/data-source.ts';
import type { SigningKey } from '../../src/db/entities/signing-key.ts';
import { createUserAttributesRepository } from '../../src/repositories/user-attributes.ts';
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
    assert.deepEqual(applied.map((m) => m.name), ['InitialSchema1763769600000', 'GroupsAuditLinks1764633600000', 'SigningKeyRotation1764720000000', 'UserAttributes1764806400000']);
    const runner = dataSource.createQueryRunner();
    try {
      for (const [table, columns] of Object.entries({
        users: ['id', 'username', 'email', 'email_verified', 'name', 'created_at', 'updated_at', 'disabled_at'],
        passkeys: ['id', 'user_id', 'credential_id', 'public_key', 'counter', 'transports', 'aaguid', 'device_type', 'backed_up', 'name', 'created_at', 'last_used_at'],
        signing_keys: ['kid', 'alg', 'private_jwk', 'created_at', 'activates_at', 'retired_at'],
        groups: ['id', 'name', 'created_at'],
        group_members: ['group_id', 'user_id', 'added_at'],
        audit_events: ['id', 'at', 'type', 'user_id', 'actor', 'client_id', 'ip', 'user_agent', 'detail'],
        account_links: ['id', 'kind', 'secret_hash', 'user_id', 'username', 'email', 'created_by', 'created_at', 'expires_at', 'used_at'],
        user_attributes: ['user_id', 'name', 'value', 'updated_at'],
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

  test('user attributes: one value per key and person, replaced in place, gone with the account', async () => {
    const users = createUsersRepository(dataSource);
    const attributes = createUserAttributesRepository(dataSource);
    const user = await users.create({ username: 'attr', email: 'attr@example.com' });
    await attributes.set(user.id, { department: 'research', unraid_user: 'x'.repeat(1024) });
    await attributes.set(user.id, { department: 'ops' });
    assert.deepEqual(await attributes.list(user.id), { department: 'ops', unraid_user: 'x'.repeat(1024) });
    assert.deepEqual(await attributes.valuesOf(user.id, ['department', 'missing']), { department: 'ops' });
    assert.deepEqual(await attributes.remove(user.id, ['unraid_user', 'missing']), ['unraid_user']);
    await users.delete(user.id);
    assert.equal(await dataSource.getRepository('UserAttribute').countBy({ userId: user.id }), 0);
  });

  test('revert and re-apply round-trips', async () => {
    await dataSource.undoLastMigration();
    const runner = dataSource.createQueryRunner();
    try {
      assert.equal(await runner.hasTable('user_attributes'), false);
      assert.equal(await runner.hasColumn('signing_keys', 'activates_at'), true, 'one migration at a time');
      await dataSource.undoLastMigration();
      assert.equal(await runner.hasColumn('signing_keys', 'activates_at'), false);
      assert.equal(await runner.hasTable('audit_events'), true, 'one migration at a time');
      await dataSource.undoLastMigration();
      assert.equal(await runner.hasTable('audit_events'), false);
      assert.equal(await runner.hasTable('users'), true, 'one migration at a time');
      await dataSource.undoLastMigration();
      assert.equal(await runner.hasTable('users'), false);
    } finally {
      await runner.release();
    }
    assert.equal((await dataSource.runMigrations()).length, 4);
  });

  test('signing keys made before rotation existed have signed since they were made', async () => {
    const keys = dataSource.getRepository<SigningKey>('SigningKey');
    const created = new Date('2025-01-02T03:04:05.678Z');
    await keys.insert({ kid: 'old-key', alg: 'RS256', privateJwk: '{}', createdAt: created, activatesAt: new Date(), retiredAt: null });
    await dataSource.undoLastMigration(); // user attributes
    await dataSource.undoLastMigration(); // the key stays, without activates_at
    assert.equal((await dataSource.runMigrations()).length, 2);
    const row = await keys.findOneByOrFail({ kid: 'old-key' });
    assert.equal(row.activatesAt.toISOString(), created.toISOString());
    assert.equal(row.createdAt.toISOString(), created.toISOString());
    const runner = dataSource.createQueryRunner();
    try {
      const column = (await runner.getTable('signing_keys'))?.findColumnByName('activates_at');
      assert.equal(column?.isNullable, false, 'every key has an activation time');
    } finally {
      await runner.release();
    }
  });
});
