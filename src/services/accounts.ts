import { z } from 'zod';
import type { User } from '../db/entities/user.ts';
import type { MessageKey } from '../i18n/translator.ts';
import type { UsersRepository } from '../repositories/users.ts';

/** The OIDC claims we release, keyed by claim name. (A type alias: oidc-provider wants an index signature.) */
export type AccountClaims = {
  sub: string;
  preferred_username: string;
  name: string;
  email: string;
  email_verified: boolean;
  /** The names of the person's groups (scope `groups`). */
  groups: string[];
};

export function claimsOf(user: User, groups: string[]): AccountClaims {
  return {
    sub: user.id,
    preferred_username: user.username,
    name: user.name ?? user.username,
    email: user.email,
    email_verified: user.emailVerified,
    groups,
  };
}

/** Field errors are message keys (src/i18n): the page says them in the person's language. */
export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .min(3, 'signup.error.usernameShort')
  .max(32, 'signup.error.usernameLong')
  .regex(/^[a-z0-9._-]+$/, 'signup.error.usernameChars');

export const emailSchema = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'signup.error.emailLong')
  .pipe(z.email('signup.error.emailInvalid'));

export const signupSchema = z.object({ username: usernameSchema, email: emailSchema });

type SignupField = 'username' | 'email';
export type SignupErrors = Partial<Record<SignupField, MessageKey>>;
export type NewAccount = { username: string; email: string };

export type SignupCheck = { ok: true; account: NewAccount } | { ok: false; errors: SignupErrors };
export type SignupResult = { ok: true; user: User } | { ok: false; errors: SignupErrors };

const USERNAME_TAKEN: SignupErrors = { username: 'signup.error.usernameTaken' };

export function createAccountsService(deps: { users: UsersRepository }) {
  const { users } = deps;

  /** Validates a signup and checks that the name and address are free; creates nothing. */
  async function checkSignup(input: { username: unknown; email: unknown }): Promise<SignupCheck> {
    const parsed = signupSchema.safeParse(input);
    if (!parsed.success) {
      const errors: SignupErrors = {};
      for (const issue of parsed.error.issues) {
        const field = issue.path[0];
        if ((field === 'username' || field === 'email') && !errors[field]) errors[field] = issue.message as MessageKey;
      }
      return { ok: false, errors };
    }
    const { username, email } = parsed.data;
    const errors: SignupErrors = {};
    const [byUsername, byEmail] = await Promise.all([users.findByLogin(username), users.findByLogin(email)]);
    // A username must not collide with anyone's email either: both are accepted at sign-in.
    if (byUsername) errors.username = USERNAME_TAKEN.username;
    if (byEmail) errors.email = 'signup.error.emailTaken';
    if (errors.username || errors.email) return { ok: false, errors };
    return { ok: true, account: { username, email } };
  }

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

    checkSignup,

    /** Creates an account whose address its owner has just proven (the signup code). */
    async createVerified(account: NewAccount): Promise<SignupResult> {
      const check = await checkSignup(account);
      if (!check.ok) return check;
      try {
        return { ok: true, user: await users.create({ ...check.account, emailVerified: true }) };
      } catch {
        // Lost a race against an identical signup: the unique indexes said no.
        return { ok: false, errors: USERNAME_TAKEN };
      }
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
