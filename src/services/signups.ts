import type { User } from '../db/entities/user.ts';
import { AppError } from '../errors.ts';
import type { Logger } from '../lib/logger.ts';
import { randomToken } from '../lib/random.ts';
import type { PendingSignupStore } from '../stores/pending-signups.ts';
import type { AccountsService, NewAccount, SignupErrors } from './accounts.ts';
import { codeMailData, type MailBrandingConfig, type MailRequester } from './mail-branding.ts';
import type { Mailer } from './mailer.ts';
import { argon2Hasher, CODE_PATTERN, MAX_CODE_ATTEMPTS, normaliseCode, randomCode, type PasswordHasher } from './one-time-codes.ts';

/** Renders a template under views/ (the same shape as http/views.ts `Render`). */
type Render = (template: string, data?: Record<string, unknown>) => string;

export interface SignupsDeps {
  store: PendingSignupStore;
  accounts: Pick<AccountsService, 'createVerified'>;
  mailer: Mailer;
  render: Render;
  /** `magicLinkTtl`: how long a signup code works, as long as a sign-in code. */
  config: MailBrandingConfig & { magicLinkTtl: number };
  logger: Logger;
  hash?: PasswordHasher;
}


export type VerifyResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'malformed' | 'too_many_attempts' | 'expired' }
  | { ok: false; reason: 'wrong_code'; attemptsLeft: number }
  /** Someone took the name or address while the code was on its way. */
  | { ok: false; reason: 'taken'; errors: SignupErrors };

/**
 * Signup proves the address before the account exists: the form's username and email wait in
 * the store with a mailed code, and only the right code creates the account, already verified.
 * So every account made here was made by the address's owner, and nobody can squat an address
 * they cannot read (the pre-hijacking that the first emailed sign-in otherwise warns about).
 */
export function createSignupsService(deps: SignupsDeps) {
  const { store, accounts, mailer, render, config, logger } = deps;
  const hasher = deps.hash ?? argon2Hasher;

  async function sendCode(interactionUid: string, account: { username: string; email: string }, requester: MailRequester): Promise<void> {
    const code = randomCode();
    await store.save(
      interactionUid,
      { ...account, codeId: randomToken(12), codeHash: await hasher.hash(code), expiresAt: Date.now() + config.magicLinkTtl * 1000 },
      config.magicLinkTtl,
    );
    const data = { ...codeMailData(config, code, requester), username: account.username };
    try {
      await mailer.send(
        {
          to: account.email,
          subject: requester.i18n.t('mail.verify.subject', { app: config.appName, code: data.code }),
          text: render('mail/verify-email.text.eta', data),
          html: render('mail/verify-email.html.eta', data),
        },
        { devNote: `signup code for ${account.username}: ${data.code}` },
      );
    } catch (error) {
      await store.delete(interactionUid);
      throw new AppError('mail_failed', { status: 503, expose: true, messageKey: 'error.mailFailed', cause: error });
    }
    logger.info({ interactionUid }, 'signup code sent');
  }

  return {
    /** Mails a code for a checked signup (accounts.checkSignup); nothing is created yet. */
    start: (interactionUid: string, account: NewAccount, requester: MailRequester) => sendCode(interactionUid, account, requester),

    /** The signup waiting in this sign-in, if any (the page shows its address). */
    pending: (interactionUid: string) => store.get(interactionUid),

    /** A fresh code for the waiting signup; the old one stops working. False when nothing waits. */
    async resend(interactionUid: string, requester: MailRequester): Promise<boolean> {
      const pending = await store.get(interactionUid);
      if (!pending) return false;
      await sendCode(interactionUid, { username: pending.username, email: pending.email }, requester);
      return true;
    },

    /** `claim`, when given, must say yes (an invitation used up) before the account is created. */
    async verify(interactionUid: string, typed: string, claim?: () => Promise<boolean>): Promise<VerifyResult> {
      const code = normaliseCode(typed);
      if (!CODE_PATTERN.test(code)) return { ok: false, reason: 'malformed' };
      const pending = await store.get(interactionUid);
      if (!pending) return { ok: false, reason: 'expired' };
      // Counted before verifying, atomically: parallel guesses get five verifies in all.
      const remaining = Math.ceil((pending.expiresAt - Date.now()) / 1000);
      const attempt = await store.countAttempt(pending.codeId, remaining);
      if (attempt > MAX_CODE_ATTEMPTS) return { ok: false, reason: 'too_many_attempts' };
      if (!(await hasher.verify(pending.codeHash, code))) {
        const attemptsLeft = MAX_CODE_ATTEMPTS - attempt;
        if (attemptsLeft > 0) return { ok: false, reason: 'wrong_code', attemptsLeft };
        await store.delete(interactionUid);
        return { ok: false, reason: 'too_many_attempts' };
      }
      const taken = await store.take(interactionUid);
      if (!taken || taken.codeId !== pending.codeId) return { ok: false, reason: 'expired' };
      if (claim && !(await claim())) return { ok: false, reason: 'expired' };
      const created = await accounts.createVerified({ username: taken.username, email: taken.email });
      if (!created.ok) return { ok: false, reason: 'taken', errors: created.errors };
      logger.info({ userId: created.user.id }, 'account created with a verified address');
      return created;
    },
  };
}

export type SignupsService = ReturnType<typeof createSignupsService>;
