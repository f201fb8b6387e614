import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { connectDatabase, createDataSource } from '../../src/db/data-source.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { withUserCache, type CachedUsers } from '../../src/repositories/user-cache.ts';
import { createUsersRepository, type UsersRepository } from '../../src/repositories/users.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/backends.ts';

describe(`the user cache over the real database (${BACKEND})`, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  /** Another instance, or the admin CLI: the same database through a repository of its own. */
  let elsewhere: UsersRepository;
  let clock = 0;
  let users: CachedUsers;

  before(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, ...(database.schema ? { schema: database.schema } : {}) });
    await connectDatabase(dataSource, { runMigrations: true, logger: createLogger('silent') });
    elsewhere = createUsersRepository(dataSource);
    users = withUserCache(createUsersRepository(dataSource), { ttlMs: 2_000, maxEntries: 2, now: () => clock });
  });
  after(async () => {
    await dataSource?.destroy();
    await database?.cleanup();
  });

  test('a looked-up account is reused for ttlMs, then read again', async () => {
    const ada = await elsewhere.create({ username: 'ada', email: 'ada@example.com', name: 'Ada' });
    assert.equal((await users.cached.findById(ada.id))?.name, 'Ada');
    await elsewhere.update(ada.id, { name: 'Ada Lovelace' });
    clock += 1_999;
    assert.equal((await users.cached.findById(ada.id))?.name, 'Ada', 'within the TTL the cached account serves');
    clock += 1;
    assert.equal((await users.cached.findById(ada.id))?.name, 'Ada Lovelace', 'after it, the database');
  });

  test('a change through this repository is seen at once', async () => {
    const bob = await users.cached.create({ username: 'bob', email: 'bob@example.com' });
    assert.equal((await users.cached.findById(bob.id))?.disabledAt, null);
    await users.cached.setDisabled(bob.id, new Date());
    assert.ok((await users.cached.findById(bob.id))?.disabledAt, 'disabled here: seen without waiting');
    await users.cached.update(bob.id, { name: 'Bob' });
    assert.equal((await users.cached.findById(bob.id))?.name, 'Bob');
    await users.cached.delete(bob.id);
    assert.equal(await users.cached.findById(bob.id), null);
  });

  test('fresh reads see a disable made elsewhere at once, and refresh what the cache serves', async () => {
    const cy = await elsewhere.create({ username: 'cy', email: 'cy@example.com' });
    assert.equal((await users.cached.findById(cy.id))?.disabledAt, null);
    await elsewhere.setDisabled(cy.id, new Date());
    assert.equal((await users.cached.findById(cy.id))?.disabledAt, null, 'the cache has not seen it yet');
    assert.ok((await users.fresh.findById(cy.id))?.disabledAt, 'a sign-in decision reads the database');
    assert.ok((await users.cached.findById(cy.id))?.disabledAt, 'and the cache now serves what it read');
  });

  test('an account remembered from another read serves like a fresh read, as a copy', async () => {
    const gus = await elsewhere.create({ username: 'gus', email: 'gus@example.com', name: 'Gus' });
    const read = (await elsewhere.findById(gus.id))!;
    await elsewhere.update(gus.id, { name: 'Gus 2' });
    users.remember(read);
    read.name = 'changed by the caller';
    assert.equal((await users.cached.findById(gus.id))?.name, 'Gus', 'what was remembered, not the database, within the TTL');
    clock += 2_000;
    assert.equal((await users.cached.findById(gus.id))?.name, 'Gus 2', 'after it, the database');
  });

  test('what a caller does to its copy does not change the cache; the oldest entry goes first', async () => {
    const [d, e, f] = await Promise.all(['dee', 'eve', 'fay'].map((username) => elsewhere.create({ username, email: `${username}@example.com`, name: username })));
    const copy = (await users.cached.findById(d!.id))!;
    copy.name = 'changed by a caller';
    assert.equal((await users.cached.findById(d!.id))?.name, 'dee');
    await users.cached.findById(e!.id);
    await users.cached.findById(f!.id);
    await elsewhere.update(d!.id, { name: 'dee 2' });
    assert.equal((await users.cached.findById(d!.id))?.name, 'dee 2', 'evicted when a third account came in');
  });
});
