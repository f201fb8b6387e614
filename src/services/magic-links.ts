import { createHash, timingSafeEqual } from 'node:crypto';
import type { User } from '../db/entities/user.ts';
import { AppError } from '../errors.ts';
import type { Translator } from '../i18n/translator.ts';
import type { Logger } from '../lib/logger.ts';
import { randomToken } from '../lib/random.ts';
import type { UsersRepository } from '../repositories/users.ts';
import type { MagicLinkRecord, MagicLinkStore } from '../stores/magic-links.ts';
import { codeMailData } from './mail-branding.ts';
import type { Mailer } from './mailer.ts';
import { argon2Hasher, CODE_PATTERN, MAX_CODE_ATTEMPTS, normaliseCode, randomCode, type PasswordHasher } from './one-time-codes.ts';


const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Renders a template under views/ (the same shape as http/views.ts `Render`). */
export type Render = (template: string, data?: Record<string, unknown>) => string;

export interface MagicLinksConfig {
  issuer: string;
  appName: string;
  appLogoUrl: string | undefined;
  appAccent: string;
  /** Seconds. */
  magicLinkTtl: number;
}

export interface MagicLinksDeps {
  store: MagicLinkStore;
  mailer: Mailer;
  render: Render;
  config: MagicLinksConfig;
  users: Pick<UsersRepository, 'findById' | 'markEmailVerified'>;
  logger: Logger;
  hash?: PasswordHasher;
}

export type ConfirmResult =
  /** firstVerification: this sign-in is the first proof that the account's owner holds the address. */
  | { ok: true; user: User; interactionUid: string; firstVerification: boolean }
  | { ok: false; reason: 'expired_or_used' | 'other_browser' | 'invalid' };

export type ConfirmCodeResult =
  | ConfirmResult
  | { ok: false; reason: 'wrong_code'; attemptsLeft: number }
  /** Not the shape of a code at all (length, alphabet): says so, and costs no try. */
  | { ok: false; reason: 'malformed' }
  | { ok: false; reason: 'too_many_attempts' };

export interface MagicLinkPeek {
  userId: string;
  displayName: string;
  interactionUid: string;
  expiresAt: Date;
  /** Whether `bindingValue` (the cookie) matches: false means the link was opened in another browser. */
  sameBrowser: boolean;
}

const sha256 = (value: string) => createHash('sha256').update(value).digest();

function sameBinding(record: MagicLinkRecord, bindingValue: string | undefined): boolean {
  if (!bindingValue) return false;
  return timingSafeEqual(sha256(bindingValue), Buffer.from(record.bindingHash, 'base64url'));
}

/**
 * Email sign-in: a scanner-safe link (confirmed by POST in the browser holding the binding cookie)
 * and a typed code for when the mail is read elsewhere. Secrets and codes are stored as argon2id
 * hashes; unknown ids cost no argon2 work; consuming is one atomic take.
 */
export function createMagicLinksService(deps: MagicLinksDeps) {
  const { store, mailer, render, config, users, logger } = deps;
  const hasher = deps.hash ?? argon2Hasher;
  const issuer = config.issuer.replace(/\/+$/, '');

  /** The winner of the atomic take signs in; everyone else learns the link is spent. */
  async function consume(record: MagicLinkRecord, via: 'link' | 'code'): Promise<ConfirmResult> {
    const taken = await store.take(record.id);
    if (!taken) return { ok: false, reason: 'expired_or_used' };
    const user = await users.findById(taken.userId);
    if (!user || user.disabledAt) {
      logger.warn({ userId: taken.userId, via }, 'email sign-in for a missing or disabled account refused');
      return { ok: false, reason: 'invalid' };
    }
    if (!user.emailVerified) await users.markEmailVerified(user.id);
    logger.info({ userId: user.id, via }, 'email sign-in confirmed');
    return { ok: true, user: { ...user, emailVerified: true }, interactionUid: taken.interactionUid, firstVerification: !user.emailVerified };
  }

  return {
    /**
     * Creates the record (replacing the user's previous one) and mails the link and code. The
     * caller sets `bindingValue` in an httpOnly cookie; only its SHA-256 is stored.
     */
    async request(input: { user: User; interactionUid: string; ip: string; userAgent: string | undefined; i18n: Translator }) {
      const { user, interactionUid, i18n } = input;
      const id = randomToken(16);
      const secret = randomToken(32);
      const code = randomCode();
      const bindingValue = randomToken(32);
      const [secretHash, codeHash] = await Promise.all([hasher.hash(secret), hasher.hash(code)]);
      const createdAt = Date.now();
      const expiresAt = createdAt + config.magicLinkTtl * 1000;
      await store.save(
        { id, secretHash, codeHash, userId: user.id, interactionUid, bindingHash: sha256(bindingValue).toString('base64url'), createdAt, expiresAt },
        config.magicLinkTtl,
      );

      const link = `${issuer}/email/${id}/${secret}`;
      const data = { ...codeMailData(config, code, input), displayName: user.name ?? user.username, link };
      try {
        await mailer.send(
          {
            to: user.email,
            subject: i18n.t('mail.signIn.subject', { app: config.appName }),
            text: render('mail/sign-in.text.eta', data),
            html: render('mail/sign-in.html.eta', data),
          },
          // Printed by the outbox in development only; production never prints links or codes.
          { devNote: `sign-in link for ${user.username}: ${link} (code ${data.code})` },
        );
      } catch (error) {
        await store.delete(id);
        logger.warn({ userId: user.id }, 'sign-in email not sent; its record was deleted');
        throw new AppError('mail_failed', { status: 503, expose: true, messageKey: 'error.mailFailed', cause: error });
      }
      logger.info({ userId: user.id }, 'sign-in email sent');
      return { bindingValue, expiresAt: new Date(expiresAt) };
    },

    /** For the GET confirm page: who the link is for. No argon2, consumes nothing. */
    async peek(id: string, bindingValue?: string): Promise<MagicLinkPeek | undefined> {
      if (!ID_PATTERN.test(id)) return undefined;
      const record = await store.get(id);
      if (!record) return undefined;
      const user = await users.findById(record.userId);
      if (!user || user.disabledAt) return undefined;
      return {
        userId: user.id,
        displayName: user.name ?? user.username,
        interactionUid: record.interactionUid,
        expiresAt: new Date(record.expiresAt),
        sameBrowser: sameBinding(record, bindingValue),
      };
    },

    /** The POST from the confirm page. A wrong or missing binding leaves the record usable. */
    async confirmLink(input: { id: string; secret: string; bindingValue: string | undefined }): Promise<ConfirmResult> {
      if (!ID_PATTERN.test(input.id) || !SECRET_PATTERN.test(input.secret)) return { ok: false, reason: 'invalid' };
      const record = await store.get(input.id);
      if (!record) return { ok: false, reason: 'expired_or_used' };
      if (!sameBinding(record, input.bindingValue)) return { ok: false, reason: 'other_browser' };
      if (!(await hasher.verify(record.secretHash, input.secret))) {
        logger.warn({ userId: record.userId }, 'email sign-in link with a wrong secret');
        return { ok: false, reason: 'invalid' };
      }
      return consume(record, 'link');
    },

    /** The code typed on the "Check your email" page of the interaction. */
    async confirmCode(input: { interactionUid: string; code: string; bindingValue: string | undefined }): Promise<ConfirmCodeResult> {
      const code = normaliseCode(input.code);
      if (!CODE_PATTERN.test(code)) return { ok: false, reason: 'malformed' };
      const record = await store.findByInteraction(input.interactionUid);
      if (!record) return { ok: false, reason: 'expired_or_used' };
      if (!sameBinding(record, input.bindingValue)) return { ok: false, reason: 'other_browser' };
      // Counted before verifying, atomically: parallel guesses cannot get more than five verifies.
      // An attempt beyond them is refused without voiding the email: the right code may be among
      // the five in flight (a double-clicked form), and exactly one of those signs in.
      const remainingTtl = Math.ceil((record.expiresAt - Date.now()) / 1000);
      const attempt = await store.countCodeAttempt(record.id, remainingTtl);
      if (attempt > MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
      if (await hasher.verify(record.codeHash, code)) return consume(record, 'code');
      const attemptsLeft = MAX_CODE_ATTEMPTS - attempt;
      if (attemptsLeft > 0) return { ok: false, reason: 'wrong_code', attemptsLeft };
      await store.delete(record.id);
      logger.warn({ userId: record.userId }, 'sign-in code invalidated after too many wrong tries');
      return { ok: false, reason: 'too_many_attempts' };
    },
  };
}

export type MagicLinksService = ReturnType<typeof createMagicLinksService>;
