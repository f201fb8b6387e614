import { parseDuration, stringOption, usageOn, UsageError, type ServiceCommand } from '../command.ts';
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
      const ttl = parseDuration(stringOption(values, 'expires') ?? DEFAULT_INVITE_TTL, 'expires');
      const fields = { username: stringOption(values, 'username'), email: stringOption(values, 'email') };
      // Wrong or taken values, and invitations with SIGNUP=closed, are mistakes in the call.
      const { link, url, username, email } = await usageOn(['signup_closed', 'invalid_request', 'conflict'], context.operations.invite(context.by, fields, ttl));
      const lines = [`Invitation (single use, until ${when(link.expiresAt)}):`, url];
      if (values['qr'] === true) lines.push('', await terminalQr(url));
      return { text: lines.join('\n'), json: { id: link.id, url, username, email, expiresAt: link.expiresAt.toISOString() } };
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
      const { link, url, user } = await usageOn(['account_disabled'], context.operations.recovery(context.by, login, ttl));
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
