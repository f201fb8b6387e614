import { generateKeyPair, createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { JsonWebKey } from 'node:crypto';
import { SIGNING_ALGS } from '../config/clients/supported.ts';
import type { SigningKey } from '../db/entities/signing-key.ts';
import type { SigningKeysRepository } from '../repositories/signing-keys.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

/** Retired keys stay in the JWKS this long, so tokens they signed still verify. */
const RETIRED_KEY_GRACE_MS = 30 * 24 * 60 * 60 * 1000;

export type PrivateJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };

async function generate(alg: SigningKey['alg']): Promise<SigningKey> {
  // PS256 is RSA too, but its own key: each JWK names the one algorithm it signs with.
  const { privateKey } =
    alg === 'RS256' || alg === 'PS256'
      ? await generateKeyPairAsync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? await generateKeyPairAsync('ec', { namedCurve: 'P-256' })
        : await generateKeyPairAsync('ed25519');
  const jwk = privateKey.export({ format: 'jwk' });
  // kid = thumbprint-like hash of the public part: stable, unique, reveals nothing.
  const publicPart = JSON.stringify({ crv: jwk.crv, e: jwk.e, kty: jwk.kty, n: jwk.n, x: jwk.x, y: jwk.y });
  const kid = createHash('sha256').update(publicPart).digest('base64url').slice(0, 32);
  return { kid, alg, privateJwk: JSON.stringify({ ...jwk, kid, alg, use: 'sig' }), createdAt: new Date(), retiredAt: null };
}

export interface KeysService {
  /**
   * Makes sure an active key exists for every algorithm a client file may pick (SIGNING_ALGS),
   * generating the missing ones (all on first start; on an older database, those added since),
   * and returns the private JWKS every instance shares.
   */
  loadSigningKeys(): Promise<{ keys: PrivateJwk[] }>;
}

export function createKeysService(repository: SigningKeysRepository): KeysService {
  return {
    async loadSigningKeys() {
      await repository.insertMissing(SIGNING_ALGS, (missing) => Promise.all(missing.map(generate)));
      const rows = await repository.listPublishable(new Date(Date.now() - RETIRED_KEY_GRACE_MS));
      // Newest active key of each algorithm first, so it is the one that signs.
      const ordered = [...rows].sort((a, b) => {
        if ((a.retiredAt === null) !== (b.retiredAt === null)) return a.retiredAt === null ? -1 : 1;
        return b.createdAt.getTime() - a.createdAt.getTime() || a.kid.localeCompare(b.kid);
      });
      return { keys: ordered.map((row) => JSON.parse(row.privateJwk) as PrivateJwk) };
    },
  };
}
