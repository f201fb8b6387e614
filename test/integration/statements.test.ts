import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { connectDatabase, createDataSource } from '../../src/db/data-source.ts';
import { DependencyUnavailableError } from '../../src/errors.ts';
import type { AuditEvent } from '../../src/db/entities/audit-event.ts';
import type { Passkey } from '../../src/db/entities/passkey.ts';
import type { User } from '../../src/db/entities/user.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createPasskeysRepository } from '../../src/repositories/passkeys.ts';
import { MAX_ROWS_PER_INSERT, statementsFor } from '../../src/repositories/statements.ts';
import { createUsersRepository } from '../../src/repositories/users.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/backends.ts';

/**
 * The sign-in's hand-written statements must give and take exactly what TypeORM's repositories do
 * (dates, booleans, JSON, the bigint counter, NULLs), on both databases.
 */
describe(`a sign-in's statements read and write what TypeORM does (${BACKEND})`, () => {
  let database: TestDatabase;
  let dataSource: DataSource;

  before(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, ...(database.schema ? { schema: database.schema } : {}) });
    await connectDatabase(dataSource, { runMigrations: true, logger: createLogger('silent') });
  });
  after(async () => {
    await dataSource?.destroy();
    await database?.cleanup();
  });

  async function someone(username: string): Promise<{ user: User; passkey: Passkey }> {
    const user = await createUsersRepository(dataSource).create({ username, email: `${username}@example.com`, emailVerified: true });
    const passkey = await createPasskeysRepository(dataSource).create({
      userId: user.id,
      credentialId: `cred-${username}`,
      publicKey: 'pQECAyYgASFYIA',
      counter: 4_000_000_000,
      transports: ['internal', 'hybrid'],
      aaguid: '00000000-0000-0000-0000-000000000000',
      deviceType: 'multiDevice',
      backedUp: true,
      name: 'Phone',
    });
    return { user, passkey };
  }

  test('an account and a passkey by key: the same objects as findOneBy, null for none', async () => {
    const { user, passkey } = await someone('ada');
    assert.deepEqual(await statementsFor<User>(dataSource, 'User').findOneBy('id')(user.id), await dataSource.getRepository<User>('User').findOneBy({ id: user.id }));
    const found = await statementsFor<Passkey>(dataSource, 'Passkey').findOneBy('credentialId')(passkey.credentialId);
    assert.deepEqual(found, await dataSource.getRepository<Passkey>('Passkey').findOneBy({ id: passkey.id }));
    assert.equal(found?.counter, 4_000_000_000);
    assert.deepEqual(found?.transports, ['internal', 'hybrid']);
    assert.equal(found?.backedUp, true);
    assert.ok(found?.createdAt instanceof Date);
    assert.equal(await statementsFor<User>(dataSource, 'User').findOneBy('id')('00000000-0000-4000-8000-000000000000'), null);
  });

  test('a passkey with its account in one statement: both as findOneBy gives them, null for none', async () => {
    const { user, passkey } = await someone('hedy');
    const withOwner = statementsFor<Passkey>(dataSource, 'Passkey').findOneWithParent<User>('credentialId', 'User', 'userId');
    const found = await withOwner(passkey.credentialId);
    assert.deepEqual(found?.row, await dataSource.getRepository<Passkey>('Passkey').findOneBy({ id: passkey.id }));
    assert.deepEqual(found?.parent, await dataSource.getRepository<User>('User').findOneBy({ id: user.id }));
    assert.notEqual(found?.row.id, found?.parent.id, 'each table its own id, though both columns are called id');
    assert.equal(await withOwner('cred-nobody'), null);
  });

  test('an update applies only while its condition holds, and says how many rows it changed', async () => {
    const { passkey } = await someone('grace');
    const recordUse = statementsFor<Passkey>(dataSource, 'Passkey').update(['counter', 'backedUp', 'lastUsedAt'], ['id', 'counter']);
    const at = new Date('2026-12-01T10:00:00.123Z');
    assert.equal(await recordUse({ counter: 4_000_000_001, backedUp: false, lastUsedAt: at }, { id: passkey.id, counter: passkey.counter }), 1);
    assert.equal(await recordUse({ counter: 4_000_000_002, backedUp: true, lastUsedAt: at }, { id: passkey.id, counter: passkey.counter }), 0, 'the counter moved on: no change');
    const stored = await dataSource.getRepository<Passkey>('Passkey').findOneBy({ id: passkey.id });
    assert.deepEqual([stored?.counter, stored?.backedUp, stored?.lastUsedAt?.toISOString()], [4_000_000_001, false, at.toISOString()]);
  });

  test('an inserted row reads back through TypeORM as it was given, NULLs included', async () => {
    const { user } = await someone('alan');
    const event: AuditEvent = { id: crypto.randomUUID(), at: new Date('2026-12-01T10:00:00.456Z'), type: 'sign_in', userId: user.id, actor: null, clientId: 'app', ip: '192.0.2.1', userAgent: null, detail: '{"method":"passkey"}' };
    await statementsFor<AuditEvent>(dataSource, 'AuditEvent').insert()([event]);
    assert.deepEqual(await dataSource.getRepository<AuditEvent>('AuditEvent').findOneBy({ id: event.id }), event);
  });

  test('several rows in one INSERT read back as given; none is nothing; more than the most is refused', async () => {
    const { user } = await someone('radia');
    const events: AuditEvent[] = Array.from({ length: 3 }, (_, i) => ({
      id: crypto.randomUUID(), at: new Date(Date.UTC(2026, 11, 1, 10, 0, i)), type: 'sign_in', userId: i === 1 ? null : user.id,
      actor: null, clientId: `app-${i}`, ip: '192.0.2.1', userAgent: i === 2 ? null : 'Browser', detail: null,
    }));
    const insert = statementsFor<AuditEvent>(dataSource, 'AuditEvent').insert();
    await insert(events);
    await insert([]);
    const repository = dataSource.getRepository<AuditEvent>('AuditEvent');
    for (const event of events) assert.deepEqual(await repository.findOneBy({ id: event.id }), event);
    const tooMany = Array.from({ length: MAX_ROWS_PER_INSERT + 1 }, () => ({ ...events[0]!, id: crypto.randomUUID() }));
    await assert.rejects(insert(tooMany), RangeError);
    assert.equal(await repository.countBy({ clientId: 'app-0' }), 1);
  });

  test('closed, the statements are a 503; opened again, they answer on the new connection', async () => {
    const { user } = await someone('barbara');
    const byId = statementsFor<User>(dataSource, 'User').findOneBy('id');
    assert.equal((await byId(user.id))?.username, 'barbara');
    await dataSource.destroy();
    try {
      await assert.rejects(byId(user.id), DependencyUnavailableError);
    } finally {
      await dataSource.initialize();
    }
    assert.equal((await byId(user.id))?.username, 'barbara');
  });

  // What a pooler in transaction mode does to named statements: the server connection a query
  // lands on lost them (here: DEALLOCATE ALL on the connection the pool hands out next, its last used).
  // PostgreSQL only (SQLite's statements have no names): registered on that backend alone.
  if (BACKEND.startsWith('postgres')) test('a statement its server connection no longer knows is sent again unnamed, and answers', async () => {
    const { user } = await someone('edsger');
    const byId = statementsFor<User>(dataSource, 'User').findOneBy('id');
    assert.equal((await byId(user.id))?.username, 'edsger');
    const pool = (dataSource.driver as unknown as { master: { query(sql: string): Promise<unknown> } }).master;
    await pool.query('DEALLOCATE ALL');
    assert.equal((await byId(user.id))?.username, 'edsger');
    assert.equal((await byId(user.id))?.username, 'edsger');
  });
});
