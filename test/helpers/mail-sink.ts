/**
 * One real SMTP server per test process that every test app sends its mail to (unless a test
 * sets its own SMTP_URL), and a way to read the code mailed to an address from whichever test
 * SMTP server received it.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { LIVE_SERVERS, startSmtpServer, type ReceivedMail, type TestSmtpServer } from './smtp.ts';

let sink: Promise<TestSmtpServer> | undefined;

export function mailSink(): Promise<TestSmtpServer> {
  sink ??= startSmtpServer().then((server) => {
    server.unref();
    return server;
  });
  return sink;
}

/** The ABCD-2345 code in a mail. */
export function codeIn(mail: ReceivedMail): string {
  const code = /\b([2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4})\b/.exec(mail.parsed.text ?? '')?.[1];
  if (!code) throw new Error(`no code in the mail "${mail.parsed.subject}"`);
  return code;
}

/**
 * The next mail to `email` (any case) that no one has taken yet, on any open test SMTP server,
 * and its code. The mail counts as handed out there too, so a test's own waitForMail skips it.
 */
export async function nextCodeFor(email: string, timeoutMs = 10_000): Promise<{ mail: ReceivedMail; code: string }> {
  const mail = await nextMailFor(email, timeoutMs);
  return { mail, code: codeIn(mail) };
}

/** The next mail to `email` (any case) that no one has taken yet, on any open test SMTP server. */
export async function nextMailFor(email: string, timeoutMs = 10_000): Promise<ReceivedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    for (const server of LIVE_SERVERS) {
      const mail = server.takeMail(email);
      if (mail) return mail;
    }
    if (Date.now() > deadline) throw new Error(`no mail to ${email} within ${timeoutMs} ms`);
    await sleep(10);
  }
}
