import { readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.ts';
import { parseRedisUrl } from './redis-url.ts';
import { parseKeyEncryptionKeys, type KeyEncryptionKey } from './key-encryption-keys.ts';
import { parseRelatedOrigins } from './related-origins.ts';
import { isLanguage, SUPPORTED_LANGUAGES, type Language } from '../i18n/languages.ts';

/** Everything the app needs from its environment, parsed and checked once at start-up. */
export interface AppConfig {
  production: boolean;
  port: number;
  host: string;
  /** Issuer without a trailing slash, e.g. `https://id.example.com`. */
  issuer: string;
  /** WebAuthn relying-party id: the issuer's hostname. */
  rpId: string;
  /** WebAuthn expected origin: the issuer's origin. */
  origin: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  clientsDir: string;
  dataDir: string;
  /** Cookie signing keys, newest first; undefined means "generate once into dataDir" (dev only). */
  secretKeys: string[] | undefined;
  /** Which reverse proxies' X-Forwarded-For we believe (see trust-proxy.ts); `{ hops: 0 }` by default. */
  trustProxy: TrustProxy;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** `pretty` (readable lines) by default in development, `json` in production. */
  logFormat: 'json' | 'pretty';
  /** open: anyone; invite: only through an invitation link (admin CLI); closed: no signup. */
  signup: 'open' | 'invite' | 'closed';
  appName: string;
  appLogoUrl: string | undefined;
  appAccent: string;
  /** Languages of the hosted pages and emails (APP_LANGUAGES); the first is the fallback. */
  appLanguages: Language[];
  /** Lifetime of an emailed sign-in link and code, in seconds. */
  magicLinkTtl: number;
  /** Days audit events are kept (AUDIT_RETENTION_DAYS). */
  auditRetentionDays: number;
  /** Email people when a passkey is added or an emailed link is used in a new browser. */
  notifyEmails: boolean;
  migrations: boolean;
  /**
   * Production without SMTP_URL, on the operator's explicit word: mail goes only to .eml files in
   * `dataDir/outbox`, which then hold working sign-in links and codes.
   */
  unsafeMailOutbox: boolean;
  /** A separate listener for GET /metrics (on `host`); unset: none. */
  metricsPort: number | undefined;
  /** Bearer token a scrape must send; with no metricsPort, /metrics is served on the main port only then. */
  metricsToken: string | undefined;
  /** Keys that encrypt the private signing keys at rest, newest first; empty: stored unencrypted. */
  keyEncryptionKeys: KeyEncryptionKey[];
  /** Other origins whose passkey ceremonies count for this RP ID (WEBAUTHN_RELATED_ORIGINS, related-origins.ts); ISSUER's origin not included. */
  relatedOrigins: string[];
}

type Env = Record<string, string | undefined>;

/** Variables that may hold secrets: they also accept `NAME_FILE` and are never echoed in errors. */
const SECRET_VARIABLES = ['DATABASE_URL', 'REDIS_URL', 'SMTP_URL', 'SECRET_KEYS', 'METRICS_TOKEN', 'KEY_ENCRYPTION_KEYS'] as const;

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const booleanText = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no'].includes(v), 'is not a boolean; use true or false')
  .transform((v) => ['true', '1', 'yes'].includes(v));

function urlWithSchemes(schemes: string[], example: string) {
  return z.string().trim().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    },
    `is not a ${schemes.map((s) => `${s}://`).join(' or ')} URL; use e.g. ${example}`,
  );
}

const schema = z.object({
  NODE_ENV: z.string().optional(),
  PORT: z.coerce
    .number({ error: 'is not a port number; use 1-65535' })
    .int('is not a whole number; use 1-65535')
    .min(1, 'is out of range; use 1-65535')
    .max(65535, 'is out of range; use 1-65535')
    .default(3000),
  HOST: z.string().trim().min(1, 'is empty; use e.g. 127.0.0.1 or 0.0.0.0').default('127.0.0.1'),
  ISSUER: z.string().trim().optional(),
  DATABASE_URL: urlWithSchemes(['postgres', 'postgresql'], 'postgres://user:pass@db:5432/idp').optional(),
  // One server, a Sentinel deployment or a Cluster (redis-url.ts); stays a string, the store parses it again.
  REDIS_URL: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      const parsed = parseRedisUrl(value);
      if ('problem' in parsed) ctx.addIssue({ code: 'custom', message: parsed.problem });
    })
    .optional(),
  SMTP_URL: urlWithSchemes(['smtp', 'smtps'], 'smtps://user:pass@mail.example.com:465').optional(),
  MAIL_FROM: z.email('is not an email address; use e.g. no-reply@example.com').optional(),
  CLIENTS_DIR: z.string().trim().min(1, 'is empty; use a folder path').default('./clients'),
  DATA_DIR: z.string().trim().min(1, 'is empty; use a folder path').default('./data'),
  SECRET_KEYS: z
    .string()
    .transform((v) => v.split(',').map((k) => k.trim()).filter(Boolean))
    .refine((keys) => keys.length > 0, 'has no keys; give comma-separated random strings, newest first')
    .refine(
      (keys) => keys.every((k) => k.length >= 32),
      'has a key shorter than 32 characters; generate each with `openssl rand -base64 32`',
    )
    .optional(),
  TRUST_PROXY: z
    .string()
    .transform((value, ctx): TrustProxy => {
      const parsed = parseTrustProxy(value);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed;
    })
    .default({ hops: 0 }),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      error: 'is not a log level; use one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  LOG_FORMAT: z.enum(['json', 'pretty'], { error: 'is not a log format; use json or pretty' }).optional(),
  SIGNUP: z.enum(['open', 'invite', 'closed'], { error: 'is not open, invite or closed' }).default('open'),
  APP_NAME: z.string().trim().min(1, 'is empty').max(60, 'is longer than 60 characters').default('Passkey ID'),
  APP_LOGO_URL: z
    .string()
    .trim()
    .refine(
      (v) => v.startsWith('/') ? !v.startsWith('//') : /^https:\/\/[^\s"'<>]+$/.test(v),
      'is not an https:// URL or a path starting with /',
    )
    .optional(),
  APP_ACCENT: z
    .string()
    .trim()
    .regex(/^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, 'is not a hex colour; use e.g. #4f46e5')
    .default('#4f46e5'),
  APP_LANGUAGES: z
    .string()
    .transform((value, ctx): Language[] => {
      const tags = [...new Set(value.split(',').map((tag) => tag.trim().toLowerCase()).filter(Boolean))];
      const unknown = tags.filter((tag) => !isLanguage(tag));
      if (tags.length === 0 || unknown.length > 0) {
        ctx.addIssue({ code: 'custom', message: `${unknown.length ? `has ${unknown.join(', ')}, which` : 'is empty; it'} must be a comma-separated list of ${SUPPORTED_LANGUAGES.join(', ')}` });
        return z.NEVER;
      }
      return tags as Language[];
    })
    .default([...SUPPORTED_LANGUAGES]),
  MAGIC_LINK_TTL: z.coerce
    .number({ error: 'is not a number of seconds' })
    .int('is not a whole number of seconds')
    .min(60, 'is shorter than 60 seconds')
    .max(86400, 'is longer than a day (86400 seconds)')
    .default(600),
  MIGRATIONS: booleanText.default(true),
  NOTIFY_EMAILS: booleanText.default(true),
  AUDIT_RETENTION_DAYS: z.coerce
    .number({ error: 'is not a number of days' })
    .int('is not a whole number of days')
    .min(1, 'is shorter than a day')
    .max(3650, 'is longer than ten years (3650 days)')
    .default(365),
  UNSAFE_MAIL_OUTBOX: booleanText.default(false),
  METRICS_PORT: z.coerce
    .number({ error: 'is not a port number; use 1-65535, e.g. 9464' })
    .int('is not a whole number; use 1-65535, e.g. 9464')
    .min(1, 'is out of range; use 1-65535, e.g. 9464')
    .max(65535, 'is out of range; use 1-65535, e.g. 9464')
    .optional(),
  // Sent by Prometheus in a header: printable ASCII without spaces, long enough not to be guessed.
  METRICS_TOKEN: z
    .string()
    .trim()
    .superRefine((value, ctx) => {
      if (!/^[\x21-\x7e]*$/.test(value)) ctx.addIssue({ code: 'custom', message: 'has spaces or characters other than printable ASCII; generate one with `openssl rand -hex 32`' });
      else if (value.length < 32) ctx.addIssue({ code: 'custom', message: 'is shorter than 32 characters; generate one with `openssl rand -hex 32`' });
    })
    .optional(),
  // Encrypts the private signing keys in the database (key-encryption-keys.ts); never echoed.
  // Checked after ISSUER (related-origins.ts): the list may not repeat ISSUER's origin, which counts towards its limit.
  WEBAUTHN_RELATED_ORIGINS: z.string().optional(),
  KEY_ENCRYPTION_KEYS: z
    .string()
    .transform((value, ctx): KeyEncryptionKey[] => {
      const parsed = parseKeyEncryptionKeys(value);
      if ('problem' in parsed) {
        ctx.addIssue({ code: 'custom', message: parsed.problem });
        return z.NEVER;
      }
      return parsed.keys;
    })
    .optional(),
});

/** Every variable the app reads (NODE_ENV aside), for docs and the packaging test. */
export const ENV_VARIABLES: readonly string[] = Object.keys(schema.shape).filter((name) => name !== 'NODE_ENV');
export const SECRET_FILE_VARIABLES: readonly string[] = SECRET_VARIABLES.map((name) => `${name}_FILE`);

/**
 * Reads `NAME_FILE` variants (Docker/Kubernetes secrets) into `NAME`. Setting both is an error,
 * so a stale value can never silently win.
 */
function resolveSecretFiles(env: Env, readFile: (file: string) => string, problems: string[]): Env {
  const resolved: Env = { ...env };
  for (const name of SECRET_VARIABLES) {
    const file = env[`${name}_FILE`];
    if (file === undefined || file === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      problems.push(`${name}_FILE: both ${name} and ${name}_FILE are set; keep only one`);
      continue;
    }
    try {
      resolved[name] = readFile(file).trim();
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push(`${name}_FILE: cannot read ${file} (${reason}); point it at a readable file`);
    }
  }
  return resolved;
}

/** Empty strings mean "unset", as in most .env tooling. */
function dropEmpty(env: Env): Env {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
}

function describeValue(name: string, value: unknown): string {
  if ((SECRET_VARIABLES as readonly string[]).includes(name)) return '';
  if (typeof value !== 'string') return '';
  return ` "${value.length > 80 ? `${value.slice(0, 77)}...` : value}"`;
}

interface IssuerParts {
  issuer: string;
  rpId: string;
  origin: string;
}

function checkIssuer(raw: string, problems: string[]): IssuerParts | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`ISSUER: "${raw}" is not a URL; use e.g. https://id.example.com`);
    return undefined;
  }
  const local = LOCAL_HOSTS.has(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    problems.push(
      `ISSUER: "${raw}" must use https (passkeys need a secure origin); only localhost may use http`,
    );
    return undefined;
  }
  if (url.search || url.hash || raw.includes('?') || raw.includes('#')) {
    problems.push(`ISSUER: "${raw}" has a query or fragment; use only scheme, host and port`);
    return undefined;
  }
  if (url.pathname !== '/') {
    problems.push(`ISSUER: "${raw}" has a path; serve the provider at the root of its host, e.g. ${url.origin}`);
    return undefined;
  }
  if (url.username || url.password) {
    problems.push(`ISSUER: "${raw}" contains credentials; remove them`);
    return undefined;
  }
  // WebAuthn RP IDs are registrable domain names; an IP address other than loopback cannot be one.
  if (/^\d+\.\d+\.\d+\.\d+$/.test(url.hostname) && !local) {
    problems.push(`ISSUER: "${raw}" uses an IP address; passkeys need a domain name such as id.example.com`);
    return undefined;
  }
  return { issuer: url.origin, rpId: url.hostname.replace(/^\[|\]$/g, ''), origin: url.origin };
}

/**
 * Parses the environment. Throws ConfigError with one line per wrong variable, naming it,
 * what is wrong with its value and what to do instead.
 */
export function loadConfig(env: Env, readFile: (file: string) => string = (f) => readFileSync(f, 'utf8')): AppConfig {
  const problems: string[] = [];
  const input = dropEmpty(resolveSecretFiles(env, readFile, problems));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      problems.push(`${name}:${describeValue(name, input[name])} ${issue.message}`);
    }
  }
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const vars = parsed.data;

  const production = vars.NODE_ENV === 'production';
  const issuerParts = checkIssuer(vars.ISSUER ?? `http://localhost:${vars.PORT}`, problems);
  if (production && !vars.SECRET_KEYS) {
    problems.push(
      'SECRET_KEYS: required when NODE_ENV=production; set comma-separated random keys (openssl rand -base64 32)',
    );
  }
  if (production && !vars.SMTP_URL && !vars.UNSAFE_MAIL_OUTBOX) {
    problems.push(
      'SMTP_URL: required when NODE_ENV=production: without a mail server, sign-in links and codes go to a local ' +
        'outbox and whoever reads it can sign in as anyone; set SMTP_URL=smtps://user:pass@mail.example.com:465 ' +
        '(or, to accept that risk, UNSAFE_MAIL_OUTBOX=true)',
    );
  }
  if (vars.METRICS_PORT !== undefined && vars.METRICS_PORT === vars.PORT) {
    problems.push(`METRICS_PORT: "${vars.METRICS_PORT}" is also PORT; give the metrics listener a port of its own, e.g. 9464`);
  }
  const related = vars.WEBAUTHN_RELATED_ORIGINS === undefined ? { origins: [] } : parseRelatedOrigins(vars.WEBAUTHN_RELATED_ORIGINS, issuerParts?.origin);
  if ('problem' in related) problems.push(`WEBAUTHN_RELATED_ORIGINS: ${related.problem}`);
  if (problems.length > 0 || !issuerParts || 'problem' in related) throw new ConfigError(problems);

  return {
    production,
    port: vars.PORT,
    host: vars.HOST,
    ...issuerParts,
    databaseUrl: vars.DATABASE_URL,
    redisUrl: vars.REDIS_URL,
    smtpUrl: vars.SMTP_URL,
    mailFrom: vars.MAIL_FROM ?? `no-reply@${issuerParts.rpId}`,
    clientsDir: path.resolve(vars.CLIENTS_DIR),
    dataDir: path.resolve(vars.DATA_DIR),
    secretKeys: vars.SECRET_KEYS,
    trustProxy: vars.TRUST_PROXY,
    logLevel: vars.LOG_LEVEL,
    logFormat: vars.LOG_FORMAT ?? (production ? 'json' : 'pretty'),
    signup: vars.SIGNUP,
    appName: vars.APP_NAME,
    appLogoUrl: vars.APP_LOGO_URL,
    appAccent: vars.APP_ACCENT,
    appLanguages: vars.APP_LANGUAGES,
    magicLinkTtl: vars.MAGIC_LINK_TTL,
    auditRetentionDays: vars.AUDIT_RETENTION_DAYS,
    notifyEmails: vars.NOTIFY_EMAILS,
    migrations: vars.MIGRATIONS,
    unsafeMailOutbox: vars.UNSAFE_MAIL_OUTBOX,
    metricsPort: vars.METRICS_PORT,
    metricsToken: vars.METRICS_TOKEN,
    keyEncryptionKeys: vars.KEY_ENCRYPTION_KEYS ?? [],
    relatedOrigins: related.origins,
  };
}
