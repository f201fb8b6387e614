import { describeDevice } from '../i18n/device-name.ts';
import { translationData, type Translator } from '../i18n/translator.ts';
import { textColourOn } from '../lib/colour-contrast.ts';

export interface MailBrandingConfig {
  issuer: string;
  appName: string;
  appLogoUrl: string | undefined;
  appAccent: string;
}

/** What every email template shows of the brand; the logo as an absolute URL (mail has no base). */
export function mailBranding(config: MailBrandingConfig) {
  const issuer = config.issuer.replace(/\/+$/, '');
  return {
    appName: config.appName,
    appAccent: config.appAccent,
    accentText: textColourOn(config.appAccent),
    logoUrl: config.appLogoUrl ? new URL(config.appLogoUrl, `${issuer}/`).href : undefined,
  };
}

/** "10 minutes", in the reader's language. */
export function expiresIn(i18n: Translator, seconds: number): string {
  return i18n.t('duration.minutes', { count: Math.max(1, Math.round(seconds / 60)) });
}

/** Who asked for a mail, for its "requested from" line, and the language it is written in. */
export interface MailRequester {
  ip: string;
  userAgent: string | undefined;
  i18n: Translator;
}

/** "ABCD2345" as the mail shows it: "ABCD-2345". */
export const shownCode = (code: string) => `${code.slice(0, 4)}-${code.slice(4)}`;

/**
 * What every mail with a typed code shows besides its own text: the brand, the translator, the
 * code, how long it works and who asked for it.
 */
export function codeMailData(config: MailBrandingConfig & { magicLinkTtl: number }, code: string, requester: MailRequester) {
  const { i18n } = requester;
  return {
    ...mailBranding(config),
    ...translationData(i18n),
    code: shownCode(code),
    expiresIn: expiresIn(i18n, config.magicLinkTtl),
    browser: describeDevice(i18n, requester.userAgent),
    ip: requester.ip,
  };
}
