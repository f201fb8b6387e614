import type { ServiceCommand } from '../command.ts';
import { table } from '../output.ts';

export const groupCommands: ServiceCommand[] = [
  {
    words: ['groups', 'list'],
    usage: '',
    summary: 'groups and how many members each has',
    async run(context) {
      const groups = await context.groups.list();
      const text = groups.length === 0 ? 'No groups.' : table(['group', 'members'], groups.map((g) => [g.name, String(g.members)]));
      return { text, json: groups.map((g) => ({ id: g.id, name: g.name, members: g.members })) };
    },
  },
  {
    words: ['groups', 'create'],
    usage: '<name>',
    summary: 'a new group (lower-case letters, digits, . _ -); its name is what apps see in the groups claim',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [name = ''] }) {
      const group = await context.groups.create(name);
      await context.audit.recordOrThrow({ type: 'admin.group_created', actor: context.actor, detail: { group: group.name } });
      return { text: `Created group ${group.name}.`, json: { id: group.id, name: group.name } };
    },
  },
  {
    words: ['groups', 'delete'],
    usage: '<name>',
    summary: 'deletes a group (its members stay, without it)',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [name = ''] }) {
      const group = await context.groups.delete(name);
      await context.audit.recordOrThrow({ type: 'admin.group_deleted', actor: context.actor, detail: { group: group.name } });
      return { text: `Deleted group ${group.name}.`, json: { id: group.id, name: group.name, deleted: true } };
    },
  },
  {
    words: ['groups', 'members'],
    usage: '<name>',
    summary: 'who is in a group',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [name = ''] }) {
      const ids = await context.groups.memberIds(name);
      const users = await Promise.all(ids.map((id) => context.accounts.resolve(id)));
      users.sort((a, b) => a.username.localeCompare(b.username));
      return {
        text: users.length === 0 ? `No members in ${name}.` : users.map((u) => `${u.username} <${u.email}>`).join('\n'),
        json: users.map((u) => ({ id: u.id, username: u.username, email: u.email })),
      };
    },
  },
  {
    words: ['groups', 'add'],
    usage: '<group> <username|email|id>',
    summary: 'adds a person to a group (their next token carries it)',
    arguments: { min: 2, max: 2 },
    async run(context, { positionals: [name = '', login = ''] }) {
      const user = await context.accounts.resolve(login);
      const { group, added } = await context.groups.addMember(name, user.id);
      if (added) await context.audit.recordOrThrow({ type: 'admin.group_member_added', userId: user.id, actor: context.actor, detail: { group: group.name } });
      return { text: added ? `Added ${user.username} to ${group.name}.` : `${user.username} already is in ${group.name}.`, json: { group: group.name, userId: user.id, added } };
    },
  },
  {
    words: ['groups', 'remove'],
    usage: '<group> <username|email|id>',
    summary: 'removes a person from a group',
    arguments: { min: 2, max: 2 },
    async run(context, { positionals: [name = '', login = ''] }) {
      const user = await context.accounts.resolve(login);
      const { group, removed } = await context.groups.removeMember(name, user.id);
      if (removed) await context.audit.recordOrThrow({ type: 'admin.group_member_removed', userId: user.id, actor: context.actor, detail: { group: group.name } });
      return { text: removed ? `Removed ${user.username} from ${group.name}.` : `${user.username} was not in ${group.name}.`, json: { group: group.name, userId: user.id, removed } };
    },
  },
];
