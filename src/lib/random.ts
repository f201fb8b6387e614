import { randomBytes } from 'node:crypto';

/** A URL-safe random token carrying `bytes` bytes of entropy (32 → 256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
