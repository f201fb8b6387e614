import type Provider from 'oidc-provider';
import type { AuditLog } from '../audit/audit-log.ts';
import { detailOf } from '../audit/audit-log.ts';
import type { AuditEvent } from '../db/entities/audit-event.ts';
import { describeDevice } from '../i18n/device-name.ts';
import type { MessageKey, Translator } from '../i18n/translator.ts';
import { ACCOUNT_CLIENT_ID } from '../oidc/account-client.ts';
import type { AccountSessions } from '../oidc/account-sessions.ts';

/** Activity the account page shows: what the person would recognise as theirs (or not). */
const ACTIVITY: Partial<Record<string, MessageKey>> = {
  sign_in: 'activity.sign_in',
  sign_in_failed: 'activity.sign_in_failed',
  signup: 'activity.signup',
  passkey_added: 'activity.passkey_added',
  passkey_renamed: 'activity.passkey_renamed',
  passkey_removed: 'activity.passkey_removed',
  email_sent: 'activity.email_sent',
  recovery_used: 'activity.recovery_used',
  sessions_ended: 'activity.sessions_ended',
  'admin.user_disabled': 'activity.admin',
  'admin.user_enabled': 'activity.admin',
  'admin.recovery_created': 'activity.admin',
  'admin.group_member_added': 'activity.admin',
  'admin.group_member_removed': 'activity.admin',
  'admin.user_attributes_set': 'activity.admin',
  'admin.user_attributes_unset': 'activity.admin',
};

export interface OverviewDeps {
  provider: Provider;
  audit: Pick<AuditLog, 'forUser'>;
  accountSessions: Pick<AccountSessions, 'sessions' | 'grants'>;
}

/** The account page's "Recent activity", "Where you are signed in" and "Apps with access". */
export async function accountOverview(deps: OverviewDeps, i18n: Translator, userId: string, currentSessionId: string) {
  const [events, sessions, grants] = await Promise.all([
    deps.audit.forUser(userId, 15),
    deps.accountSessions.sessions(userId),
    deps.accountSessions.grants(userId),
  ]);
  const names = new Map<string, string>();
  async function appName(clientId: string | null | undefined): Promise<string> {
    if (!clientId) return '';
    if (!names.has(clientId)) {
      const client = await deps.provider.Client.find(clientId);
      names.set(clientId, client?.clientName ?? clientId);
    }
    return names.get(clientId) ?? clientId;
  }
  const describe = async (event: AuditEvent) => {
    const key = ACTIVITY[event.type];
    if (!key) return [];
    const detail = detailOf(event);
    const text = i18n.t(key, { app: await appName(event.clientId), name: typeof detail['name'] === 'string' ? detail['name'] : '' });
    return [{ text, device: event.userAgent ? describeDevice(i18n, event.userAgent) : '', ago: i18n.ago(event.at), at: event.at.toISOString() }];
  };
  return {
    activity: (await Promise.all(events.map(describe))).flat(),
    sessions: await Promise.all(sessions.map(async (session) => ({
      id: session.id,
      current: session.id === currentSessionId,
      since: session.loginTs ? i18n.ago(new Date(session.loginTs * 1000)) : '',
      apps: (await Promise.all(session.clientIds.filter((id) => id !== ACCOUNT_CLIENT_ID).map(appName))).filter(Boolean),
    }))),
    apps: await Promise.all(grants.filter((grant) => grant.hasRefreshToken).map(async (grant) => ({ id: grant.id, name: await appName(grant.clientId) }))),
  };
}
