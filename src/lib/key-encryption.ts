import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

/**
 * Private signing keys at rest, encrypted with a key-encryption key (KEK) as a JWE in compact
 * serialization (RFC 7516) with `alg: dir` and `enc: A256GCM` (RFC 7518 §4.5, §5.3): a standard,
 * self-describing format that any JOSE library opens (e.g. jose's compactDecrypt). Its protected
 * header names the KEK (`kid`) and the content (`cty: jwk+json`, RFC 7517 §7).
 *
 * No cryptography of our own: Node's AES-256-GCM does the work; this module only frames it.
 * `dir` means the KEK is the content-encryption key itself, so the encrypted-key part is empty.
 * The header is authenticated as additional data, so a row cannot be relabelled to another KEK.
 */

const IV_BYTES = 12; // 96 bits, as RFC 7518 §5.3 requires for A256GCM
const TAG_BYTES = 16;

export interface Sealed {
  /** The id of the key-encryption key it needs. */
  kekId: string;
}

/** Encrypts `plaintext` (the private JWK's JSON) with `kek` (32 bytes), labelled `kekId`. */
export function seal(plaintext: string, kek: { id: string; key: Buffer }): string {
  const header = Buffer.from(JSON.stringify({ alg: 'dir', enc: 'A256GCM', kid: kek.id, cty: 'jwk+json' })).toString('base64url');
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', kek.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(header, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [header, '', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** What a stored value is: a sealed JWE (with the id of its KEK), or anything else (plaintext). */
export function sealedWith(stored: string): Sealed | undefined {
  const parts = stored.split('.');
  if (parts.length !== 5) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
    if (header['alg'] === 'dir' && header['enc'] === 'A256GCM' && typeof header['kid'] === 'string') return { kekId: header['kid'] };
  } catch {
    // Not a JWE header.
  }
  return undefined;
}

/**
 * Decrypts a value made by `seal` (or any `dir`/`A256GCM` compact JWE) with `key`; throws when the
 * key is not the one it was sealed with or the value was altered.
 */
export function open(stored: string, key: Buffer): string {
  const [header = '', encryptedKey, iv = '', ciphertext = '', tag = ''] = stored.split('.');
  if (encryptedKey !== '' || !sealedWith(stored)) throw new Error('not a dir/A256GCM JWE');
  const authTag = Buffer.from(tag, 'base64url');
  if (authTag.length !== TAG_BYTES) throw new Error('the JWE authentication tag is not 128 bits');
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(header, 'ascii'));
  decipher.setAuthTag(authTag);
  return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
}
