import { z } from 'zod';
import type { User } from '../db/entities/user.ts';
import type { UsersRepository } from '../repositories/users.ts';

/** The OIDC claims we release, keyed by claim name. (A type alias: oidc-provider wants an index signature.) */
export type AccountClaims = {
  sub: string;
  preferred_username: string;
  name: string;
  email: string;
  email_verified: boolean;
};

export function claimsOf(user: User): AccountClaims {
  return {
    sub: user.id,
    preferred_username: user.username,
    name: user.name ?? user.username,
    email: user.email,
    email_verified: user.emailVerified,
  };
}

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, 'Use at least 3 characters.')
  .max(32, 'Use at most 32 characters.')
  .regex(/^[a-z0-9._-]+$/, 'Use only letters, digits, dots, dashes and underscores.');

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'This email address is too long.')
  .pipe(z.email('Enter an email address like name@example.com.'));

export const signupSchema = z.object({ username: usernameSchema, email: emailSchema });

export type SignupResult =
  | { ok: true; user: User }
  | { ok: false; errors: Partial<Record<'username' | 'email', string>> };

export function createAccountsService(deps: { users: UsersRepository }) {
  const { users } = deps;
  return {
    /** An active (not disabled) account by id, or null. */
    async findActive(id: string): Promise<User | null> {
      const user = await users.findById(id);
      return user && user.disabledAt === null ? user : null;
    },

    /** An active account by username or email, compared case-insensitively. */
    async findByLogin(login: string): Promise<User | null> {
      const normalized = login.trim().toLowerCase();
      if (normalized.length === 0 || normalized.length > 254) return null;
      const user = await users.findByLogin(normalized);
      return user && user.disabledAt === null ? user : null;
    },

    /** Validates and creates an account; field errors are sentences for the form. */
    async signup(input: { username: unknown; email: unknown }): Promise<SignupResult> {
      const parsed = signupSchema.safeParse(input);
      if (!parsed.success) {
        const errors: Partial<Record<'username' | 'email', string>> = {};
        for (const issue of parsed.error.issues) {
          const field = issue.path[0];
          if ((field === 'username' || field === 'email') && !errors[field]) errors[field] = issue.message;
        }
        return { ok: false, errors };
      }
      const { username, email } = parsed.data;
      const errors: Partial<Record<'username' | 'email', string>> = {};
      const [byUsername, byEmail] = await Promise.all([users.findByLogin(username), users.findByLogin(email)]);
      // A username must not collide with anyone's email either: both are accepted at sign-in.
      if (byUsername) errors.username = 'This username is taken. Try another one.';
      if (byEmail) errors.email = 'An account with this email already exists. Sign in instead.';
      if (errors.username || errors.email) return { ok: false, errors };
      try {
        return { ok: true, user: await users.create({ username, email }) };
      } catch {
        // Lost a race against an identical signup: the unique indexes said no.
        return { ok: false, errors: { username: 'This username is taken. Try another one.' } };
      }
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
