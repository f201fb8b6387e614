import { generateKeyPair, createHash } from 'node:crypto';
import { promisify } from 'node:util';
import type { JsonWebKey } from 'node:crypto';
import { SIGNING_ALGS } from '../config/clients/supported.ts';
import type { KeyEncryptionKey } from '../config/key-encryption-keys.ts';
import type { SigningKey } from '../db/entities/signing-key.ts';
import { ConfigError } from '../errors.ts';
import { open, seal, sealedWith } from '../lib/key-encryption.ts';
import type { Logger } from '../lib/logger.ts';
import type { SigningKeysRepository } from '../repositories/signing-keys.ts';
import { nextChange, publishedInOrder, publishedUntil, stateOf, type KeyState } from './key-lifecycle.ts';

const generateKeyPairAsync = promisify(generateKeyPair);

export type PrivateJwk = JsonWebKey & { kid: string; alg: string; use: 'sig' };
type Alg = SigningKey['alg'];

/** What a set of signing keys is, without its private keys. */
export interface KeySetSummary {
  /** The published kids in order: two sets with one version publish and sign alike. */
  version: string;
  /** The kid that signs, per algorithm. */
  signing: Partial<Record<Alg, string>>;
  /** When a key next activates, retires or leaves the JWKS: the set must be read again then. */
  nextChangeAt: Date | undefined;
}

/** The keys an oidc-provider instance is built with. */
export interface SigningKeySet extends KeySetSummary {
  /** Published keys, in the order oidc-provider needs (key-lifecycle.ts: the first of an algorithm signs). */
  keys: PrivateJwk[];
}

export interface KeyRotation {
  /** When the new keys start signing (and the keys they replace stop). */
  activatesAt: Date;
  added: Array<{ alg: Alg; kid: string }>;
  retiring: Array<{ alg: Alg; kid: string }>;
  /** Until when the replaced keys stay published: the longest lifetime of a token they signed. */
  retiringPublishedUntil: Date;
}

export interface KeyInfo {
  alg: Alg;
  kid: string;
  state: KeyState;
  createdAt: Date;
  activatesAt: Date;
  retiredAt: Date | null;
  /** Until when it is in the JWKS (undefined: as long as it is not retired). */
  publishedUntil: Date | undefined;
  /** The id of the key-encryption key it is stored under; null: stored unencrypted. */
  encryptedWith: string | null;
}

export interface KeysService {
  /**
   * At start: under the key lock, checks that KEY_ENCRYPTION_KEYS opens every published key
   * (a ConfigError line otherwise), encrypts the ones stored unencrypted or under an older KEK
   * with the newest KEK, makes a key for every algorithm a client file may pick (SIGNING_ALGS)
   * that has none (all on first start; on an older database, those added since), and returns
   * the set every instance shares.
   */
  loadSigningKeys(): Promise<SigningKeySet>;
  /** The set as the rows say now; only its summary when its version is `unlessVersion` (nothing decrypted then). */
  current(options?: { unlessVersion?: string }): Promise<SigningKeySet | KeySetSummary>;
  /**
   * Adds one key per algorithm, published now and signing after `overlapMs`; the keys signing
   * now stop then, and stay published for the grace period.
   */
  rotate(options: { overlapMs: number }): Promise<KeyRotation>;
  /** Every key with its state, for operators. */
  list(): Promise<KeyInfo[]>;
}

export interface KeysServiceDeps {
  repository: SigningKeysRepository;
  /** KEY_ENCRYPTION_KEYS, newest first; empty: keys are stored unencrypted. */
  keyEncryptionKeys: readonly KeyEncryptionKey[];
  /** How long a retired key stays published: the longest lifetime of anything it may have signed. */
  retiredGraceMs: number;
  logger?: Logger;
  now?: () => Date;
}

async function generate(alg: Alg, activatesAt: Date, createdAt: Date, sealText: (text: string) => string): Promise<SigningKey> {
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
  const privateJwk = sealText(JSON.stringify({ ...jwk, kid, alg, use: 'sig' }));
  return { kid, alg, privateJwk, createdAt, activatesAt, retiredAt: null };
}

/** Why a stored key does not open with KEY_ENCRYPTION_KEYS: one line that says what to set. */
function cannotOpen(row: SigningKey, kekId: string, keks: readonly KeyEncryptionKey[]): ConfigError {
  if (keks.length === 0) {
    return new ConfigError([`the database holds signing keys encrypted with key-encryption key "${kekId}", and KEY_ENCRYPTION_KEYS is not set; set KEY_ENCRYPTION_KEYS to that key (newer keys before it, comma-separated)`]);
  }
  if (!keks.some((kek) => kek.id === kekId)) {
    return new ConfigError([`the database holds signing keys encrypted with key-encryption key "${kekId}", and KEY_ENCRYPTION_KEYS (${keks.map((kek) => `"${kek.id}"`).join(', ')}) does not have it; add that key to KEY_ENCRYPTION_KEYS, after the newer ones`]);
  }
  return new ConfigError([`signing key ${row.kid} does not open with key-encryption key "${kekId}" from KEY_ENCRYPTION_KEYS: that id names a different key there; set the key the database was encrypted with`]);
}

export function createKeysService(deps: KeysServiceDeps): KeysService {
  const { repository, keyEncryptionKeys: keks, retiredGraceMs } = deps;
  const clock = deps.now ?? (() => new Date());
  const newestKek = keks[0];
  const sealText = (text: string) => (newestKek ? seal(text, newestKek) : text);
  const graceStart = (now: Date) => new Date(now.getTime() - retiredGraceMs);

  /** The private JWK's JSON text of a row, decrypted when it is stored encrypted. */
  function openRow(row: SigningKey): string {
    const sealed = sealedWith(row.privateJwk);
    if (!sealed) return row.privateJwk;
    const kek = keks.find((candidate) => candidate.id === sealed.kekId);
    if (!kek) throw cannotOpen(row, sealed.kekId, keks);
    try {
      return open(row.privateJwk, kek.key);
    } catch {
      throw cannotOpen(row, sealed.kekId, keks);
    }
  }

  function setOf(rows: SigningKey[], now: Date, unlessVersion?: string): SigningKeySet | KeySetSummary {
    const ordered = publishedInOrder(rows, now, retiredGraceMs);
    const signing: Partial<Record<Alg, string>> = {};
    for (const row of ordered) if (stateOf(row, now) === 'active') signing[row.alg] ??= row.kid;
    const summary = { version: ordered.map((row) => row.kid).join(','), signing, nextChangeAt: nextChange(rows, now, retiredGraceMs) };
    if (summary.version === unlessVersion) return summary;
    return { ...summary, keys: ordered.map((row) => JSON.parse(openRow(row)) as PrivateJwk) };
  }

  const service: KeysService = {
    async loadSigningKeys() {
      const now = clock();
      const { generated, reencrypted } = await repository.underLock(async (locked) => {
        const rows = await locked.listPublishable(graceStart(now));
        let reencrypted = 0;
        for (const row of rows) {
          const plaintext = openRow(row);
          if (newestKek && sealedWith(row.privateJwk)?.kekId !== newestKek.id) {
            await locked.setPrivateJwk(row.kid, seal(plaintext, newestKek));
            reencrypted++;
          }
        }
        const covered = new Set(rows.filter((row) => row.retiredAt === null).map((row) => row.alg));
        const missing = SIGNING_ALGS.filter((alg) => !covered.has(alg));
        await locked.insert(await Promise.all(missing.map((alg) => generate(alg, now, now, sealText))));
        return { generated: missing, reencrypted };
      });
      if (generated.length > 0) deps.logger?.info({ algorithms: generated }, 'signing keys generated');
      if (reencrypted > 0) deps.logger?.info({ keys: reencrypted, keyEncryptionKey: newestKek?.id }, 'signing keys encrypted with the newest key-encryption key');
      return (await service.current()) as SigningKeySet; // no `unlessVersion`: always the whole set
    },

    async current(options = {}) {
      const now = clock();
      return setOf(await repository.listPublishable(graceStart(now)), now, options.unlessVersion);
    },

    async rotate({ overlapMs }) {
      const started = clock();
      const activatesAt = new Date(started.getTime() + overlapMs);
      // Made before taking the lock (RSA takes a moment), and kept if the locked work runs again.
      const fresh = await Promise.all(SIGNING_ALGS.map((alg) => generate(alg, activatesAt, started, sealText)));
      const replaced = await repository.underLock(async (locked) => {
        const rows = await locked.listPublishable(graceStart(clock()));
        if (rows.length === 0) throw new Error('there are no signing keys yet: the server makes them when it first starts; rotate after that');
        // Refuse to add keys the servers could not open, or unencrypted ones beside encrypted ones.
        for (const row of rows) openRow(row);
        const signingNow = rows.filter((row) => row.retiredAt === null);
        await locked.retire(signingNow.map((row) => row.kid), activatesAt);
        await locked.insert(fresh);
        return signingNow;
      });
      return {
        activatesAt,
        added: fresh.map(({ alg, kid }) => ({ alg, kid })),
        retiring: replaced.map(({ alg, kid }) => ({ alg, kid })),
        retiringPublishedUntil: new Date(activatesAt.getTime() + retiredGraceMs),
      };
    },

    async list() {
      const now = clock();
      return (await repository.listAll()).map((row) => ({
        alg: row.alg,
        kid: row.kid,
        state: stateOf(row, now),
        createdAt: row.createdAt,
        activatesAt: row.activatesAt,
        retiredAt: row.retiredAt,
        publishedUntil: publishedUntil(row, retiredGraceMs),
        encryptedWith: sealedWith(row.privateJwk)?.kekId ?? null,
      }));
    },
  };
  return service;
}
