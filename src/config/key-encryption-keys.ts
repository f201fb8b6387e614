import { createHash } from 'node:crypto';

/**
 * A key-encryption key (KEK): 32 random bytes that encrypt the private signing keys at rest
 * (src/lib/key-encryption.ts). `id` goes into every encrypted key, so the key that opens it is
 * found again after the list changes.
 */
export interface KeyEncryptionKey {
  id: string;
  key: Buffer;
}

const ID = /^[A-Za-z0-9._-]{1,32}$/;
// 32 bytes are 43 characters of base64 or base64url, plus one `=` of padding in plain base64.
const BASE64_32_BYTES = /^(?:[A-Za-z0-9+/]{43}=?|[A-Za-z0-9_-]{43})$/;
const HOW_TO = 'generate one with `openssl rand -base64 32` (optionally named, id:key)';

const ordinal = (n: number) => `${n}${n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th'}`;

/**
 * KEY_ENCRYPTION_KEYS: comma-separated, newest first; each `key` or `id:key`, the key 32 bytes in
 * base64 or base64url. An unnamed key's id is derived from it (a short hash: the same key always
 * gets the same id, and the id reveals nothing usable about it). Problems never echo a key.
 */
export function parseKeyEncryptionKeys(text: string): { keys: KeyEncryptionKey[] } | { problem: string } {
  const entries = text.split(',').map((entry) => entry.trim()).filter(Boolean);
  if (entries.length === 0) return { problem: `has no keys; give comma-separated keys, newest first; ${HOW_TO}` };
  const keys: KeyEncryptionKey[] = [];
  for (const [index, entry] of entries.entries()) {
    const colon = entry.indexOf(':');
    const named = colon >= 0;
    const id = named ? entry.slice(0, colon).trim() : undefined;
    const encoded = (named ? entry.slice(colon + 1) : entry).trim();
    if (id !== undefined && !ID.test(id)) {
      return { problem: `has a key id that is not 1-32 letters, digits, '.', '_' or '-' (the ${ordinal(index + 1)} key); name keys like k2:<key>` };
    }
    const key = Buffer.from(encoded, 'base64');
    if (!BASE64_32_BYTES.test(encoded) || key.length !== 32) {
      return { problem: `has a key that is not 32 bytes in base64 (the ${ordinal(index + 1)} key); ${HOW_TO}` };
    }
    const keyId = id ?? createHash('sha256').update(key).digest('base64url').slice(0, 8);
    if (keys.some((other) => other.id === keyId)) {
      return { problem: `has the key id "${keyId}" twice; give every key its own id, or remove the duplicate key` };
    }
    keys.push({ id: keyId, key });
  }
  return { keys };
}
