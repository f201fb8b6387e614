import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

/** One attribute of a person, set by an operator; a client file can map it into a claim. */
export interface UserAttribute {
  userId: string;
  /** The key, e.g. `department` (src/config/clients/claims.ts ATTRIBUTE_KEY). */
  name: string;
  value: string;
  updatedAt: Date;
}

export function userAttributeSchema(types: DialectTypes): EntitySchema<UserAttribute> {
  return new EntitySchema<UserAttribute>({
    name: 'UserAttribute',
    tableName: 'user_attributes',
    columns: {
      userId: { name: 'user_id', type: 'varchar', length: 36, primary: true },
      name: { type: 'varchar', length: 64, primary: true },
      value: { type: 'text' },
      updatedAt: { name: 'updated_at', type: types.timestamp },
    },
  });
}
