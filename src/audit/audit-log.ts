import type { AuditEvent } from '../db/entities/audit-event.ts';
import type { Logger } from '../lib/logger.ts';
import type { AuditEventsRepository } from '../repositories/audit-events.ts';
import type { AuditEventType } from './events.ts';

/** What a caller knows about an event; the log adds the id and the time. */
export interface AuditRecord {
  type: AuditEventType;
  userId?: string | null;
  actor?: string;
  clientId?: string;
  ip?: string;
  userAgent?: string;
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditConfig {
  /** Days an event is kept; older ones are deleted by `purge`. */
  retentionDays: number;
}

/**
 * The audit trail, in the database. Recording never fails the action it records: a person's
 * sign-in must not become an error because the trail could not be written (the failure is logged).
 */
export function createAuditLog(deps: { events: AuditEventsRepository; config: AuditConfig; logger: Logger }) {
  const { events, config, logger } = deps;

  function toRow(record: AuditRecord, at: Date): AuditEvent {
    return {
      id: crypto.randomUUID(),
      at,
      type: record.type,
      userId: record.userId ?? null,
      actor: record.actor?.slice(0, 128) ?? null,
      clientId: record.clientId?.slice(0, 128) ?? null,
      ip: record.ip?.slice(0, 64) ?? null,
      userAgent: record.userAgent?.slice(0, 256) ?? null,
      detail: record.detail ? JSON.stringify(record.detail) : null,
    };
  }

  return {
    async record(record: AuditRecord): Promise<void> {
      try {
        await events.insert(toRow(record, new Date()));
      } catch (error) {
        logger.error({ err: error, type: record.type, userId: record.userId }, 'audit event not recorded');
      }
    },
    /** For actions that must not happen unrecorded (the admin CLI): a failure to record fails the action. */
    async recordOrThrow(record: AuditRecord): Promise<void> {
      await events.insert(toRow(record, new Date()));
    },
    /** Resolves once every event recorded so far is written or given up on: before the database closes. */
    settled: () => events.settled(),
    forUser: (userId: string, limit = 20) => events.listForUser(userId, limit),
    list: (filter: { userId?: string; type?: string; limit?: number }) => events.list({ ...filter, limit: filter.limit ?? 50 }),
    /** When the person last signed in to an app (the CLI's `users show`, the admin page). */
    lastSignIn: async (userId: string): Promise<Date | undefined> => (await events.list({ userId, type: 'sign_in', limit: 1 }))[0]?.at,
    /** Deletes events past the retention period; returns how many. */
    purge: (now = new Date()) => events.deleteOlderThan(new Date(now.getTime() - config.retentionDays * 24 * 60 * 60 * 1000)),
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;

/** An event's detail object, parsed (an unreadable one reads as empty). */
export function detailOf(event: AuditEvent): Record<string, unknown> {
  if (!event.detail) return {};
  try {
    return JSON.parse(event.detail) as Record<string, unknown>;
  } catch {
    return {};
  }
}
