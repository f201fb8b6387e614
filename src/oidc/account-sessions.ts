import type { KeyValueStore } from '../stores/key-value.ts';
import { accountIndexKey, grantKey, modelKey } from './adapter.ts';

/** A provider session of a person: one browser where they are signed in. */
export interface AccountSession {
  id: string;
  /** When they signed in there (seconds since the epoch, as oidc-provider keeps it). */
  loginTs: number | undefined;
  /** The apps that signed in through this session. */
  clientIds: string[];
}

/** An app's standing access to the account: a grant, and whether it holds refresh tokens. */
export interface AccountGrant {
  id: string;
  clientId: string;
  hasRefreshToken: boolean;
}

interface SessionPayload {
  accountId?: string;
  loginTs?: number;
  authorizations?: Record<string, { grantId?: string; persistsLogout?: boolean }>;
}

interface GrantPayload {
  accountId?: string;
  clientId?: string;
}

/**
 * Reads and ends a person's sessions and grants in oidc-provider's storage, through the account
 * index the adapter keeps. Ending a grant ends every token issued from it (refresh tokens too).
 */
export function createAccountSessions(store: KeyValueStore) {
  async function payloads<T extends { accountId?: string }>(accountId: string, model: 'Session' | 'Grant'): Promise<Array<{ id: string; payload: T }>> {
    const index = accountIndexKey(accountId, model);
    const ids = await store.members(index);
    const found = await Promise.all(ids.map(async (id) => ({ id, raw: await store.get(modelKey(model, id)) })));
    // An expired entry leaves its id in the index (an ended one takes it along: adapter.ts): tidied here.
    const expired = found.filter(({ raw }) => raw === undefined).map(({ id }) => id);
    if (expired.length > 0) await store.removeFromSet(index, ...expired);
    return found.flatMap(({ id, raw }) => {
      if (raw === undefined) return [];
      const payload = JSON.parse(raw) as T;
      return payload.accountId === accountId ? [{ id, payload }] : [];
    });
  }

  async function revokeGrant(grantId: string): Promise<void> {
    const keys = await store.members(grantKey(grantId));
    await store.delete(...keys, grantKey(grantId), modelKey('Grant', grantId));
  }

  /**
   * Signs a browser out: the session and the grants made through it, except those that outlive
   * a sign-out by design (offline_access, as oidc-provider's own logout keeps them): those end
   * with "End access" for their app, or with endAll.
   */
  async function endSessionRecord(id: string, payload: SessionPayload): Promise<void> {
    for (const { grantId, persistsLogout } of Object.values(payload.authorizations ?? {})) {
      if (grantId && !persistsLogout) await revokeGrant(grantId);
    }
    await store.delete(modelKey('Session', id));
  }

  return {
    async sessions(accountId: string): Promise<AccountSession[]> {
      return (await payloads<SessionPayload>(accountId, 'Session'))
        .map(({ id, payload }) => ({ id, loginTs: payload.loginTs, clientIds: Object.keys(payload.authorizations ?? {}) }))
        .sort((a, b) => (b.loginTs ?? 0) - (a.loginTs ?? 0));
    },

    async grants(accountId: string): Promise<AccountGrant[]> {
      const grants = await payloads<GrantPayload>(accountId, 'Grant');
      return Promise.all(
        grants.map(async ({ id, payload }) => ({
          id,
          clientId: payload.clientId ?? '',
          hasRefreshToken: (await store.members(grantKey(id))).some((key) => key.startsWith(modelKey('RefreshToken', ''))),
        })),
      );
    },

    /** Ends one session (signing that browser out) and the grants made through it; false if it is not theirs. */
    async endSession(accountId: string, sessionId: string): Promise<boolean> {
      const session = (await payloads<SessionPayload>(accountId, 'Session')).find((s) => s.id === sessionId);
      if (!session) return false;
      await endSessionRecord(session.id, session.payload);
      return true;
    },

    /** Ends one app's access (its refresh tokens stop working); false if the grant is not theirs. */
    async revokeGrant(accountId: string, grantId: string): Promise<boolean> {
      const grant = (await payloads<GrantPayload>(accountId, 'Grant')).find((g) => g.id === grantId);
      if (!grant) return false;
      await revokeGrant(grant.id);
      return true;
    },

    /** Every session and every grant of the account: signed out everywhere, every token dead. */
    async endAll(accountId: string): Promise<{ sessions: number; grants: number }> {
      const [sessions, grants] = await Promise.all([payloads<SessionPayload>(accountId, 'Session'), payloads<GrantPayload>(accountId, 'Grant')]);
      for (const { id, payload } of sessions) await endSessionRecord(id, payload);
      for (const { id } of grants) await revokeGrant(id);
      await store.delete(accountIndexKey(accountId, 'Session'), accountIndexKey(accountId, 'Grant'));
      return { sessions: sessions.length, grants: grants.length };
    },
  };
}

export type AccountSessions = ReturnType<typeof createAccountSessions>;
