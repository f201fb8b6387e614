import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Transporter } from 'nodemailer';
import { AppError } from '../errors.ts';
import type { Logger } from '../lib/logger.ts';
import { randomToken } from '../lib/random.ts';

export interface MailerConfig {
  /** smtp:// (STARTTLS when the server offers it) or smtps:// (TLS from the start); unset: the dev outbox. */
  smtpUrl: string | undefined;
  mailFrom: string;
  appName: string;
  dataDir: string;
  /**
   * Outbox only: production (reached only with UNSAFE_MAIL_OUTBOX=true) prints just the file of
   * each message, never its devNote, since stdout ends up in logs that others can read.
   */
  production: boolean;
  logger: Logger;
}

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
}

export interface SendOptions {
  /**
   * Outbox in development only: what the one stdout line says (e.g. the sign-in link). Never
   * printed in production, never used with SMTP.
   */
  devNote?: string;
}

export interface Mailer {
  /** Delivers one message; throws AppError `mail_failed` (503) when it could not. */
  send(message: MailMessage, options?: SendOptions): Promise<void>;
  close(): void;
}

/** Short enough that a dead mail server shows the person an error page instead of a hanging request. */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 10_000, dnsTimeout: 10_000 };

/**
 * Only these fields of a delivery error are logged: nothing of the message or credentials.
 * (`errorCode`, not `code`: the logger redacts every `code`, since sign-in codes go by that name.)
 */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { reason: String(error) };
  const { code, command, responseCode } = error as Error & { code?: unknown; command?: unknown; responseCode?: unknown };
  return { reason: error.message, errorCode: code, smtpCommand: command, responseCode };
}

/**
 * Mail over SMTP (nodemailer), or — with no SMTP_URL — the outbox: each message is written as an
 * .eml file (0600) under `<dataDir>/outbox/` and announced with one stdout line, which names only
 * the file in production.
 */
export function createMailer(config: MailerConfig): Mailer {
  const { smtpUrl, logger } = config;
  const from = { name: config.appName, address: config.mailFrom };
  const headers = { 'Auto-Submitted': 'auto-generated' };
  const outbox = path.join(config.dataDir, 'outbox');

  // nodemailer is loaded with the first message, not at start-up: most starts send none for a while.
  let transport: Promise<Transporter> | undefined;
  const transportNow = () =>
    (transport ??= import('nodemailer').then(({ createTransport }) =>
      smtpUrl ? createTransport({ url: smtpUrl, ...SMTP_TIMEOUTS }) : createTransport({ streamTransport: true, buffer: true, newline: 'unix' })));

  async function writeToOutbox(message: MailMessage, options: SendOptions): Promise<void> {
    const info = await (await transportNow()).sendMail({ from, headers, ...message });
    const raw = (info as { message: Buffer }).message;
    await mkdir(outbox, { recursive: true, mode: 0o700 });
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const file = path.join(outbox, `${stamp}-${randomToken(6)}.eml`);
    await writeFile(file, raw, { mode: 0o600 });
    if (config.production) {
      process.stdout.write(`mail outbox: ${file}\n`);
      return;
    }
    const note = options.devNote ?? `"${message.subject}" to ${message.to}`;
    process.stdout.write(`dev outbox: ${note} (${file})\n`);
  }

  return {
    async send(message, options = {}) {
      try {
        if (smtpUrl) await (await transportNow()).sendMail({ from, headers, ...message });
        else await writeToOutbox(message, options);
      } catch (error) {
        logger.error({ ...describeError(error), transport: smtpUrl ? 'smtp' : 'outbox' }, 'mail delivery failed');
        throw new AppError('mail_failed', { status: 503, expose: true, messageKey: 'error.mailFailed', cause: error });
      }
      logger.debug({ transport: smtpUrl ? 'smtp' : 'outbox' }, 'mail sent');
    },
    close() {
      void transport?.then((opened) => opened.close(), () => undefined);
    },
  };
}
