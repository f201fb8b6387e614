import type { Router } from '@koa/router';
import type { Context, Middleware } from 'koa';
import { z } from 'zod';
import { GROUP_NAME } from '../../../config/clients/schema.ts';
import { AppError } from '../../../errors.ts';
import type { AccountAdmin } from '../../../services/account-admin.ts';
import { ADMINS_GROUP, type AdminOperations } from '../../../services/admin-operations.ts';
import type { GroupsService } from '../../../services/groups.ts';
import { formBody, parseBody } from '../../middleware/body.ts';
import { textField } from '../../text-input.ts';
import { actorOf, adminOf } from './access.ts';
import type { AdminPages } from './page.ts';

export interface GroupRoutesDeps {
  accountAdmin: Pick<AccountAdmin, 'resolve'>;
  groups: Pick<GroupsService, 'list' | 'memberIds'>;
  operations: AdminOperations;
  pages: AdminPages;
  requireFreshPasskey: Middleware;
}

const createForm = z.object({ name: textField(128) });
const memberForm = z.object({ login: textField(320).pipe(z.string().trim().min(1, 'is empty')) });
const LABELS = { name: 'Group name', login: 'Username or email' };

/** The group in the path: a well-formed name that exists, else a 404. */
function groupName(ctx: Context): string {
  const name = String(ctx.params['name'] ?? '');
  if (!GROUP_NAME.test(name)) throw new AppError('not_found', { status: 404, messageKey: 'admin.error.noGroup', messageVars: { name: name.slice(0, 64) } });
  return name;
}

/** Groups: the list with member counts, create, delete (confirmed), add and remove members. */
export function groupRoutes(router: Router, deps: GroupRoutesDeps): void {
  const { accountAdmin, groups, operations, pages, requireFreshPasskey } = deps;
  const groupPath = (name: string) => `/admin/groups/${encodeURIComponent(name)}`;

  /** The page's own group: its admin cannot lock itself out from here (the CLI still can). */
  function keepsOwnAccess(ctx: Context, name: string, userId?: string): void {
    if (name === ADMINS_GROUP && (userId === undefined || userId === adminOf(ctx).user.id)) {
      throw new AppError('own_access', { status: 409, messageKey: 'admin.error.ownAccess' });
    }
  }

  router.get('/groups', async (ctx) => {
    await pages.page(ctx, 'groups', 'groups', { title: 'admin.groups.title', groups: await groups.list() });
  });

  router.post('/groups', formBody(), requireFreshPasskey, async (ctx) => {
    const { name } = parseBody(createForm, ctx.request.body, LABELS);
    const group = await operations.createGroup(actorOf(ctx), name);
    pages.redirectWithNotice(ctx, groupPath(group.name), { key: 'admin.notice.groupCreated', vars: { name: group.name } });
  });

  router.get('/groups/:name', async (ctx) => {
    const name = groupName(ctx);
    const ids = await groups.memberIds(name);
    const members = (await Promise.all(ids.map((id) => accountAdmin.resolve(id)))).sort((a, b) => a.username.localeCompare(b.username));
    await pages.page(ctx, 'group', 'groups', { title: 'admin.group.title', name, members, self: adminOf(ctx).user.id, protectedGroup: name === ADMINS_GROUP });
  });

  router.get('/groups/:name/delete', async (ctx) => {
    const name = groupName(ctx);
    keepsOwnAccess(ctx, name);
    const members = (await groups.memberIds(name)).length;
    await pages.page(ctx, 'delete-group', 'groups', { title: 'admin.deleteGroup.title', name, members });
  });

  router.post('/groups/:name/delete', formBody(), requireFreshPasskey, async (ctx) => {
    const name = groupName(ctx);
    keepsOwnAccess(ctx, name);
    const group = await operations.deleteGroup(actorOf(ctx), name);
    pages.redirectWithNotice(ctx, '/admin/groups', { key: 'admin.notice.groupDeleted', vars: { name: group.name } });
  });

  router.post('/groups/:name/members', formBody(), requireFreshPasskey, async (ctx) => {
    const name = groupName(ctx);
    const { login } = parseBody(memberForm, ctx.request.body, LABELS);
    const { group, user, added } = await operations.addMember(actorOf(ctx), name, login);
    pages.redirectWithNotice(ctx, groupPath(group.name), { key: added ? 'admin.notice.memberAdded' : 'admin.notice.alreadyMember', vars: { username: user.username, name: group.name } });
  });

  router.post('/groups/:name/members/:id/remove', formBody(), requireFreshPasskey, async (ctx) => {
    const name = groupName(ctx);
    const id = String(ctx.params['id'] ?? '');
    if (!z.uuid().safeParse(id).success) throw new AppError('not_found', { status: 404, messageKey: 'admin.error.noAccount', messageVars: { login: id.slice(0, 64) } });
    keepsOwnAccess(ctx, name, id);
    const { group, user, removed } = await operations.removeMember(actorOf(ctx), name, id);
    pages.redirectWithNotice(ctx, groupPath(group.name), { key: removed ? 'admin.notice.memberRemoved' : 'admin.notice.notMember', vars: { username: user.username, name: group.name } });
  });
}
