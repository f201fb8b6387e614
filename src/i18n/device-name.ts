import { parseUserAgent } from '../lib/user-agent.ts';
import type { Translator } from './translator.ts';

/** "Chrome on Linux" in the reader's language; "an unknown browser" when the User-Agent says nothing we know. */
export function describeDevice(i18n: Translator, userAgent: string | undefined): string {
  const { browser, os } = parseUserAgent(userAgent);
  if (browser && os) return i18n.t('device.browserOn', { browser, os });
  if (browser) return browser;
  return os ? i18n.t('device.browserOnUnknown', { os }) : i18n.t('device.unknown');
}

/** A new passkey's name from the browser that created it; undefined when the browser is not one we know. */
export function passkeyNameFor(i18n: Translator, userAgent: string | undefined): string | undefined {
  return parseUserAgent(userAgent).browser ? describeDevice(i18n, userAgent) : undefined;
}
