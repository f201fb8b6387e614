import { GROUP_NAME } from '../config/clients/schema.ts';
import { AppError } from '../errors.ts';
import type { GroupsRepository } from '../repositories/groups.ts';

/**
 * Named groups of people. Names are what apps see in the `groups` claim and what client files
 * list in `allowed_groups`, so they follow the same rule.
 */
export function createGroupsService(deps: { groups: GroupsRepository }) {
  const { groups } = deps;

  async function existing(name: string) {
    const group = await groups.findByName(name.trim().toLowerCase());
    if (!group) throw new AppError('not_found', { status: 404, description: `There is no group "${name}".`, messageKey: 'admin.error.noGroup', messageVars: { name } });
    return group;
  }

  return {
    list: () => groups.list(),
    namesOf: (userId: string) => groups.namesOf(userId),
    memberIds: async (name: string) => groups.memberIds((await existing(name)).id),

    async create(name: string) {
      const normalized = name.trim().toLowerCase();
      if (!GROUP_NAME.test(normalized)) {
        throw new AppError('invalid_request', { status: 400, description: `"${name}" is not a group name: use 1-64 lower-case letters, digits, dots, dashes and underscores, starting with a letter or digit.`, messageKey: 'admin.error.groupName', messageVars: { name } });
      }
      if (await groups.findByName(normalized)) throw new AppError('conflict', { status: 409, description: `The group "${normalized}" already exists.`, messageKey: 'admin.error.groupExists', messageVars: { name: normalized } });
      return groups.create(normalized);
    },

    async delete(name: string) {
      const group = await existing(name);
      await groups.delete(group.id);
      return group;
    },

    /** False when the person already was a member. */
    async addMember(name: string, userId: string) {
      const group = await existing(name);
      return { group, added: await groups.addMember(group.id, userId) };
    },

    async removeMember(name: string, userId: string) {
      const group = await existing(name);
      return { group, removed: await groups.removeMember(group.id, userId) };
    },
  };
}

export type GroupsService = ReturnType<typeof createGroupsService>;
