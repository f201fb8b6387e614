import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

/** One thing that happened to an account or was done by an operator. */
export interface AuditEvent {
  id: string;
  at: Date;
  /** e.g. `sign_in`, `sign_in_failed`, `passkey_added`, `admin.user_disabled` (src/audit/events.ts). */
  type: string;
  userId: string | null;
  /** Who did it when not the person themself: `admin` (the CLI, with the OS user), `system`. */
  actor: string | null;
  clientId: string | null;
  ip: string | null;
  userAgent: string | null;
  /** JSON: what else the event needs (a passkey's name, a sign-in's method). */
  detail: string | null;
}

export function auditEventSchema(types: DialectTypes): EntitySchema<AuditEvent> {
  return new EntitySchema<AuditEvent>({
    name: 'AuditEvent',
    tableName: 'audit_events',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      at: { type: types.timestamp },
      type: { type: 'varchar', length: 64 },
      userId: { name: 'user_id', type: 'varchar', length: 36, nullable: true },
      actor: { type: 'varchar', length: 128, nullable: true },
      clientId: { name: 'client_id', type: 'varchar', length: 128, nullable: true },
      ip: { type: 'varchar', length: 64, nullable: true },
      userAgent: { name: 'user_agent', type: 'varchar', length: 256, nullable: true },
      detail: { type: 'text', nullable: true },
    },
  });
}
