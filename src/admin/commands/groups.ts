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
      const group = await context.operations.createGroup(context.by, name);
      return { text: `Created group ${group.name}.`, json: { id: group.id, name: group.name } };
    },
  },
  {
    words: ['groups', 'delete'],
    usage: '<name>',
    summary: 'deletes a group (its members stay, without it)',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [name = ''] }) {
      const group = await context.operations.deleteGroup(context.by, name);
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
      const { group, user, added } = await context.operations.addMember(context.by, name, login);
      return { text: added ? `Added ${user.username} to ${group.name}.` : `${user.username} already is in ${group.name}.`, json: { group: group.name, userId: user.id, added } };
    },
  },
  {
    words: ['groups', 'remove'],
    usage: '<group> <username|email|id>',
    summary: 'removes a person from a group',
    arguments: { min: 2, max: 2 },
    async run(context, { positionals: [name = '', login = ''] }) {
      const { group, user, removed } = await context.operations.removeMember(context.by, name, login);
      return { text: removed ? `Removed ${user.username} from ${group.name}.` : `${user.username} was not in ${group.name}.`, json: { group: group.name, userId: user.id, removed } };
    },
  },
];
