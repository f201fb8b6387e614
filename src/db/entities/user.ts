import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

export interface User {
  /** UUID; the OIDC `sub`. Never reused. */
  id: string;
  /** Stored lower-cased, so uniqueness is case-insensitive. */
  username: string;
  /** Stored lower-cased. */
  email: string;
  emailVerified: boolean;
  name: string | null;
  createdAt: Date;
  updatedAt: Date;
  disabledAt: Date | null;
}

export function userSchema(types: DialectTypes): EntitySchema<User> {
  return new EntitySchema<User>({
    name: 'User',
    tableName: 'users',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      username: { type: 'varchar', length: 64, unique: true },
      email: { type: 'varchar', length: 320, unique: true },
      emailVerified: { name: 'email_verified', type: 'boolean', default: false },
      name: { type: 'varchar', length: 128, nullable: true },
      createdAt: { name: 'created_at', type: types.timestamp },
      updatedAt: { name: 'updated_at', type: types.timestamp },
      disabledAt: { name: 'disabled_at', type: types.timestamp, nullable: true },
    },
  });
}
