import { createHash } from 'node:crypto';
import type { AccountLink } from '../db/entities/account-link.ts';
import { randomToken } from '../lib/random.ts';
import type { AccountLinksRepository } from '../repositories/account-links.ts';

/** Link secrets: 32 random bytes, base64url. */
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;
const hashOf = (secret: string) => createHash('sha256').update(secret).digest('hex');

/** The path of each kind of link under the issuer. */
export const LINK_PATHS = { invite: '/invite', recovery: '/recover' } as const;

export interface CreatedLink {
  link: AccountLink;
  url: string;
}

/**
 * Single-use links an operator hands out (admin CLI): invitations to sign up and recovery links
 * for someone who lost every passkey. Only the SHA-256 of the secret is stored; using a link is
 * one conditional update, so two clicks at once use it once.
 */
export function createAccountLinksService(deps: { links: AccountLinksRepository; issuer: string }) {
  const { links } = deps;
  const issuer = deps.issuer.replace(/\/+$/, '');

  async function create(fields: Pick<AccountLink, 'kind' | 'userId' | 'username' | 'email' | 'createdBy'>, ttlSeconds: number): Promise<CreatedLink> {
    const secret = randomToken(32);
    const now = new Date();
    const link: AccountLink = {
      id: crypto.randomUUID(),
      secretHash: hashOf(secret),
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      usedAt: null,
      ...fields,
    };
    await links.insert(link);
    return { link, url: `${issuer}${LINK_PATHS[fields.kind]}/${secret}` };
  }

  return {
    createInvite: (fields: { username?: string; email?: string; createdBy: string }, ttlSeconds: number) =>
      create({ kind: 'invite', userId: null, username: fields.username ?? null, email: fields.email ?? null, createdBy: fields.createdBy }, ttlSeconds),

    createRecovery: (fields: { userId: string; createdBy: string }, ttlSeconds: number) =>
      create({ kind: 'recovery', userId: fields.userId, username: null, email: null, createdBy: fields.createdBy }, ttlSeconds),

    /** The usable link of this kind behind a secret from a URL, or undefined. Consumes nothing. */
    async find(kind: AccountLink['kind'], secret: string): Promise<AccountLink | undefined> {
      if (!SECRET_PATTERN.test(secret)) return undefined;
      const link = await links.findUsable(hashOf(secret), new Date());
      return link?.kind === kind ? link : undefined;
    },

    /** Uses the link; false when it was used (or expired) meanwhile. */
    use: (link: AccountLink) => links.use(link.id, new Date()),

    listOpen: (kind: AccountLink['kind']) => links.listOpen(kind, new Date()),
    revoke: (id: string) => links.revoke(id),
  };
}

export type AccountLinksService = ReturnType<typeof createAccountLinksService>;
