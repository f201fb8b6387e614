import { formatClientsSummary, loadClientFiles } from '../../config/clients.ts';
import { applyMigrations, connectDatabase, createDataSource } from '../../db/data-source.ts';
import { ConfigError } from '../../errors.ts';
import { createSigningKeysRepository } from '../../repositories/signing-keys.ts';
import { LONGEST_TOKEN_LIFETIME_SECONDS } from '../../oidc/configuration.ts';
import { KEY_REFRESH_INTERVAL_MS } from '../../oidc/key-refresh.ts';
import { createKeysService, type KeyInfo } from '../../services/keys.ts';
import type { AdminContext } from '../context.ts';
import { stringOption, UsageError, type AdminCommand } from '../command.ts';
import { table, when } from '../output.ts';
import type { AuditEventType } from '../../audit/events.ts';
import { AUDIT_EVENT_TYPES } from '../../audit/events.ts';
import { detailOf } from '../../audit/audit-log.ts';

/** Clients, keys, the schema and the audit trail: what an operator checks rather than changes. */
export const systemCommands: AdminCommand[] = [
  {
    words: ['clients', 'list'],
    usage: '',
    summary: 'the client files in CLIENTS_DIR, as the server loads them',
    standalone: true,
    async run({ config, env }) {
      const clients = await loadClientFiles(config.clientsDir, env);
      const json = clients.map(({ file, client }) => ({
        clientId: client.client_id,
        file,
        firstParty: client.first_party,
        public: client.token_endpoint_auth_method === 'none',
        redirectUris: client.redirect_uris,
        allowedGroups: client.allowed_groups ?? null,
      }));
      return { text: clients.length === 0 ? `No client files in ${config.clientsDir}.` : formatClientsSummary(clients).join('\n'), json };
    },
  },
  {
    words: ['clients', 'check'],
    usage: '',
    summary: 'checks every client file; exit 1 with one line per problem (file, field, what is wrong)',
    standalone: true,
    async run({ config, env }) {
      try {
        const clients = await loadClientFiles(config.clientsDir, env);
        const warnings = clients.flatMap((c) => c.warnings);
        return {
          text: [...formatClientsSummary(clients), ...warnings.map((w) => `warning: ${w}`), `${clients.length} client(s) OK in ${config.clientsDir}`].join('\n'),
          json: { ok: true, clients: clients.map((c) => c.client.client_id), warnings },
        };
      } catch (error) {
        if (error instanceof ConfigError) throw new UsageError(error.lines.join('\n'));
        throw error;
      }
    },
  },
  {
    words: ['db', 'migrate'],
    usage: '',
    summary: 'applies pending database migrations (for MIGRATIONS=false deployments)',
    standalone: true,
    async run({ config, logger, databaseSchema }) {
      const dataSource = createDataSource({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, schema: databaseSchema });
      await connectDatabase(dataSource, { runMigrations: false, logger, timeoutMs: 10_000 });
      try {
        const applied = await applyMigrations(dataSource);
        return { text: applied.length === 0 ? 'The schema is up to date.' : `Applied ${applied.join(', ')}.`, json: { applied } };
      } finally {
        await dataSource.destroy();
      }
    },
  },
  {
    words: ['keys', 'list'],
    usage: '',
    summary: 'signing keys: algorithm, key id, state (pending, active, retired), created, key-encryption key',
    async run(context) {
      const now = new Date();
      const keys = await keysService(context).list();
      return {
        text: table(['alg', 'kid', 'state', 'created', 'encrypted with'], keys.map((k) => [k.alg, k.kid, describeState(k, now), when(k.createdAt), k.encryptedWith ?? '-'])),
        json: keys.map((k) => ({
          alg: k.alg,
          kid: k.kid,
          state: k.state,
          createdAt: k.createdAt.toISOString(),
          activatesAt: k.activatesAt.toISOString(),
          retiredAt: k.retiredAt?.toISOString() ?? null,
          publishedUntil: k.publishedUntil?.toISOString() ?? null,
          encryptedWith: k.encryptedWith,
        })),
      };
    },
  },
  {
    words: ['keys', 'rotate'],
    usage: '[--overlap 1h]',
    summary: 'new signing keys: published at once, signing after the overlap; the old ones then stay published for the longest token lifetime',
    options: { overlap: { type: 'string' } },
    async run(context, { values }) {
      const overlapSeconds = parseOverlap(stringOption(values, 'overlap') ?? DEFAULT_OVERLAP);
      const rotation = await keysService(context).rotate({ overlapMs: overlapSeconds * 1000 });
      const kids = (keys: Array<{ alg: string; kid: string }>) => keys.map((k) => `${k.alg}:${k.kid}`).join(' ');
      await context.audit.recordOrThrow({
        type: 'admin.keys_rotated',
        actor: context.actor,
        detail: { added: kids(rotation.added), retiring: kids(rotation.retiring), activatesAt: rotation.activatesAt.toISOString(), overlapSeconds },
      });
      const graceDays = Math.round(LONGEST_TOKEN_LIFETIME_SECONDS / 86_400);
      const lines = [
        `New signing keys, published now, signing from ${when(rotation.activatesAt)}:`,
        ...rotation.added.map((k) => `  ${k.alg.padEnd(6)} ${k.kid}`),
        `The keys they replace sign until then, and stay published until ${when(rotation.retiringPublishedUntil)} (the longest token lifetime, ${graceDays} days).`,
        `Running servers read the new keys within ${KEY_REFRESH_INTERVAL_MS / 1000} s.`,
      ];
      if (overlapSeconds * 1000 < KEY_REFRESH_INTERVAL_MS) {
        lines.push(`warning: an overlap under ${KEY_REFRESH_INTERVAL_MS / 1000} s: a server may sign with a new key before another publishes it, and before apps refetch the JWKS; use at least 5m in production`);
      }
      return {
        text: lines.join('\n'),
        json: {
          activatesAt: rotation.activatesAt.toISOString(),
          added: rotation.added,
          retiring: rotation.retiring,
          retiringPublishedUntil: rotation.retiringPublishedUntil.toISOString(),
        },
      };
    },
  },
  {
    words: ['audit'],
    usage: '[--user LOGIN] [--type TYPE] [--limit N]',
    summary: 'the audit trail, newest first',
    options: { user: { type: 'string' }, type: { type: 'string' }, limit: { type: 'string' } },
    async run(context, { values }) {
      const type = stringOption(values, 'type');
      if (type && !(AUDIT_EVENT_TYPES as readonly string[]).includes(type)) throw new UsageError(`--type must be one of ${AUDIT_EVENT_TYPES.join(', ')}`);
      const limit = Number(stringOption(values, 'limit') ?? 50);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
      const login = stringOption(values, 'user');
      const userId = login ? (await context.accounts.resolve(login)).id : undefined;
      const events = await context.audit.list({ ...(userId ? { userId } : {}), ...(type ? { type: type as AuditEventType } : {}), limit });
      const rows = events.map((e) => [when(e.at), e.type, e.userId ?? '-', e.actor ?? '-', e.clientId ?? '-', e.ip ?? '-', e.detail ?? '']);
      return {
        text: events.length === 0 ? 'No events.' : table(['at', 'type', 'user', 'actor', 'app', 'ip', 'detail'], rows),
        json: events.map((e) => ({ ...e, at: e.at.toISOString(), detail: detailOf(e) })),
      };
    },
  },
];

/** The server's keys service, with this environment's KEY_ENCRYPTION_KEYS. */
function keysService(context: AdminContext) {
  return createKeysService({
    repository: createSigningKeysRepository(context.dataSource),
    keyEncryptionKeys: context.config.keyEncryptionKeys,
    retiredGraceMs: LONGEST_TOKEN_LIFETIME_SECONDS * 1000,
  });
}

function describeState(key: KeyInfo, now: Date): string {
  if (key.state === 'pending') return `pending, signs from ${when(key.activatesAt)}`;
  if (key.state === 'active') return key.retiredAt ? `active until ${when(key.retiredAt)}` : 'active';
  const published = key.publishedUntil && key.publishedUntil > now;
  return `retired ${when(key.retiredAt as Date)}, ${published ? `published until ${when(key.publishedUntil as Date)}` : 'no longer published'}`;
}

const DEFAULT_OVERLAP = '1h';
const MAX_OVERLAP_SECONDS = 30 * 86_400;

/**
 * --overlap: how long new keys are published before they sign ("90s", "30m", "1h", "2d"; 0 for
 * tests). Apps that cached the JWKS must have refetched it by then.
 */
function parseOverlap(text: string): number {
  const match = /^(\d+)\s*([smhd]?)$/.exec(text.trim());
  const seconds = match ? Number(match[1]) * { '': 1, s: 1, m: 60, h: 3600, d: 86_400 }[match[2] as '' | 's' | 'm' | 'h' | 'd'] : NaN;
  if (!Number.isSafeInteger(seconds) || seconds > MAX_OVERLAP_SECONDS) {
    throw new UsageError(`--overlap "${text}" is not a duration up to 30 days; use e.g. 1h (the default), 30m or 1d`);
  }
  return seconds;
}
