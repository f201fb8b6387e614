import type { User } from '../../db/entities/user.ts';
import { stringOption, UsageError, type ServiceCommand } from '../command.ts';
import { table, when } from '../output.ts';

const summary = (user: User) => ({
  id: user.id,
  username: user.username,
  email: user.email,
  emailVerified: user.emailVerified,
  name: user.name,
  createdAt: user.createdAt.toISOString(),
  disabledAt: user.disabledAt?.toISOString() ?? null,
});

const state = (user: User) => (user.disabledAt ? 'disabled' : 'active');

export const userCommands: ServiceCommand[] = [
  {
    words: ['users', 'list'],
    usage: '[--search TEXT] [--limit N]',
    summary: 'lists accounts, or those whose username, email or name contains TEXT',
    options: { search: { type: 'string' }, limit: { type: 'string' } },
    async run(context, { values }) {
      const limit = Number(stringOption(values, 'limit') ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
      const users = await context.accounts.search(stringOption(values, 'search'), limit);
      const text = users.length === 0
        ? 'No accounts.'
        : table(['username', 'email', 'state', 'created'], users.map((u) => [u.username, u.email, state(u), when(u.createdAt)]));
      return { text, json: users.map(summary) };
    },
  },
  {
    words: ['users', 'show'],
    usage: '<username|email|id>',
    summary: 'an account with its passkeys, groups, sessions and last sign-in',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [login = ''] }) {
      const details = await context.accounts.details(login);
      const [lastSignIn] = await context.audit.list({ userId: details.user.id, type: 'sign_in', limit: 1 });
      const { user } = details;
      const lines = [
        `${user.username} <${user.email}>${user.emailVerified ? '' : ' (address not yet proven)'}`,
        `id          ${user.id}`,
        `state       ${state(user)}${user.disabledAt ? ` since ${when(user.disabledAt)}` : ''}`,
        `created     ${when(user.createdAt)}`,
        `last sign-in ${lastSignIn ? when(lastSignIn.at) : 'never'}`,
        `groups      ${details.groups.join(', ') || 'none'}`,
        `sessions    ${details.sessions}`,
        `passkeys    ${details.passkeys.length}`,
        ...details.passkeys.map((p) => `  - ${p.name} (created ${when(p.createdAt)}, last used ${p.lastUsedAt ? when(p.lastUsedAt) : 'never'})`),
      ];
      return {
        text: lines.join('\n'),
        json: {
          ...summary(user),
          groups: details.groups,
          sessions: details.sessions,
          lastSignInAt: lastSignIn?.at.toISOString() ?? null,
          passkeys: details.passkeys.map((p) => ({ id: p.id, name: p.name, createdAt: p.createdAt.toISOString(), lastUsedAt: p.lastUsedAt?.toISOString() ?? null })),
        },
      };
    },
  },
  {
    words: ['users', 'create'],
    usage: '<username> <email> [--name NAME] [--verified]',
    summary: 'creates an account (for closed or invite-only signup); the person signs in with an emailed link and adds a passkey',
    options: { name: { type: 'string' }, verified: { type: 'boolean' } },
    arguments: { min: 2, max: 2 },
    async run(context, { positionals: [username = '', email = ''], values }) {
      const name = stringOption(values, 'name');
      const user = await context.accounts.create({ username, email, ...(name ? { name } : {}), verified: values['verified'] === true });
      await context.audit.recordOrThrow({ type: 'admin.user_created', userId: user.id, actor: context.actor, detail: { username: user.username } });
      return { text: `Created ${user.username} <${user.email}> (${user.id}).`, json: summary(user) };
    },
  },
  {
    words: ['users', 'disable'],
    usage: '<username|email|id>',
    summary: 'stops the account from signing in; its sessions and refresh tokens end at once',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [login = ''] }) {
      const { user, ended } = await context.accounts.disable(login);
      await context.audit.recordOrThrow({ type: 'admin.user_disabled', userId: user.id, actor: context.actor, detail: { sessions: ended.sessions, grants: ended.grants } });
      return {
        text: `Disabled ${user.username}: ${ended.sessions} session(s) and ${ended.grants} app grant(s) with their tokens ended.`,
        json: { ...summary(user), endedSessions: ended.sessions, endedGrants: ended.grants },
      };
    },
  },
  {
    words: ['users', 'enable'],
    usage: '<username|email|id>',
    summary: 'lets a disabled account sign in again',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [login = ''] }) {
      const { user } = await context.accounts.enable(login);
      await context.audit.recordOrThrow({ type: 'admin.user_enabled', userId: user.id, actor: context.actor });
      return { text: `Enabled ${user.username}.`, json: summary(user) };
    },
  },
  {
    words: ['users', 'delete'],
    usage: '<username|email|id> --yes',
    summary: 'deletes the account with its passkeys, group memberships, sessions and tokens',
    options: { yes: { type: 'boolean' } },
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [login = ''], values }) {
      if (values['yes'] !== true) throw new UsageError('deleting an account cannot be undone: add --yes to confirm');
      const { user, ended } = await context.accounts.delete(login);
      await context.audit.recordOrThrow({ type: 'admin.user_deleted', userId: user.id, actor: context.actor, detail: { username: user.username, email: user.email } });
      return {
        text: `Deleted ${user.username} <${user.email}>: passkeys, memberships, ${ended.sessions} session(s) and ${ended.grants} app grant(s) gone.`,
        json: { ...summary(user), deleted: true, endedSessions: ended.sessions, endedGrants: ended.grants },
      };
    },
  },
];
