import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

/** A named set of people; its name goes into the `groups` claim. */
export interface Group {
  id: string;
  /** Lower-case, as apps compare it (Grafana roles, Nextcloud groups). */
  name: string;
  createdAt: Date;
}

export interface GroupMember {
  groupId: string;
  userId: string;
  addedAt: Date;
}

export function groupSchema(types: DialectTypes): EntitySchema<Group> {
  return new EntitySchema<Group>({
    name: 'Group',
    tableName: 'groups',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      name: { type: 'varchar', length: 64, unique: true },
      createdAt: { name: 'created_at', type: types.timestamp },
    },
  });
}

export function groupMemberSchema(types: DialectTypes): EntitySchema<GroupMember> {
  return new EntitySchema<GroupMember>({
    name: 'GroupMember',
    tableName: 'group_members',
    columns: {
      groupId: { name: 'group_id', type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: 36, primary: true },
      addedAt: { name: 'added_at', type: types.timestamp },
    },
  });
}
