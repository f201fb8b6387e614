import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256';
  /**
   * The private JWK: its JSON text, or that text encrypted with a key-encryption key (a compact
   * JWE, src/lib/key-encryption.ts) when KEY_ENCRYPTION_KEYS is set.
   */
  privateJwk: string;
  createdAt: Date;
  /** Published from creation; signs from this moment (a rotation's new key waits out the overlap). */
  activatesAt: Date;
  /** Signs until this moment, then stays published for the longest token lifetime. */
  retiredAt: Date | null;
}

export function signingKeySchema(types: DialectTypes): EntitySchema<SigningKey> {
  return new EntitySchema<SigningKey>({
    name: 'SigningKey',
    tableName: 'signing_keys',
    columns: {
      kid: { type: 'varchar', length: 64, primary: true },
      alg: { type: 'varchar', length: 16 },
      privateJwk: { name: 'private_jwk', type: 'text' },
      createdAt: { name: 'created_at', type: types.timestamp },
      activatesAt: { name: 'activates_at', type: types.timestamp },
      retiredAt: { name: 'retired_at', type: types.timestamp, nullable: true },
    },
  });
}
