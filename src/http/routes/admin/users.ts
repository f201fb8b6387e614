import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import type { AuditLog } from '../../../audit/audit-log.ts';
import type { AppConfig } from '../../../config/env.ts';
import type { User } from '../../../db/entities/user.ts';
import { AppError } from '../../../errors.ts';
import type { AccountAdmin } from '../../../services/account-admin.ts';
import type { AdminOperations } from '../../../services/admin-operations.ts';
import { formBody, parseBody } from '../../middleware/body.ts';
import { textField } from '../../text-input.ts';
import type { Views } from '../../views.ts';
import { actorOf, adminOf } from './access.ts';
import type { AdminPages } from './page.ts';

export interface UserRoutesDeps {
  config: Pick<AppConfig, 'signup'>;
  views: Pick<Views, 'i18n'>;
  accountAdmin: Pick<AccountAdmin, 'search' | 'resolve'>;
  operations: AdminOperations;
  audit: Pick<AuditLog, 'lastSignIn'>;
  pages: AdminPages;
  requireFreshPasskey: Middleware;
}

/** The most accounts one page lists: the search narrows it down. */
const PAGE_SIZE = 50;
const HOUR = 3600;
const DAY = 24 * HOUR;
/** As the CLI's `recovery` default: short, because the link signs someone in. */
const RECOVERY_TTL_SECONDS = HOUR;
/** The invitation lifetimes the page offers; the CLI takes any from a minute to 90 days. */
export const INVITE_TTLS = { '1d': DAY, '7d': 7 * DAY, '30d': 30 * DAY } as const;

const searchQuery = z.object({ q: textField(200).optional() });
const inviteForm = z.object({
  username: textField(64).optional(),
  email: textField(320).optional(),
  expires: z.enum(Object.keys(INVITE_TTLS) as [keyof typeof INVITE_TTLS]).default('7d'),
});
const LABELS = { q: 'Search users', username: 'Username', email: 'Email', expires: 'Expiry' };

/** "1 Dec 2026, 18:40 UTC": the time a link stops working, in the page's language. */
function untilText(lang: string, date: Date): string {
  return `${new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }).format(date)} UTC`;
}

/** Users: search, the table, disable/enable, delete (confirmed), recovery links and invitations. */
export function userRoutes(router: Router, deps: UserRoutesDeps): void {
  const { config, views, accountAdmin, operations, audit, pages, requireFreshPasskey } = deps;

  /** The account in the path: an id, else (or when there is none) a 404. */
  async function userParam(ctx: Context): Promise<User> {
    const id = String(ctx.params['id'] ?? '');
    if (!z.uuid().safeParse(id).success) {
      throw new AppError('not_found', { status: 404, messageKey: 'admin.error.noAccount', messageVars: { login: id.slice(0, 64) } });
    }
    return accountAdmin.resolve(id);
  }

  /** The page must not lock its own admin out; the CLI still can. */
  function notSelf(ctx: Context, user: User): void {
    if (user.id === adminOf(ctx).user.id) throw new AppError('own_account', { status: 409, messageKey: 'admin.error.ownAccount' });
  }

  const showLink = async (ctx: Context, data: Record<string, unknown>, url: string, expiresAt: Date) => {
    // Loaded with the first recovery link, not at every start-up.
    const { default: QRCode } = await import('qrcode');
    const qr = await QRCode.toString(url, { type: 'svg', errorCorrectionLevel: 'L', margin: 2 });
    ctx.set('Cache-Control', 'no-store');
    await pages.page(ctx, 'link', 'users', { ...data, url, qr, until: untilText(views.i18n(ctx).lang, expiresAt) });
  };

  router.get('/', async (ctx) => {
    const { q } = parseBody(searchQuery, ctx.query, LABELS);
    const search = q?.trim() || undefined;
    const users = await accountAdmin.search(search, PAGE_SIZE);
    const rows = await Promise.all(users.map(async (user) => ({ user, lastSignIn: await audit.lastSignIn(user.id) })));
    await pages.page(ctx, 'users', 'users', {
      title: 'admin.users.title',
      q: search ?? '',
      rows,
      limited: users.length === PAGE_SIZE,
      signupClosed: config.signup === 'closed',
      inviteTtls: Object.keys(INVITE_TTLS),
    });
  });

  router.post('/users/:id/disable', formBody(), requireFreshPasskey, async (ctx) => {
    const user = await userParam(ctx);
    notSelf(ctx, user);
    const { ended } = await operations.disableUser(actorOf(ctx), user.id);
    pages.redirectWithNotice(ctx, '/admin', { key: 'admin.notice.disabled', vars: { username: user.username, count: ended.sessions } });
  });

  router.post('/users/:id/enable', formBody(), requireFreshPasskey, async (ctx) => {
    const user = await userParam(ctx);
    await operations.enableUser(actorOf(ctx), user.id);
    pages.redirectWithNotice(ctx, '/admin', { key: 'admin.notice.enabled', vars: { username: user.username } });
  });

  router.get('/users/:id/delete', async (ctx) => {
    const user = await userParam(ctx);
    notSelf(ctx, user);
    await pages.page(ctx, 'delete-user', 'users', { title: 'admin.deleteUser.title', user });
  });

  router.post('/users/:id/delete', formBody(), requireFreshPasskey, async (ctx) => {
    const user = await userParam(ctx);
    notSelf(ctx, user);
    await operations.deleteUser(actorOf(ctx), user.id);
    pages.redirectWithNotice(ctx, '/admin', { key: 'admin.notice.deleted', vars: { username: user.username } });
  });

  router.post('/users/:id/recovery', formBody(), requireFreshPasskey, async (ctx) => {
    const user = await userParam(ctx);
    const { link, url } = await operations.recovery(actorOf(ctx), user.id, RECOVERY_TTL_SECONDS);
    await showLink(ctx, { title: 'admin.recovery.title', kind: 'recovery', username: user.username }, url, link.expiresAt);
  });

  router.post('/invites', formBody(), requireFreshPasskey, async (ctx) => {
    const form = parseBody(inviteForm, ctx.request.body, LABELS);
    const { link, url, username, email } = await operations.invite(actorOf(ctx), { username: form.username, email: form.email }, INVITE_TTLS[form.expires]);
    await showLink(ctx, { title: 'admin.invite.title', kind: 'invite', username, email }, url, link.expiresAt);
  });
}
