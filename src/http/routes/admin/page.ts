import type { Context } from 'koa';
import { z } from 'zod';
import type { MessageKey } from '../../../i18n/translator.ts';
import type { AdminReverificationStore } from '../../../stores/admin-reverification.ts';
import type { PageData, Views } from '../../views.ts';
import { adminOf } from './access.ts';

export type AdminSection = 'users' | 'groups' | 'audit';

/** What a change tells the next page, in a signed cookie (never in the URL, where a link could fake it). */
const NOTICE_COOKIE = 'idp_admin_notice';
const NOTICE_KEYS = [
  'admin.notice.disabled',
  'admin.notice.enabled',
  'admin.notice.deleted',
  'admin.notice.groupCreated',
  'admin.notice.groupDeleted',
  'admin.notice.memberAdded',
  'admin.notice.alreadyMember',
  'admin.notice.memberRemoved',
  'admin.notice.notMember',
] as const satisfies readonly MessageKey[];
export type AdminNotice = { key: (typeof NOTICE_KEYS)[number]; vars?: Record<string, string | number> };
const noticeSchema = z.object({ key: z.enum(NOTICE_KEYS), vars: z.record(z.string(), z.union([z.string().max(400), z.number()])).optional() });

function takeNotice(ctx: Context, views: Views): string | undefined {
  const value = ctx.cookies.get(NOTICE_COOKIE, { signed: true });
  if (!value) return undefined;
  ctx.cookies.set(NOTICE_COOKIE, null, { signed: true, path: '/admin' });
  try {
    const notice = noticeSchema.parse(JSON.parse(Buffer.from(value, 'base64url').toString('utf8')));
    return views.i18n(ctx).t(notice.key, notice.vars);
  } catch {
    return undefined;
  }
}

/**
 * An admin page in the shared layout: the section navigation, the notice of the last change,
 * the form token every change form carries, and the re-verification script with how long the
 * last passkey ceremony still holds (the server checks again on every change).
 */
export function createAdminPages(deps: { views: Views; reverification: AdminReverificationStore; secure: boolean; formTokenOf: (ctx: Context) => string }) {
  const { views, reverification, secure, formTokenOf } = deps;
  return {
    async page(ctx: Context, template: string, section: AdminSection, data: PageData, status = 200): Promise<void> {
      const admin = adminOf(ctx);
      views.page(ctx, `admin/${template}`, {
        wide: true,
        cardClass: 'admin',
        section,
        admin: admin.user,
        formToken: formTokenOf(ctx),
        freshFor: await reverification.secondsLeft(admin.sessionUid, admin.user.id),
        notice: status === 200 ? takeNotice(ctx, views) : undefined,
        scripts: ['/static/js/admin.js'],
        ...data,
      }, { status });
    },

    /** A 303 to an admin page, which then shows `notice` once. */
    redirectWithNotice(ctx: Context, to: string, notice: AdminNotice): void {
      const value = Buffer.from(JSON.stringify(notice)).toString('base64url');
      ctx.cookies.set(NOTICE_COOKIE, value, { signed: true, httpOnly: true, sameSite: 'strict', secure, path: '/admin', maxAge: 60_000 });
      ctx.status = 303;
      ctx.redirect(to);
    },
  };
}

export type AdminPages = ReturnType<typeof createAdminPages>;
