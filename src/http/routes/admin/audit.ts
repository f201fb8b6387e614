import type { Router } from '@koa/router';
import { z } from 'zod';
import type { AuditLog } from '../../../audit/audit-log.ts';
import { AUDIT_EVENT_TYPES } from '../../../audit/events.ts';
import type { User } from '../../../db/entities/user.ts';
import { AppError } from '../../../errors.ts';
import type { AccountAdmin } from '../../../services/account-admin.ts';
import { parseBody } from '../../middleware/body.ts';
import { textField } from '../../text-input.ts';
import type { AdminPages } from './page.ts';

export interface AuditRoutesDeps {
  accountAdmin: Pick<AccountAdmin, 'resolve'>;
  audit: Pick<AuditLog, 'list'>;
  pages: AdminPages;
}

/** The latest events shown; the CLI's `audit --limit` reaches further back. */
const SHOWN = 100;
const filterQuery = z.object({
  user: textField(320).optional(),
  type: z.union([z.literal(''), z.enum(AUDIT_EVENT_TYPES)]).optional(),
});
const LABELS = { user: 'User', type: 'Type' };

/** An account by id, or null when it is gone (deleted accounts keep their events). */
async function existing(accountAdmin: AuditRoutesDeps['accountAdmin'], id: string): Promise<User | null> {
  try {
    return await accountAdmin.resolve(id);
  } catch (error) {
    if (error instanceof AppError && error.code === 'not_found') return null;
    throw error;
  }
}

/** The audit trail, newest first, filtered by account and type (as `npm run admin -- audit`). */
export function auditRoutes(router: Router, deps: AuditRoutesDeps): void {
  const { accountAdmin, audit, pages } = deps;

  router.get('/audit', async (ctx) => {
    const filter = parseBody(filterQuery, ctx.query, LABELS);
    const login = filter.user?.trim() ?? '';
    const type = filter.type || undefined;
    const data = { title: 'admin.audit.title' as const, login, type: type ?? '', types: AUDIT_EVENT_TYPES };
    let userId: string | undefined;
    if (login) {
      const user = await existing(accountAdmin, login);
      if (!user) {
        await pages.page(ctx, 'audit', 'audit', { ...data, rows: [], unknownUser: true }, 404);
        return;
      }
      userId = user.id;
    }
    const events = await audit.list({ ...(userId ? { userId } : {}), ...(type ? { type } : {}), limit: SHOWN });
    const ids = [...new Set(events.flatMap((event) => (event.userId ? [event.userId] : [])))];
    const names = new Map((await Promise.all(ids.map(async (id) => [id, (await existing(accountAdmin, id))?.username] as const))));
    const rows = events.map((event) => ({
      at: event.at,
      type: event.type,
      user: event.userId ? (names.get(event.userId) ?? event.userId) : '',
      actor: event.actor ?? '',
      app: event.clientId ?? '',
      ip: event.ip ?? '',
      detail: event.detail ?? '',
    }));
    await pages.page(ctx, 'audit', 'audit', { ...data, rows });
  });
}
