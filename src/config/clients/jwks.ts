import { createPublicKey, type JsonWebKey } from 'node:crypto';

/** A client's public keys, as written inline in its file (`jwks`), for private_key_jwt. */
export interface PublicJwks {
  keys: JsonWebKey[];
}

export interface JwksProblem {
  path: PropertyKey[];
  message: string;
}

/** Members that only a private (or symmetric) key has: their presence means a secret was pasted. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/** Key types and curves an assertion signed with one of CLIENT_ASSERTION_ALGS can use, with those algs. */
const USABLE: Record<string, { algs: string[]; curves?: string[] }> = {
  RSA: { algs: ['RS256', 'PS256'] },
  EC: { algs: ['ES256'], curves: ['P-256'] },
  OKP: { algs: ['EdDSA', 'Ed25519'], curves: ['Ed25519'] },
};
const USABLE_TEXT = 'use RSA (RS256, PS256), EC on P-256 (ES256) or OKP Ed25519 (EdDSA)';

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function keyProblem(key: unknown): string | undefined {
  if (!isObject(key)) return 'must be a JSON Web Key object, e.g. {"kty": "EC", "crv": "P-256", "x": "...", "y": "..."}';
  const secret = PRIVATE_MEMBERS.filter((member) => member in key);
  if (key['kty'] === 'oct') return 'is a symmetric key, which must never be shared; for a shared secret use client_secret_jwt and client_secret instead';
  if (secret.length > 0) {
    return `holds private key material (${secret.map((m) => `"${m}"`).join(', ')}); the file must only have the app's public key: remove ${secret.join(', ')}, and replace the key if this file was shared`;
  }
  const kty = typeof key['kty'] === 'string' ? key['kty'] : undefined;
  const usable = kty === undefined ? undefined : USABLE[kty];
  if (!usable) return `has ${kty === undefined ? 'no "kty"' : `"kty": ${JSON.stringify(kty)}`}; ${USABLE_TEXT}`;
  if (usable.curves && !usable.curves.includes(String(key['crv']))) return `is a ${kty} key on ${JSON.stringify(key['crv'])}; ${USABLE_TEXT}`;
  if (key['alg'] !== undefined && !usable.algs.includes(String(key['alg']))) {
    return `has "alg": ${JSON.stringify(key['alg'])}, which a ${kty} key cannot sign client assertions with here; use ${usable.algs.join(' or ')}, or remove alg`;
  }
  if (key['use'] !== undefined && key['use'] !== 'sig') return `has "use": ${JSON.stringify(key['use'])}; a key for private_key_jwt signs: use "sig", or remove use`;
  try {
    createPublicKey({ key: key as JsonWebKey, format: 'jwk' });
  } catch {
    return `is not a valid ${kty} public key; copy it exactly as the app publishes it`;
  }
  return undefined;
}

/** Every problem with an inline `jwks`, each at its path below the field (e.g. ['keys', 0]). */
export function publicJwksProblems(value: unknown): JwksProblem[] {
  if (!isObject(value) || !Array.isArray(value['keys'])) {
    return [{ path: [], message: 'must be an object with a list of the app\'s public keys, e.g. {"keys": [{"kty": "EC", "crv": "P-256", "x": "...", "y": "..."}]}' }];
  }
  const unknownMembers = Object.keys(value).filter((name) => name !== 'keys');
  const problems: JwksProblem[] = unknownMembers.map((name) => ({ path: [name], message: 'is not part of a JSON Web Key Set; remove it (only "keys")' }));
  if (value['keys'].length === 0) problems.push({ path: ['keys'], message: 'is empty; add the app\'s public signing key' });
  const kids = new Set<unknown>();
  value['keys'].forEach((key: unknown, i) => {
    const problem = keyProblem(key);
    if (problem) problems.push({ path: ['keys', i], message: problem });
    else if (isObject(key) && key['kid'] !== undefined) {
      if (kids.has(key['kid'])) problems.push({ path: ['keys', i, 'kid'], message: `${JSON.stringify(key['kid'])} is used by another key; give each key its own kid` });
      kids.add(key['kid']);
    }
  });
  return problems;
}
