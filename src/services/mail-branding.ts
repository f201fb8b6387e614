import type { Translator } from '../i18n/translator.ts';
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
