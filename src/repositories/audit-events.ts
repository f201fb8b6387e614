import { LessThan, type DataSource } from 'typeorm';
import type { AuditEvent } from '../db/entities/audit-event.ts';
import { guardRepository } from './guard.ts';
import { statementsFor } from './statements.ts';

export interface AuditEventsRepository {
  insert(event: AuditEvent): Promise<void>;
  /** Newest first. */
  listForUser(userId: string, limit: number): Promise<AuditEvent[]>;
  /** Newest first; optionally of one account or one type. */
  list(filter: { userId?: string; type?: string; limit: number }): Promise<AuditEvent[]>;
  /** Deletes events older than `before`; returns how many. */
  deleteOlderThan(before: Date): Promise<number>;
}

export function createAuditEventsRepository(dataSource: DataSource): AuditEventsRepository {
  const events = dataSource.getRepository<AuditEvent>('AuditEvent');
  // Every sign-in writes one (statements.ts).
  const insertRow = statementsFor<AuditEvent>(dataSource, 'AuditEvent').insert();
  return guardRepository({
    insert: (event) => insertRow(event),
    listForUser: (userId, limit) => events.find({ where: { userId }, order: { at: 'DESC', id: 'DESC' }, take: limit }),
    list: ({ userId, type, limit }) =>
      events.find({ where: { ...(userId ? { userId } : {}), ...(type ? { type } : {}) }, order: { at: 'DESC', id: 'DESC' }, take: limit }),
    async deleteOlderThan(before) {
      const result = await events.delete({ at: LessThan(before) });
      return result.affected ?? 0;
    },
  });
}
