import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

export interface Passkey {
  id: string;
  userId: string;
  /** base64url credential id, unique across all users. */
  credentialId: string;
  /** base64url COSE public key. */
  publicKey: string;
  counter: number;
  transports: string[];
  aaguid: string;
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** WebAuthn signature counters are unsigned 32-bit, beyond a signed 32-bit column. */
const bigintAsNumber = {
  to: (value: number) => value,
  from: (value: string | number | null) => (value === null ? 0 : Number(value)),
};

export function passkeySchema(types: DialectTypes): EntitySchema<Passkey> {
  return new EntitySchema<Passkey>({
    name: 'Passkey',
    tableName: 'passkeys',
    columns: {
      id: { type: 'varchar', length: 36, primary: true },
      userId: { name: 'user_id', type: 'varchar', length: 36 },
      credentialId: { name: 'credential_id', type: 'varchar', length: 1400, unique: true },
      publicKey: { name: 'public_key', type: 'text' },
      counter: { type: 'bigint', transformer: bigintAsNumber },
      transports: { type: 'simple-json' },
      aaguid: { type: 'varchar', length: 36 },
      deviceType: { name: 'device_type', type: 'varchar', length: 16 },
      backedUp: { name: 'backed_up', type: 'boolean' },
      name: { type: 'varchar', length: 64 },
      createdAt: { name: 'created_at', type: types.timestamp },
      lastUsedAt: { name: 'last_used_at', type: types.timestamp, nullable: true },
    },
    indices: [{ name: 'IDX_passkeys_user_id', columns: ['userId'] }],
  });
}
