/**
 * A software WebAuthn platform authenticator (node:crypto only) for tests and the benchmark: it plays
 * the part of `navigator.credentials.create()/get()` plus the authenticator behind it, and returns
 * the same JSON that @simplewebauthn/browser's startRegistration/startAuthentication return.
 * Overrides let hostile-input tests forge responses a real browser would never send.
 */
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

export type CoseAlg = -7 | -8 | -257;

export interface StoredCredential {
  /** base64url credential id */
  id: string;
  privateKey: KeyObject;
  publicKeyCose: Uint8Array;
  rpId: string;
  /** base64url user handle (the `user.id` of the creation options) */
  userHandle: string;
  counter: number;
  alg: CoseAlg;
}

export interface AuthenticatorOptions {
  origin: string;
  rpId: string;
  /** The only algorithm this authenticator offers; when unset it supports ES256, EdDSA and RS256 and prefers ES256. */
  alg?: CoseAlg;
  /** Added to the counter on each assertion; 0 models synced passkeys that always report 0. Default 1. */
  counterStep?: number;
  /** AAGUID as a UUID string; default all zeros. */
  aaguid?: string;
  backupEligible?: boolean;
  backedUp?: boolean;
}

/** Forgeries shared by registration and assertion. */
export interface CommonOverrides {
  /** origin written into clientDataJSON */
  origin?: string;
  /** put the SHA-256 of this rp id into authenticatorData instead of the real one */
  rpIdHashOf?: string;
  /** false clears the UV flag */
  userVerified?: boolean;
  /** false clears the UP flag */
  userPresent?: boolean;
  /** challenge (base64url) written into clientDataJSON */
  challenge?: string;
  /** clientData type, e.g. 'webauthn.get' on a registration */
  type?: string;
}

export type RegisterOverrides = CommonOverrides;

export interface AssertionOverrides extends CommonOverrides {
  /** which held credential to use (base64url id); default: per allowCredentials, else the first for the rp id */
  select?: string;
  /** claim this credential id in id/rawId */
  credentialId?: string;
  /** sign with this private key instead of the credential's own */
  signWith?: KeyObject;
  /** report this counter (the stored counter still advances by counterStep) */
  counter?: number;
  /** flip a byte of the signature */
  corruptSignature?: boolean;
  /** base64url userHandle to report; null omits it */
  userHandle?: string | null;
}

// ---------------------------------------------------------------- CBOR (RFC 8949, the subset we need)

export type CborValue = number | bigint | string | boolean | Uint8Array | CborValue[] | Map<number | string, CborValue>;

function cborHead(major: number, value: number | bigint): Buffer {
  const n = BigInt(value);
  if (n < 24n) return Buffer.from([(major << 5) | Number(n)]);
  if (n < 0x100n) return Buffer.from([(major << 5) | 24, Number(n)]);
  if (n < 0x10000n) {
    const b = Buffer.alloc(3);
    b[0] = (major << 5) | 25;
    b.writeUInt16BE(Number(n), 1);
    return b;
  }
  if (n < 0x100000000n) {
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(Number(n), 1);
    return b;
  }
  const b = Buffer.alloc(9);
  b[0] = (major << 5) | 27;
  b.writeBigUInt64BE(n, 1);
  return b;
}

export function cborEncode(value: CborValue): Buffer {
  if (typeof value === 'boolean') return Buffer.from([value ? 0xf5 : 0xf4]);
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isSafeInteger(value)) throw new TypeError(`CBOR: not an integer: ${value}`);
    const n = BigInt(value);
    return n >= 0n ? cborHead(0, n) : cborHead(1, -1n - n);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(cborEncode)]);
  const parts = [cborHead(5, value.size)];
  for (const [k, v] of value) parts.push(cborEncode(k), cborEncode(v));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------- keys and signatures

function b64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

function domError(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}

function generateCredentialKey(alg: CoseAlg): { privateKey: KeyObject; publicKeyCose: Uint8Array } {
  if (alg === -7) {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, CborValue>([[1, 2], [3, -7], [-1, 1], [-2, fromB64url(jwk.x)], [-3, fromB64url(jwk.y)]]);
    return { privateKey, publicKeyCose: cborEncode(cose) };
  }
  if (alg === -8) {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const jwk = publicKey.export({ format: 'jwk' });
    const cose = new Map<number, CborValue>([[1, 1], [3, -8], [-1, 6], [-2, fromB64url(jwk.x)]]);
    return { privateKey, publicKeyCose: cborEncode(cose) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = publicKey.export({ format: 'jwk' });
  const cose = new Map<number, CborValue>([[1, 3], [3, -257], [-1, fromB64url(jwk.n)], [-2, fromB64url(jwk.e)]]);
  return { privateKey, publicKeyCose: cborEncode(cose) };
}

function fromB64url(value: string | undefined): Buffer {
  if (value === undefined) throw new Error('JWK member missing');
  return Buffer.from(value, 'base64url');
}

/** ES256 → DER ECDSA/SHA-256, EdDSA → Ed25519, RS256 → RSASSA-PKCS1-v1_5/SHA-256; chosen by the key's type. */
function signWithKey(key: KeyObject, data: Buffer): Buffer {
  switch (key.asymmetricKeyType) {
    case 'ec':
      return sign('sha256', data, { key, dsaEncoding: 'der' });
    case 'ed25519':
      return sign(null, data, key);
    case 'rsa':
      return sign('sha256', data, key);
    default:
      throw new Error(`unsupported key type ${String(key.asymmetricKeyType)}`);
  }
}

const sha256 = (data: string | Uint8Array): Buffer => createHash('sha256').update(data).digest();

const FLAG_UP = 0x01;
const FLAG_UV = 0x04;
const FLAG_BE = 0x08;
const FLAG_BS = 0x10;
const FLAG_AT = 0x40;

// ---------------------------------------------------------------- the authenticator

export class SoftwareAuthenticator {
  readonly credentials: StoredCredential[] = [];
  readonly origin: string;
  readonly rpId: string;
  readonly #supported: readonly CoseAlg[];
  readonly #counterStep: number;
  readonly #aaguid: Buffer;
  readonly #backupEligible: boolean;
  readonly #backedUp: boolean;

  constructor(options: AuthenticatorOptions) {
    this.origin = options.origin;
    this.rpId = options.rpId;
    this.#supported = options.alg ? [options.alg] : [-7, -8, -257];
    this.#counterStep = options.counterStep ?? 1;
    this.#aaguid = Buffer.from((options.aaguid ?? '00000000-0000-0000-0000-000000000000').replaceAll('-', ''), 'hex');
    if (this.#aaguid.length !== 16) throw new Error(`aaguid must be a UUID: ${options.aaguid}`);
    this.#backupEligible = options.backupEligible ?? options.backedUp ?? false;
    this.#backedUp = options.backedUp ?? false;
  }

  /** navigator.credentials.create() with fmt "none" attestation. */
  register(options: PublicKeyCredentialCreationOptionsJSON, overrides: RegisterOverrides = {}): RegistrationResponseJSON {
    const rpId = this.#checkRpId(options.rp.id);
    const excluded = new Set((options.excludeCredentials ?? []).map((c) => c.id));
    if (this.credentials.some((c) => c.rpId === rpId && excluded.has(c.id))) {
      throw domError('InvalidStateError', 'The authenticator already holds one of the excluded credentials');
    }
    const offered = new Set(options.pubKeyCredParams.filter((p) => p.type === 'public-key').map((p) => p.alg));
    const alg = this.#supported.find((a) => offered.has(a));
    if (alg === undefined) throw domError('NotSupportedError', 'No offered algorithm is supported by this authenticator');

    const { privateKey, publicKeyCose } = generateCredentialKey(alg);
    const credentialId = randomBytes(16);
    const credential: StoredCredential = {
      id: b64url(credentialId),
      privateKey,
      publicKeyCose,
      rpId,
      userHandle: options.user.id,
      counter: 0,
      alg,
    };

    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const attestedCredentialData = Buffer.concat([this.#aaguid, idLength, credentialId, publicKeyCose]);
    const authData = this.#authData(rpId, FLAG_AT, 0, overrides, attestedCredentialData);
    const clientDataJSON = this.#clientData('webauthn.create', options.challenge, overrides);
    const attestationObject = cborEncode(
      new Map<string, CborValue>([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]),
    );
    this.credentials.push(credential);

    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        transports: ['internal'],
        publicKeyAlgorithm: alg,
        publicKey: b64url(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })),
        authenticatorData: b64url(authData),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** navigator.credentials.get(). Platform passkeys are discoverable, so userHandle is always returned. */
  authenticate(options: PublicKeyCredentialRequestOptionsJSON, overrides: AssertionOverrides = {}): AuthenticationResponseJSON {
    const rpId = this.#checkRpId(options.rpId);
    const held = this.credentials.filter((c) => c.rpId === rpId);
    const allowed = options.allowCredentials ?? [];
    const candidates = allowed.length === 0 ? held : held.filter((c) => allowed.some((a) => a.id === c.id));
    const credential = overrides.select === undefined ? candidates[0] : candidates.find((c) => c.id === overrides.select);
    if (!credential) throw domError('NotAllowedError', `The authenticator holds no usable credential for ${rpId}`);

    credential.counter = (credential.counter + this.#counterStep) >>> 0;
    const authData = this.#authData(rpId, 0, overrides.counter ?? credential.counter, overrides);
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, overrides);
    const signature = signWithKey(overrides.signWith ?? credential.privateKey, Buffer.concat([authData, sha256(clientDataJSON)]));
    if (overrides.corruptSignature) signature.writeUInt8(signature.readUInt8(signature.length - 1) ^ 0xff, signature.length - 1);

    const id = overrides.credentialId ?? credential.id;
    const userHandle = overrides.userHandle === undefined ? credential.userHandle : overrides.userHandle;
    return {
      id,
      rawId: id,
      type: 'public-key',
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        ...(userHandle === null ? {} : { userHandle }),
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** Copy a credential into this authenticator (a synced passkey or exported key); replaces one with the same id. */
  importCredential(credential: StoredCredential): void {
    const copy = { ...credential, publicKeyCose: Uint8Array.from(credential.publicKeyCose) };
    const index = this.credentials.findIndex((c) => c.id === credential.id);
    if (index >= 0) this.credentials[index] = copy;
    else this.credentials.push(copy);
  }

  /** The browser refuses an rp id that is not the origin's host or a parent domain of it. */
  #checkRpId(requested: string | undefined): string {
    const rpId = requested ?? this.rpId;
    const host = new URL(this.origin).hostname;
    if (host !== rpId && !host.endsWith(`.${rpId}`)) {
      throw domError('SecurityError', `rp id ${rpId} is not valid for origin ${this.origin}`);
    }
    return rpId;
  }

  #authData(rpId: string, extraFlags: number, counter: number, overrides: CommonOverrides, attested?: Buffer): Buffer {
    let flags = extraFlags;
    if (overrides.userPresent !== false) flags |= FLAG_UP;
    if (overrides.userVerified !== false) flags |= FLAG_UV;
    if (this.#backupEligible) flags |= FLAG_BE;
    if (this.#backedUp) flags |= FLAG_BS;
    const head = Buffer.alloc(37);
    sha256(overrides.rpIdHashOf ?? rpId).copy(head, 0);
    head[32] = flags;
    head.writeUInt32BE(counter >>> 0, 33);
    return attested ? Buffer.concat([head, attested]) : head;
  }

  #clientData(type: string, challenge: string, overrides: CommonOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: overrides.type ?? type,
        challenge: overrides.challenge ?? challenge,
        origin: overrides.origin ?? this.origin,
        crossOrigin: false,
      }),
    );
  }
}
