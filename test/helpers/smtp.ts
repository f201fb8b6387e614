import type { AddressInfo } from 'node:net';
import PostalMime from 'postal-mime';
import type { Email } from 'postal-mime';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  /** The envelope recipients. */
  to: string[];
  /** Whether the message came over TLS (smtps:// or after STARTTLS). */
  secure: boolean;
  /** The authenticated user, when the client logged in. */
  user: string | undefined;
  raw: Buffer;
  parsed: Email;
}

export interface TestSmtpServer {
  port: number;
  /** The SMTP_URL that reaches this server (self-signed TLS is accepted for the secure modes). */
  url: string;
  mails: ReceivedMail[];
  /** Resolves with the next mail to `to` (or any), already received or arriving within `timeoutMs`. */
  waitForMail(to?: string, timeoutMs?: number): Promise<ReceivedMail>;
  /** The first mail to `to` (any case) not handed out yet, marked as handed out; undefined if none. */
  takeMail(to: string): ReceivedMail | undefined;
  /** Lets the process exit while the server still listens (a server shared by a whole test file). */
  unref(): void;
  close(): Promise<void>;
}

export interface SmtpServerOptions {
  /** 'plain': no TLS at all; 'starttls': upgrade offered (smtp://); 'tls': TLS from the start (smtps://). */
  mode?: 'plain' | 'starttls' | 'tls';
  /** When set, the server requires these credentials. */
  auth?: { user: string; pass: string };
}

/** Every test SMTP server of this process that is still open: a signup's code may go to any of them. */
export const LIVE_SERVERS = new Set<TestSmtpServer>();

/**
 * A real SMTP server on a free port (smtp-server, with its built-in self-signed certificate for
 * the TLS modes). Every delivered message is parsed with postal-mime.
 */
export async function startSmtpServer(options: SmtpServerOptions = {}): Promise<TestSmtpServer> {
  const mode = options.mode ?? 'plain';
  const mails: ReceivedMail[] = [];
  const waiters = new Set<{ to: string | undefined; resolve: (mail: ReceivedMail) => void }>();

  const server = new SMTPServer({
    secure: mode === 'tls',
    disabledCommands: mode === 'plain' ? ['STARTTLS'] : [],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        PostalMime.parse(raw).then(
          (parsed) => {
            const mail: ReceivedMail = {
              to: session.envelope.rcptTo.map((r) => r.address),
              secure: session.secure,
              user: typeof session.user === 'string' ? session.user : undefined,
              raw,
              parsed,
            };
            mails.push(mail);
            for (const waiter of waiters) {
              if (waiter.to === undefined || mail.to.includes(waiter.to)) {
                waiters.delete(waiter);
                waiter.resolve(mail);
              }
            }
            callback();
          },
          (error: Error) => callback(error),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;
  const auth = options.auth ? `${encodeURIComponent(options.auth.user)}:${encodeURIComponent(options.auth.pass)}@` : '';
  const scheme = mode === 'tls' ? 'smtps' : 'smtp';
  const query = mode === 'plain' ? '' : '?tls.rejectUnauthorized=false';
  const seen = new Set<ReceivedMail>();

  const testServer: TestSmtpServer = {
    port,
    url: `${scheme}://${auth}127.0.0.1:${port}${query}`,
    mails,
    waitForMail(to, timeoutMs = 10_000) {
      const already = mails.find((m) => !seen.has(m) && (to === undefined || m.to.includes(to)));
      if (already) {
        seen.add(already);
        return Promise.resolve(already);
      }
      return new Promise((resolve, reject) => {
        const waiter = {
          to,
          resolve: (mail: ReceivedMail) => {
            clearTimeout(timer);
            seen.add(mail);
            resolve(mail);
          },
        };
        const timer = setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`no mail${to ? ` to ${to}` : ''} within ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(waiter);
      });
    },
    takeMail(to) {
      const wanted = to.toLowerCase();
      const mail = mails.find((m) => !seen.has(m) && m.to.some((address) => address.toLowerCase() === wanted));
      if (mail) seen.add(mail);
      return mail;
    },
    unref: () => server.server.unref(),
    close: () => {
      LIVE_SERVERS.delete(testServer);
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  LIVE_SERVERS.add(testServer);
  return testServer;
}

/** A port on 127.0.0.1 that nothing listens on (bound once, then released). */
export { freePort as closedPort } from './ports.ts';
