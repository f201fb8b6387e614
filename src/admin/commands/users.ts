import type { User } from '../../db/entities/user.ts';
import { stringOption, UsageError, type ServiceCommand } from '../command.ts';
import { table, when } from '../output.ts';
import { MAX_ATTRIBUTES } from '../../services/user-attributes.ts';

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
    summary: 'an account with its passkeys, groups, attributes, sessions and last sign-in',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [login = ''] }) {
      const details = await context.accounts.details(login);
      const [lastSignIn, attributes] = await Promise.all([context.audit.lastSignIn(details.user.id), context.attributes.list(details.user.id)]);
      const { user } = details;
      const lines = [
        `${user.username} <${user.email}>${user.emailVerified ? '' : ' (address not yet proven)'}`,
        `id          ${user.id}`,
        `state       ${state(user)}${user.disabledAt ? ` since ${when(user.disabledAt)}` : ''}`,
        `created     ${when(user.createdAt)}`,
        `last sign-in ${lastSignIn ? when(lastSignIn) : 'never'}`,
        `groups      ${details.groups.join(', ') || 'none'}`,
        `sessions    ${details.sessions}`,
        `passkeys    ${details.passkeys.length}`,
        ...details.passkeys.map((p) => `  - ${p.name} (created ${when(p.createdAt)}, last used ${p.lastUsedAt ? when(p.lastUsedAt) : 'never'})`),
        `attributes  ${Object.keys(attributes).length || 'none'}`,
        ...Object.entries(attributes).map(([key, value]) => `  ${key} = ${value}`),
      ];
      return {
        text: lines.join('\n'),
        json: {
          ...summary(user),
          groups: details.groups,
          attributes,
          sessions: details.sessions,
          lastSignInAt: lastSignIn?.toISOString() ?? null,
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
      const user = await context.operations.createUser(context.by, { username, email, ...(name ? { name } : {}), verified: values['verified'] === true });
      return { text: `Created ${user.username} <${user.email}> (${user.id}).`, json: summary(user) };
    },
  },
  {
    words: ['users', 'disable'],
    usage: '<username|email|id>',
    summary: 'stops the account from signing in; its sessions and refresh tokens end at once',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [login = ''] }) {
      const { user, ended } = await context.operations.disableUser(context.by, login);
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
      const { user } = await context.operations.enableUser(context.by, login);
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
      const { user, ended } = await context.operations.deleteUser(context.by, login);
      return {
        text: `Deleted ${user.username} <${user.email}>: passkeys, memberships, ${ended.sessions} session(s) and ${ended.grants} app grant(s) gone.`,
        json: { ...summary(user), deleted: true, endedSessions: ended.sessions, endedGrants: ended.grants },
      };
    },
  },
  {
    words: ['users', 'set'],
    usage: '<username|email|id> <key>=<value> [<key>=<value> ...]',
    summary: 'sets attributes of an account (key: lower-case letters, digits, _); apps get them only where a client file maps them into a claim',
    arguments: { min: 2, max: 1 + MAX_ATTRIBUTES },
    async run(context, { positionals: [login = '', ...assignments] }) {
      const values: Record<string, string> = {};
      for (const assignment of assignments) {
        const at = assignment.indexOf('=');
        if (at <= 0) throw new UsageError(`"${assignment}" is not key=value, e.g. department=research`);
        const key = assignment.slice(0, at);
        if (Object.hasOwn(values, key)) throw new UsageError(`${key} is given twice`);
        values[key] = assignment.slice(at + 1);
      }
      const { user, attributes } = await context.operations.setAttributes(context.by, login, values);
      return {
        text: `Set ${Object.keys(values).join(', ')} for ${user.username}.`,
        json: { userId: user.id, username: user.username, attributes },
      };
    },
  },
  {
    words: ['users', 'unset'],
    usage: '<username|email|id> <key> [<key> ...]',
    summary: 'removes attributes of an account (the claims mapped from them are then left out)',
    arguments: { min: 2, max: 1 + MAX_ATTRIBUTES },
    async run(context, { positionals: [login = '', ...keys] }) {
      const { user, removed } = await context.operations.unsetAttributes(context.by, login, keys);
      const missing = keys.filter((key) => !removed.includes(key));
      const lines = [
        ...(removed.length > 0 ? [`Removed ${removed.join(', ')} from ${user.username}.`] : []),
        ...(missing.length > 0 ? [`${user.username} had no ${missing.join(', ')}.`] : []),
      ];
      return { text: lines.join('\n'), json: { userId: user.id, username: user.username, removed, notSet: missing } };
    },
  },
];
