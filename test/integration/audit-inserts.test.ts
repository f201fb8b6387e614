import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { DataSource } from 'typeorm';
import { createAuditLog } from '../../src/audit/audit-log.ts';
import { connectDatabase, createDataSource } from '../../src/db/data-source.ts';
import type { AuditEvent } from '../../src/db/entities/audit-event.ts';
import { isDatabaseOutage } from '../../src/db/errors.ts';
import { DependencyUnavailableError } from '../../src/errors.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { createAuditEventsRepository } from '../../src/repositories/audit-events.ts';
import { groupedInserts } from '../../src/repositories/grouped-inserts.ts';
import { MAX_ROWS_PER_INSERT, statementsFor } from '../../src/repositories/statements.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/backends.ts';

const eventFor = (clientId: string, id: string = crypto.randomUUID()): AuditEvent => ({
  id, at: new Date(), type: 'sign_in', userId: null, actor: null, clientId, ip: '192.0.2.7', userAgent: 'Browser', detail: '{"method":"passkey"}',
});

/**
 * The audit trail's group commit (src/repositories/grouped-inserts.ts) on the real database:
 * every event is written and every caller told about its own, with fewer statements than events
 * when they come together.
 */
describe(`audit events written together (${BACKEND})`, () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const count = (clientId: string) => dataSource.getRepository<AuditEvent>('AuditEvent').countBy({ clientId });

  before(async () => {
    database = await createTestDatabase();
    dataSource = createDataSource({ databaseUrl: database.databaseUrl, dataDir: database.dataDir, ...(database.schema ? { schema: database.schema } : {}) });
    await connectDatabase(dataSource, { runMigrations: true, logger: createLogger('silent') });
  });
  after(async () => {
    if (dataSource?.isInitialized) await dataSource.destroy();
    await database?.cleanup();
  });

  /** The real statement, with the size of each INSERT it was asked for written down. */
  function countedInserts() {
    const insert = statementsFor<AuditEvent>(dataSource, 'AuditEvent').insert();
    const sizes: number[] = [];
    const grouped = groupedInserts<AuditEvent>((rows) => {
      sizes.push(rows.length);
      return insert(rows);
    }, { maxRows: MAX_ROWS_PER_INSERT, isOutage: isDatabaseOutage });
    return { grouped, sizes };
  }

  test('a lone event goes at once; 100 at once are all written, in a few statements of at most the most rows', async () => {
    const { grouped, sizes } = countedInserts();
    await grouped.insert(eventFor('lone'));
    assert.deepEqual(sizes, [1]);
    await Promise.all(Array.from({ length: 100 }, () => grouped.insert(eventFor('crowd'))));
    assert.equal(await count('crowd'), 100);
    assert.equal(sizes.slice(1).reduce((a, b) => a + b, 0), 100);
    assert.ok(sizes.length - 1 <= 6, `100 events took ${sizes.length - 1} statements: ${sizes.slice(1).join(', ')}`);
    assert.ok(sizes.every((size) => size <= MAX_ROWS_PER_INSERT));
  });

  test('a row the database refuses fails alone: the others in its group are written', async () => {
    const { grouped } = countedInserts();
    const taken = crypto.randomUUID();
    await grouped.insert(eventFor('refusal', taken));
    const outcomes = await Promise.allSettled([
      grouped.insert(eventFor('refusal')),
      grouped.insert(eventFor('refusal')),
      grouped.insert(eventFor('refusal', taken)),
      grouped.insert(eventFor('refusal')),
    ]);
    assert.deepEqual(outcomes.map((outcome) => outcome.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    assert.equal(await count('refusal'), 4);
  });

  test('recorded without waiting, every event is in before settled() resolves', async () => {
    const audit = createAuditLog({ events: createAuditEventsRepository(dataSource), config: { retentionDays: 30 }, logger: createLogger('silent') });
    for (let i = 0; i < 50; i++) void audit.record({ type: 'sign_in', clientId: 'unwaited', ip: '192.0.2.8' });
    await audit.settled();
    assert.equal(await count('unwaited'), 50);
  });

  test('the database closed: every waiting event fails as an outage, and the next ones are written once it is back', async () => {
    const events = createAuditEventsRepository(dataSource);
    await dataSource.destroy();
    try {
      const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => events.insert(eventFor('outage'))));
      for (const outcome of outcomes) {
        assert.equal(outcome.status, 'rejected');
        assert.ok((outcome as PromiseRejectedResult).reason instanceof DependencyUnavailableError);
      }
    } finally {
      await dataSource.initialize();
    }
    await Promise.all(Array.from({ length: 5 }, () => events.insert(eventFor('outage'))));
    assert.equal(await count('outage'), 5);
  });
});
