import { In, type DataSource } from 'typeorm';
import type { Group, GroupMember } from '../db/entities/group.ts';
import { guardRepository } from './guard.ts';

export interface GroupsRepository {
  list(): Promise<Array<Group & { members: number }>>;
  findByName(name: string): Promise<Group | null>;
  create(name: string): Promise<Group>;
  delete(id: string): Promise<boolean>;
  /** False when the person already was a member. */
  addMember(groupId: string, userId: string): Promise<boolean>;
  removeMember(groupId: string, userId: string): Promise<boolean>;
  /** The names of a person's groups, sorted: what the `groups` claim carries. */
  namesOf(userId: string): Promise<string[]>;
  memberIds(groupId: string): Promise<string[]>;
}

export function createGroupsRepository(dataSource: DataSource): GroupsRepository {
  const groups = dataSource.getRepository<Group>('Group');
  const members = dataSource.getRepository<GroupMember>('GroupMember');
  return guardRepository({
    async list() {
      const [all, counts] = await Promise.all([
        groups.find({ order: { name: 'ASC' } }),
        members.createQueryBuilder('m').select('m.groupId', 'groupId').addSelect('COUNT(*)', 'count').groupBy('m.groupId').getRawMany<{ groupId: string; count: string | number }>(),
      ]);
      const byGroup = new Map(counts.map((row) => [row.groupId, Number(row.count)]));
      return all.map((group) => ({ ...group, members: byGroup.get(group.id) ?? 0 }));
    },
    findByName: (name) => groups.findOneBy({ name }),
    async create(name) {
      const row: Group = { id: crypto.randomUUID(), name, createdAt: new Date() };
      await groups.insert(row);
      return row;
    },
    async delete(id) {
      const result = await groups.delete({ id });
      return (result.affected ?? 0) > 0;
    },
    async addMember(groupId, userId) {
      if (await members.existsBy({ groupId, userId })) return false;
      await members.insert({ groupId, userId, addedAt: new Date() });
      return true;
    },
    async removeMember(groupId, userId) {
      const result = await members.delete({ groupId, userId });
      return (result.affected ?? 0) > 0;
    },
    async namesOf(userId) {
      const ids = (await members.findBy({ userId })).map((m) => m.groupId);
      if (ids.length === 0) return [];
      return (await groups.find({ where: { id: In(ids) }, order: { name: 'ASC' } })).map((g) => g.name);
    },
    memberIds: async (groupId) => (await members.findBy({ groupId })).map((m) => m.userId),
  });
}
