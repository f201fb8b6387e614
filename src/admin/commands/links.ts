import { parseDuration, stringOption, UsageError, type ServiceCommand } from '../command.ts';
import { table, terminalQr, when } from '../output.ts';

const DEFAULT_INVITE_TTL = '7d';
const DEFAULT_RECOVERY_TTL = '1h';

export const linkCommands: ServiceCommand[] = [
  {
    words: ['invite'],
    usage: '[--username NAME] [--email ADDRESS] [--expires 7d] [--qr]',
    summary: 'a single-use signup link (works with SIGNUP=invite and open); optionally with the username or email fixed',
    options: { username: { type: 'string' }, email: { type: 'string' }, expires: { type: 'string' }, qr: { type: 'boolean' } },
    async run(context, { values }) {
      if (context.config.signup === 'closed') throw new UsageError('SIGNUP=closed: invitations cannot be used; set SIGNUP=invite (or open)');
      const ttl = parseDuration(stringOption(values, 'expires') ?? DEFAULT_INVITE_TTL, 'expires');
      const username = stringOption(values, 'username')?.trim().toLowerCase();
      const email = stringOption(values, 'email')?.trim().toLowerCase();
      for (const login of [username, email]) {
        if (login && (await context.accounts.exists(login))) {
          throw new UsageError(`"${login}" is already used by an account`);
        }
      }
      const { link, url } = await context.links.createInvite({ ...(username ? { username } : {}), ...(email ? { email } : {}), createdBy: context.actor }, ttl);
      await context.audit.recordOrThrow({ type: 'admin.invite_created', actor: context.actor, detail: { invite: link.id, username: username ?? null, email: email ?? null, expiresAt: link.expiresAt.toISOString() } });
      const lines = [`Invitation (single use, until ${when(link.expiresAt)}):`, url];
      if (values['qr'] === true) lines.push('', await terminalQr(url));
      return { text: lines.join('\n'), json: { id: link.id, url, username: username ?? null, email: email ?? null, expiresAt: link.expiresAt.toISOString() } };
    },
  },
  {
    words: ['invites', 'list'],
    usage: '',
    summary: 'invitations not used yet and not expired',
    async run(context) {
      const open = await context.links.listOpen('invite');
      const text = open.length === 0
        ? 'No open invitations.'
        : table(['id', 'username', 'email', 'expires', 'by'], open.map((l) => [l.id, l.username ?? '-', l.email ?? '-', when(l.expiresAt), l.createdBy]));
      return { text, json: open.map((l) => ({ id: l.id, username: l.username, email: l.email, expiresAt: l.expiresAt.toISOString(), createdBy: l.createdBy })) };
    },
  },
  {
    words: ['invites', 'revoke'],
    usage: '<id>',
    summary: 'withdraws an invitation',
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [id = ''] }) {
      if (!(await context.links.revoke(id))) throw new UsageError(`there is no invitation ${id}`);
      return { text: `Revoked invitation ${id}.`, json: { id, revoked: true } };
    },
  },
  {
    words: ['recovery'],
    usage: '<username|email|id> [--expires 1h]',
    summary: 'a single-use, short-lived link that lets a person who lost every passkey sign in and register a new one (URL and QR code)',
    options: { expires: { type: 'string' } },
    arguments: { min: 1, max: 1 },
    async run(context, { positionals: [login = ''], values }) {
      const ttl = parseDuration(stringOption(values, 'expires') ?? DEFAULT_RECOVERY_TTL, 'expires');
      const user = await context.accounts.resolve(login);
      if (user.disabledAt) throw new UsageError(`${user.username} is disabled: enable the account first (users enable ${user.username})`);
      const { link, url } = await context.links.createRecovery({ userId: user.id, createdBy: context.actor }, ttl);
      await context.audit.recordOrThrow({ type: 'admin.recovery_created', userId: user.id, actor: context.actor, detail: { link: link.id, expiresAt: link.expiresAt.toISOString() } });
      const text = [
        `Recovery link for ${user.username} (single use, until ${when(link.expiresAt)}). Give it to them in person or over a channel you trust:`,
        url,
        '',
        await terminalQr(url),
      ].join('\n');
      return { text, json: { id: link.id, userId: user.id, username: user.username, url, expiresAt: link.expiresAt.toISOString() } };
    },
  },
];
