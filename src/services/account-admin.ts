import type { Passkey } from '../db/entities/passkey.ts';
import type { User } from '../db/entities/user.ts';
import { AppError } from '../errors.ts';
import type { AccountSessions } from '../oidc/account-sessions.ts';
import type { PasskeysRepository } from '../repositories/passkeys.ts';
import type { UsersRepository } from '../repositories/users.ts';
import { emailSchema, usernameSchema } from './accounts.ts';
import type { GroupsService } from './groups.ts';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface AccountDetails {
  user: User;
  passkeys: Passkey[];
  groups: string[];
  sessions: number;
}

/**
 * What operators do to accounts (the admin CLI; later an admin page): find, create, disable,
 * enable, delete. Disabling or deleting ends the person's sessions and every token at once.
 */
export function createAccountAdmin(deps: {
  users: UsersRepository;
  passkeys: Pick<PasskeysRepository, 'listByUser'>;
  groups: Pick<GroupsService, 'namesOf'>;
  sessions: Pick<AccountSessions, 'endAll' | 'sessions'>;
}) {
  const { users, passkeys, groups, sessions } = deps;

  /** By id, username or email (any case), disabled accounts included. */
  async function resolve(login: string): Promise<User> {
    const text = login.trim();
    const user = UUID.test(text) ? await users.findById(text.toLowerCase()) : await users.findByLogin(text.toLowerCase());
    if (!user) throw new AppError('not_found', { status: 404, description: `There is no account "${login}" (give a username, an email address or an id).`, messageKey: 'admin.error.noAccount', messageVars: { login: text } });
    return user;
  }

  return {
    resolve,
    /** Whether a username or email is taken. */
    exists: async (login: string) => (await users.findByLogin(login.trim().toLowerCase())) !== null,
    search: (text: string | undefined, limit = 50) => users.search(text, limit),

    async details(login: string): Promise<AccountDetails> {
      const user = await resolve(login);
      const [keys, names, open] = await Promise.all([passkeys.listByUser(user.id), groups.namesOf(user.id), sessions.sessions(user.id)]);
      return { user, passkeys: keys, groups: names, sessions: open.length };
    },

    /** For closed or invite-only signup. The address is unproven until its owner uses an emailed link (`verified` says otherwise). */
    async create(input: { username: string; email: string; name?: string; verified?: boolean }): Promise<User> {
      const username = usernameSchema.safeParse(input.username);
      if (!username.success) throw new AppError('invalid_request', { status: 400, description: `"${input.username}" is not a username: 3-32 letters, digits, dots, dashes or underscores.` });
      const email = emailSchema.safeParse(input.email);
      if (!email.success) throw new AppError('invalid_request', { status: 400, description: `"${input.email}" is not an email address.` });
      for (const taken of [username.data, email.data]) {
        if (await users.findByLogin(taken)) throw new AppError('conflict', { status: 409, description: `"${taken}" is already used by an account.` });
      }
      const name = input.name?.trim().slice(0, 128);
      return users.create({ username: username.data, email: email.data, emailVerified: input.verified ?? false, ...(name ? { name } : {}) });
    },

    /** Signs the person out everywhere and kills their tokens; they cannot sign in until enabled. */
    async disable(login: string) {
      const found = await resolve(login);
      const user = { ...found, disabledAt: found.disabledAt ?? new Date() };
      await users.setDisabled(user.id, user.disabledAt);
      return { user, ended: await sessions.endAll(user.id) };
    },

    async enable(login: string) {
      const user = { ...(await resolve(login)), disabledAt: null };
      await users.setDisabled(user.id, null);
      return { user };
    },

    /** The account, its passkeys, memberships and links (foreign keys), and every session and token. */
    async delete(login: string) {
      const user = await resolve(login);
      const ended = await sessions.endAll(user.id);
      await users.delete(user.id);
      return { user, ended };
    },
  };
}

export type AccountAdmin = ReturnType<typeof createAccountAdmin>;
