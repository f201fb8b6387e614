import { randomInt } from 'node:crypto';
import argon2 from 'argon2';

/**
 * The short codes people type from an email (sign-in, signup): unambiguous symbols, stored only
 * as argon2id hashes, a few tries each. Hashing uses OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
 */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface PasswordHasher {
  hash(plain: string): Promise<string>;
  verify(hash: string, plain: string): Promise<boolean>;
}

export const argon2Hasher: PasswordHasher = {
  hash: (plain) => argon2.hash(plain, ARGON2_OPTIONS),
  verify: (hash, plain) => argon2.verify(hash, plain),
};

/** No 0/O, 1/I/L: 31 symbols, 8 of them ≈ 40 bits; 5 tries per code. */
export const CODE_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';
export const CODE_LENGTH = 8;
export const MAX_CODE_ATTEMPTS = 5;
export const CODE_PATTERN = new RegExp(`^[${CODE_ALPHABET}]{${CODE_LENGTH}}$`);

export function randomCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/** Upper-cases and drops spaces and dashes, so "abcd-efgh" and "ABCD EFGH" are the same code. */
export function normaliseCode(typed: string): string {
  return typed.toUpperCase().replace(/[\s-]/g, '');
}
