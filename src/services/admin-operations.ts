import type { AuditLog, AuditRecord } from '../audit/audit-log.ts';
import type { AppConfig } from '../config/env.ts';
import { AppError } from '../errors.ts';
import type { AccountAdmin } from './account-admin.ts';
import type { AccountLinksService } from './account-links.ts';
import { emailSchema, usernameSchema } from './accounts.ts';
import type { GroupsService } from './groups.ts';
import type { UserAttributesService } from './user-attributes.ts';

/** The group whose members may use the admin page. */
export const ADMINS_GROUP = 'admins';

/**
 * Who makes a change, as the audit trail records it: `admin:<OS user>` (the CLI) or
 * `admin-page:<username>` (the admin page, with the request's address and browser).
 */
export interface AdminActor {
  name: string;
  ip?: string;
  userAgent?: string;
}

export interface AdminOperationsDeps {
  accounts: AccountAdmin;
  groups: GroupsService;
  links: AccountLinksService;
  attributes: Pick<UserAttributesService, 'set' | 'unset'>;
  audit: Pick<AuditLog, 'recordOrThrow'>;
  config: Pick<AppConfig, 'signup'>;
}

/**
 * Every change an operator makes, for the admin CLI and the admin page alike: the rule, the
 * change and its audit event, in one place. An event that cannot be written fails the change's
 * caller (the change itself is done: the caller says so rather than pretending it was not).
 */
export function createAdminOperations(deps: AdminOperationsDeps) {
  const { accounts, groups, links, attributes, audit, config } = deps;

  const record = (by: AdminActor, event: Omit<AuditRecord, 'actor' | 'ip' | 'userAgent'>) =>
    audit.recordOrThrow({ ...event, actor: by.name, ip: by.ip, userAgent: by.userAgent });

  /** An optional username or email fixed in an invitation: well-formed and not taken. */
  async function invitable(value: string | undefined, kind: 'username' | 'email'): Promise<string | undefined> {
    const text = value?.trim();
    if (!text) return undefined;
    const parsed = (kind === 'username' ? usernameSchema : emailSchema).safeParse(text);
    if (!parsed.success) {
      throw new AppError('invalid_request', {
        status: 400,
        description: kind === 'username' ? `"${text}" is not a username: 3-32 letters, digits, dots, dashes or underscores` : `"${text}" is not an email address`,
        messageKey: kind === 'username' ? 'admin.error.username' : 'admin.error.email',
        messageVars: { value: text },
      });
    }
    if (await accounts.exists(parsed.data)) {
      throw new AppError('conflict', { status: 409, description: `"${parsed.data}" is already used by an account`, messageKey: 'admin.error.taken', messageVars: { value: parsed.data } });
    }
    return parsed.data;
  }

  return {
    async createUser(by: AdminActor, input: Parameters<AccountAdmin['create']>[0]) {
      const user = await accounts.create(input);
      await record(by, { type: 'admin.user_created', userId: user.id, detail: { username: user.username } });
      return user;
    },

    /** Signs the person out everywhere and ends their apps' tokens. */
    async disableUser(by: AdminActor, login: string) {
      const result = await accounts.disable(login);
      await record(by, { type: 'admin.user_disabled', userId: result.user.id, detail: { sessions: result.ended.sessions, grants: result.ended.grants } });
      return result;
    },

    async enableUser(by: AdminActor, login: string) {
      const result = await accounts.enable(login);
      await record(by, { type: 'admin.user_enabled', userId: result.user.id });
      return result;
    },

    async deleteUser(by: AdminActor, login: string) {
      const result = await accounts.delete(login);
      await record(by, { type: 'admin.user_deleted', userId: result.user.id, detail: { username: result.user.username, email: result.user.email } });
      return result;
    },

    /** A single-use signup link, optionally with the username or email fixed. */
    async invite(by: AdminActor, fields: { username?: string | undefined; email?: string | undefined }, ttlSeconds: number) {
      if (config.signup === 'closed') {
        throw new AppError('signup_closed', { status: 409, description: 'SIGNUP=closed: invitations cannot be used; set SIGNUP=invite (or open)', messageKey: 'admin.error.signupClosed' });
      }
      const username = await invitable(fields.username, 'username');
      const email = await invitable(fields.email, 'email');
      const { link, url } = await links.createInvite({ ...(username ? { username } : {}), ...(email ? { email } : {}), createdBy: by.name }, ttlSeconds);
      await record(by, { type: 'admin.invite_created', detail: { invite: link.id, username: username ?? null, email: email ?? null, expiresAt: link.expiresAt.toISOString() } });
      return { link, url, username: username ?? null, email: email ?? null };
    },

    /** A single-use link that signs someone who lost every passkey in to their account page. */
    async recovery(by: AdminActor, login: string, ttlSeconds: number) {
      const user = await accounts.resolve(login);
      if (user.disabledAt) {
        throw new AppError('account_disabled', {
          status: 409,
          description: `${user.username} is disabled: enable the account first (users enable ${user.username})`,
          messageKey: 'admin.error.recoveryDisabled',
          messageVars: { username: user.username },
        });
      }
      const { link, url } = await links.createRecovery({ userId: user.id, createdBy: by.name }, ttlSeconds);
      await record(by, { type: 'admin.recovery_created', userId: user.id, detail: { link: link.id, expiresAt: link.expiresAt.toISOString() } });
      return { link, url, user };
    },

    async createGroup(by: AdminActor, name: string) {
      const group = await groups.create(name);
      await record(by, { type: 'admin.group_created', detail: { group: group.name } });
      return group;
    },

    async deleteGroup(by: AdminActor, name: string) {
      const group = await groups.delete(name);
      await record(by, { type: 'admin.group_deleted', detail: { group: group.name } });
      return group;
    },

    /** `added` is false (and nothing recorded) when the person already was a member. */
    async addMember(by: AdminActor, groupName: string, login: string) {
      const user = await accounts.resolve(login);
      const { group, added } = await groups.addMember(groupName, user.id);
      if (added) await record(by, { type: 'admin.group_member_added', userId: user.id, detail: { group: group.name } });
      return { group, user, added };
    },

    async removeMember(by: AdminActor, groupName: string, login: string) {
      const user = await accounts.resolve(login);
      const { group, removed } = await groups.removeMember(groupName, user.id);
      if (removed) await record(by, { type: 'admin.group_member_removed', userId: user.id, detail: { group: group.name } });
      return { group, user, removed };
    },

    /** Adds or replaces attributes, all or none (apps see them only through a client file's claims). */
    async setAttributes(by: AdminActor, login: string, values: Record<string, string>) {
      const user = await accounts.resolve(login);
      const all = await attributes.set(user.id, values);
      // The new values, as the trail's answer to "who set this?" (shortened: up to 1024 characters each).
      const detail = Object.fromEntries(Object.entries(values).map(([key, value]) => [key, value.length > 100 ? `${value.slice(0, 97)}...` : value]));
      await record(by, { type: 'admin.user_attributes_set', userId: user.id, detail });
      return { user, attributes: all };
    },

    /** `removed` lists the attributes that were set (nothing is recorded when none was). */
    async unsetAttributes(by: AdminActor, login: string, keys: string[]) {
      const user = await accounts.resolve(login);
      const removed = await attributes.unset(user.id, keys);
      if (removed.length > 0) await record(by, { type: 'admin.user_attributes_unset', userId: user.id, detail: { attributes: removed.join(', ') } });
      return { user, removed };
    },
  };
}

export type AdminOperations = ReturnType<typeof createAdminOperations>;
