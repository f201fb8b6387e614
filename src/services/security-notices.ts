import type { User } from '../db/entities/user.ts';
import type { MessageKey } from '../i18n/translator.ts';
import type { Logger } from '../lib/logger.ts';
import { describeDevice } from '../i18n/device-name.ts';
import { translationData } from '../i18n/translator.ts';
import { mailBranding, type MailBrandingConfig, type MailRequester } from './mail-branding.ts';
import type { Mailer } from './mailer.ts';

type Render = (template: string, data?: Record<string, unknown>) => string;

type Notice = 'passkey_added' | 'new_browser';

const SUBJECTS: Record<Notice, MessageKey> = { passkey_added: 'mail.notice.passkeyAdded.subject', new_browser: 'mail.notice.newBrowser.subject' };
const LEADS: Record<Notice, MessageKey> = { passkey_added: 'mail.notice.passkeyAdded.lead', new_browser: 'mail.notice.newBrowser.lead' };

/**
 * Emails that tell a person about a change they should recognise: a passkey added to their
 * account, or an emailed link used in a browser that had not signed in as them before
 * (NOTIFY_EMAILS). Sent after the fact and never in the way of it: a mail failure is logged.
 */
export function createSecurityNotices(deps: { mailer: Mailer; render: Render; config: MailBrandingConfig & { notifyEmails: boolean; issuer: string }; logger: Logger }) {
  const { mailer, render, config, logger } = deps;
  const branding = mailBranding(config);

  async function send(notice: Notice, user: User, requester: MailRequester, detail: Record<string, string> = {}): Promise<void> {
    if (!config.notifyEmails) return;
    const { i18n } = requester;
    const data = {
      ...branding,
      ...translationData(i18n),
      displayName: user.name ?? user.username,
      lead: i18n.t(LEADS[notice], { app: config.appName, name: detail['name'] ?? '' }),
      browser: describeDevice(i18n, requester.userAgent),
      ip: requester.ip,
      accountUrl: `${config.issuer.replace(/\/+$/, '')}/account`,
    };
    try {
      await mailer.send({
        to: user.email,
        subject: i18n.t(SUBJECTS[notice], { app: config.appName }),
        text: render('mail/security-notice.text.eta', data),
        html: render('mail/security-notice.html.eta', data),
      });
    } catch (error) {
      logger.warn({ err: error, userId: user.id, notice }, 'security notice not sent');
    }
  }

  return {
    passkeyAdded: (user: User, passkeyName: string, requester: MailRequester) => send('passkey_added', user, requester, { name: passkeyName }),
    newBrowser: (user: User, requester: MailRequester) => send('new_browser', user, requester),
  };
}

export type SecurityNotices = ReturnType<typeof createSecurityNotices>;
