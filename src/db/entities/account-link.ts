import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

/**
 * A single-use link an operator hands out: an invitation to sign up (optionally with the username
 * or email fixed) or a recovery link that lets a person who lost every passkey register a new one.
 */
export interface AccountLink {
  id: string;
  kind: 'invite' | 'recovery';
  /** SHA-256 (hex) of the secret in the link. */
  secretHash: string;
  /** Recovery: whose account. */
  userId: string | null;
  /** Invitation: fixed username / email, if the operator set them. */
  username: string | null;
  email: string | null;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date;
  usedAt: Date | null;
}

export function accountLinkSchema(types: DialectTypes): EntitySchema<AccountLink> {
  return new EntitySchema<AccountLink>({
    name: 'AccountLink',
    tableName: 'account_links',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      kind: { type: 'varchar', length: 16 },
      secretHash: { name: 'secret_hash', type: 'varchar', length: 64, unique: true },
      userId: { name: 'user_id', type: 'varchar', length: 36, nullable: true },
      username: { type: 'varchar', length: 64, nullable: true },
      email: { type: 'varchar', length: 320, nullable: true },
      createdBy: { name: 'created_by', type: 'varchar', length: 128 },
      createdAt: { name: 'created_at', type: types.timestamp },
      expiresAt: { name: 'expires_at', type: types.timestamp },
      usedAt: { name: 'used_at', type: types.timestamp, nullable: true },
    },
  });
}
