import type Provider from 'oidc-provider';
import { AppError } from '../errors.ts';
import { describeDevice } from '../i18n/device-name.ts';
import type { Translator } from '../i18n/translator.ts';
import { parseUserAgent } from '../lib/user-agent.ts';
import { formatUserCode } from '../oidc/device-flow.ts';
import type { AccountsService } from '../services/accounts.ts';
import type { Interaction } from './interaction.ts';
import { describedScopes } from './scopes.ts';
import type { PageData } from './views.ts';

/** A User-Agent as the page shows it: a device may send anything, at any length. */
const MAX_USER_AGENT_LENGTH = 160;

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string') return undefined;
  // Control characters would only garble the page (the template escapes the rest).
  const clean = value.replace(/[\p{Cc}\p{Cf}]/gu, '').trim();
  if (!clean) return undefined;
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

/**
 * The "Allow this device?" page of a device sign-in (RFC 8628), the consent interaction of
 * oidc/device-flow.ts: who is signed in, which app, the code (to compare with the device's), the
 * device as it introduced itself (its address and User-Agent, oidc-provider's deviceInfo) and
 * what the app will get. The form posts to the consent route, as the consent page does.
 */
export async function deviceConfirmation(
  deps: { provider: Provider; accounts: Pick<AccountsService, 'findActive'> },
  i18n: Translator,
  details: Interaction,
): Promise<PageData> {
  const code = details.deviceCode
    ? await deps.provider.DeviceCode.find(details.deviceCode, { ignoreExpiration: true })
    : undefined;
  if (!code || code.isExpired || code.error || code.accountId) {
    throw new AppError('expired_token', { status: 400, messageKey: 'deviceFlow.error.invalid' });
  }
  const user = details.session?.accountId ? await deps.accounts.findActive(details.session.accountId) : null;
  const info = code.deviceInfo ?? {};
  const userAgent = text(info['ua'], MAX_USER_AGENT_LENGTH);
  // "Chrome on Android" for a User-Agent we recognise; a TV app's or a CLI's is shown as it is.
  const known = parseUserAgent(userAgent);
  return {
    title: 'deviceFlow.confirm.title',
    userCode: formatUserCode(code.userCode),
    username: user?.username,
    deviceName: known.browser || known.os ? describeDevice(i18n, userAgent) : undefined,
    userAgent,
    ip: text(info['ip'], 64),
    scopes: describedScopes(String(details.params['scope'] ?? '').split(' ')),
  };
}
