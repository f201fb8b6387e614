import { LessThan, type DataSource } from 'typeorm';
import type { AuditEvent } from '../db/entities/audit-event.ts';
import { isDatabaseOutage } from '../db/errors.ts';
import { groupedInserts } from './grouped-inserts.ts';
import { guardRepository } from './guard.ts';
import { MAX_ROWS_PER_INSERT, statementsFor } from './statements.ts';

export interface AuditEventsRepository {
  /** Resolves once the event is written (events written meanwhile share an INSERT: grouped-inserts.ts). */
  insert(event: AuditEvent): Promise<void>;
  /** Resolves once every event handed in so far is written or refused. */
  settled(): Promise<void>;
  /** Newest first. */
  listForUser(userId: string, limit: number): Promise<AuditEvent[]>;
  /** Newest first; optionally of one account or one type. */
  list(filter: { userId?: string; type?: string; limit: number }): Promise<AuditEvent[]>;
  /** Deletes events older than `before`; returns how many. */
  deleteOlderThan(before: Date): Promise<number>;
}

export function createAuditEventsRepository(dataSource: DataSource): AuditEventsRepository {
  const events = dataSource.getRepository<AuditEvent>('AuditEvent');
  // Every sign-in writes one (statements.ts); under load, several go in one statement and commit.
  const inserts = groupedInserts(statementsFor<AuditEvent>(dataSource, 'AuditEvent').insert(), { maxRows: MAX_ROWS_PER_INSERT, isOutage: isDatabaseOutage });
  return guardRepository({
    insert: (event) => inserts.insert(event),
    settled: () => inserts.settled(),
    listForUser: (userId, limit) => events.find({ where: { userId }, order: { at: 'DESC', id: 'DESC' }, take: limit }),
    list: ({ userId, type, limit }) =>
      events.find({ where: { ...(userId ? { userId } : {}), ...(type ? { type } : {}) }, order: { at: 'DESC', id: 'DESC' }, take: limit }),
    async deleteOlderThan(before) {
      const result = await events.delete({ at: LessThan(before) });
      return result.affected ?? 0;
    },
  });
}
