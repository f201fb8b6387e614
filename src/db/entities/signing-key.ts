import { EntitySchema } from 'typeorm';
import type { DialectTypes } from '../dialect.ts';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256' | 'EdDSA' | 'PS256';
  /** The private JWK as JSON text. */
  privateJwk: string;
  createdAt: Date;
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
      retiredAt: { name: 'retired_at', type: types.timestamp, nullable: true },
    },
  });
}
