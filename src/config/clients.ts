import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import { z } from 'zod';
import { ConfigError } from '../errors.ts';

/**
 * Client apps, one file per app in CLIENTS_DIR (JSON or YAML). Each file is oidc-provider client
 * metadata plus our own keys (EXTRA_CLIENT_METADATA). `${ENV_NAME}` in any string is read from the
 * environment, so secrets stay out of the files. Every problem in every file is collected and
 * thrown once as a ConfigError, one line per problem: `<file>: <field>: <what is wrong>; <fix>`.
 */

type Env = Record<string, string | undefined>;

const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
const SCOPES = ['openid', 'profile', 'email', 'offline_access'] as const;
const AUTH_METHODS = ['client_secret_basic', 'client_secret_post', 'none'] as const;
const ID_TOKEN_ALGS = ['RS256', 'ES256', 'EdDSA'] as const;
const APPLICATION_TYPES = ['web', 'native'] as const;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);
const FILE_EXTENSIONS = new Set(['.json', '.yaml', '.yml']);
const MIN_SECRET_LENGTH = 32;

/** Our own client metadata keys; register them as oidc-provider `extraClientMetadata.properties`. */
export const EXTRA_CLIENT_METADATA = ['first_party', 'pkce_required'] as const;

/**
 * Client metadata ready for oidc-provider's `clients` configuration, defaults applied.
 * (A type alias, not an interface, so it fits oidc-provider's indexable ClientMetadata.)
 */
export type ClientRecord = {
  client_id: string;
  client_secret?: string;
  client_name?: string;
  logo_uri?: string;
  client_uri?: string;
  policy_uri?: string;
  tos_uri?: string;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  grant_types: Array<(typeof GRANT_TYPES)[number]>;
  response_types: Array<'code'>;
  /** Space-separated, deduplicated. */
  scope: string;
  token_endpoint_auth_method: (typeof AUTH_METHODS)[number];
  id_token_signed_response_alg: (typeof ID_TOKEN_ALGS)[number];
  application_type: (typeof APPLICATION_TYPES)[number];
  /** Consent is granted without asking. */
  first_party: boolean;
  /** PKCE (S256) required on /auth; always true for public clients. */
  pkce_required: boolean;
};

/** A client and the file it came from (as shown in messages, e.g. `clients/web.json`). */
export interface LoadedClient {
  file: string;
  client: ClientRecord;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function typed(expected: string, example: string) {
  return {
    error: (issue: { input?: unknown }) =>
      issue.input === undefined ? `is missing; add it, e.g. ${example}` : `must be ${expected}, e.g. ${example}`,
  };
}

function oneOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, {
    error: (issue) =>
      issue.input === undefined ? 'is missing' : `${show(issue.input)} is not allowed; use one of ${values.join(', ')}`,
  });
}

function list<T extends z.ZodType>(item: T, example: string) {
  return z
    .array(item, typed('a list', example))
    .refine((items) => new Set(items).size === items.length, 'lists the same value twice; remove the duplicate');
}

const httpsUrl = z.string(typed('a string', '"https://app.example.com/"')).refine(
  (value) => URL.parse(value)?.protocol === 'https:',
  { error: (issue) => `${show(issue.input)} is not an https:// URL; use e.g. https://app.example.com/` },
);

const schema = z.strictObject({
  client_id: z
    .string(typed('a string', '"my-app"'))
    .regex(/^[A-Za-z0-9._~-]{1,128}$/, 'must be 1-128 letters, digits, ".", "_", "~" or "-"; e.g. "my-app"'),
  client_secret: z.string(typed('a string', '"${MYAPP_CLIENT_SECRET}"')).optional(),
  client_name: z
    .string(typed('a string', '"My app"'))
    .trim()
    .min(1, 'is empty; give the name people see on the consent page, or remove it')
    .max(100, 'is longer than 100 characters; shorten it')
    .optional(),
  logo_uri: httpsUrl.optional(),
  client_uri: httpsUrl.optional(),
  policy_uri: httpsUrl.optional(),
  tos_uri: httpsUrl.optional(),
  redirect_uris: list(z.string(typed('a string', '"https://app.example.com/callback"')), '["https://app.example.com/callback"]').optional(),
  post_logout_redirect_uris: list(z.string(typed('a string', '"https://app.example.com/"')), '["https://app.example.com/"]').optional(),
  grant_types: list(oneOf(GRANT_TYPES), '["authorization_code", "refresh_token"]')
    .refine((items) => items.length > 0, 'is empty; list at least one, e.g. ["authorization_code"]')
    .default(['authorization_code']),
  response_types: list(oneOf(['code']), '["code"]').optional(),
  scope: z
    .string(typed('a space-separated string', '"openid profile email"'))
    .superRefine((value, ctx) => {
      const scopes = value.split(/\s+/).filter(Boolean);
      if (scopes.length === 0) ctx.addIssue({ code: 'custom', message: 'is empty; use e.g. "openid profile email"' });
      for (const scope of scopes.filter((s) => !(SCOPES as readonly string[]).includes(s))) {
        ctx.addIssue({ code: 'custom', message: `"${scope}" is not a supported scope; use a space-separated subset of ${SCOPES.join(' ')}` });
      }
    })
    .default('openid profile email'),
  token_endpoint_auth_method: oneOf(AUTH_METHODS).default('client_secret_basic'),
  id_token_signed_response_alg: oneOf(ID_TOKEN_ALGS).default('RS256'),
  application_type: oneOf(APPLICATION_TYPES).default('web'),
  first_party: z.boolean(typed('true or false', 'true')).default(false),
  pkce_required: z.boolean(typed('true or false', 'true')).default(true),
});

type Parsed = z.output<typeof schema>;
const KNOWN_KEYS = Object.keys(schema.shape);

function fieldPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    out += typeof part === 'number' ? `[${part}]` : `${out === '' ? '' : '.'}${String(part)}`;
  }
  return out;
}

function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** The known key closest to `key` (ignoring case, `_` and `-`), when it is close enough to be a typo. */
function closestKey(key: string): string | undefined {
  const normal = (s: string) => s.toLowerCase().replace(/[_-]/g, '');
  let best: { key: string; score: number } | undefined;
  for (const known of KNOWN_KEYS) {
    const score = distance(normal(key), normal(known));
    if (!best || score < best.score) best = { key: known, score };
  }
  return best && best.score <= Math.max(2, Math.floor(key.length / 4)) ? best.key : undefined;
}

type Report = (parts: readonly PropertyKey[], message: string) => void;

/** Replaces `${NAME}` in every string value; returns the paths whose references could not be resolved. */
function substitute(value: unknown, parts: PropertyKey[], env: Env, report: Report, unresolved: Set<string>): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([^}]*)\}/g, (match, name: string) => {
      const secret = parts[0] === 'client_secret';
      if (!/^[A-Z_][A-Z0-9_]*$/.test(name)) {
        report(parts, `${secret ? 'a ${...} reference' : match} is not a valid variable name; use upper-case letters, digits and _, e.g. \${MYAPP_CLIENT_SECRET}`);
      } else if (env[name] === undefined || env[name] === '') {
        report(parts, `environment variable ${name} is ${env[name] === undefined ? 'not set' : 'empty'}; export it or remove ${match}`);
      } else {
        return env[name];
      }
      unresolved.add(fieldPath(parts));
      return match;
    });
  }
  if (Array.isArray(value)) return value.map((item, i) => substitute(item, [...parts, i], env, report, unresolved));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, substitute(item, [...parts, key], env, report, unresolved)]),
    );
  }
  return value;
}

/** Why a redirect / post-logout URI is not acceptable, or undefined when it is. */
function uriProblem(uri: string, applicationType: Parsed['application_type']): string | undefined {
  const url = URL.parse(uri);
  if (!url) return `${show(uri)} is not an absolute URL; use e.g. https://app.example.com/callback`;
  if (uri.includes('#')) return `${show(uri)} has a fragment (#...); remove it`;
  const loopback = LOOPBACK_HOSTS.has(url.hostname);
  const scheme = url.protocol.slice(0, -1);
  if (scheme === 'http') {
    return loopback ? undefined : `${show(uri)} uses http; use https (only localhost, 127.0.0.1 and [::1] may use http)`;
  }
  if (scheme === 'https') {
    return loopback && applicationType === 'native'
      ? `${show(uri)} uses https on a loopback address; native apps use http://127.0.0.1:<port>/... for loopback redirects`
      : undefined;
  }
  if (!scheme.includes('.')) {
    return `${show(uri)} uses the "${scheme}:" scheme; use https (native apps may use a reverse-domain scheme like com.example.app:/callback)`;
  }
  return applicationType === 'native'
    ? undefined
    : `${show(uri)} uses the private-use scheme "${scheme}:"; set "application_type": "native" or use an https URL`;
}

/** Rules between fields, checked once every field is valid on its own. */
function checkRules(client: Parsed, responseTypes: ReadonlyArray<'code'>, unresolved: Set<string>, report: Report): void {
  const isPublic = client.token_endpoint_auth_method === 'none';
  const grants = new Set(client.grant_types);
  const secret = client.client_secret;
  if (isPublic) {
    if (secret !== undefined) {
      report(['client_secret'], 'public clients (token_endpoint_auth_method none) must not have a secret; remove client_secret or use client_secret_basic');
    }
    if (!client.pkce_required) report(['pkce_required'], 'public clients must use PKCE; remove pkce_required or set it to true');
    if (grants.has('client_credentials')) {
      report(['grant_types'], 'public clients cannot use client_credentials; remove it, or give the client a client_secret and a secret-based token_endpoint_auth_method');
    }
  } else if (secret === undefined) {
    report(['client_secret'], `is missing; confidential clients (token_endpoint_auth_method ${client.token_endpoint_auth_method}) need a secret of at least ${MIN_SECRET_LENGTH} characters, e.g. "\${MYAPP_CLIENT_SECRET}", or set "token_endpoint_auth_method": "none" for a public client`);
  } else if (!unresolved.has('client_secret') && secret.length < MIN_SECRET_LENGTH) {
    report(['client_secret'], `is shorter than ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -base64 32\``);
  }

  const code = grants.has('authorization_code');
  if (responseTypes.includes('code') && !code) {
    report(['response_types'], '"code" needs the authorization_code grant; add authorization_code to grant_types or remove "code"');
  }
  if (code && !responseTypes.includes('code')) {
    report(['response_types'], 'has no "code" but grant_types has authorization_code; use ["code"] or remove response_types');
  }
  if (grants.has('refresh_token') && !code) {
    report(['grant_types'], 'refresh_token needs authorization_code; add authorization_code or remove refresh_token');
  }
  if (code && !client.scope.split(/\s+/).includes('openid')) {
    report(['scope'], 'has no "openid" but the client signs people in; add openid');
  }
  if (code && (client.redirect_uris ?? []).length === 0) {
    report(['redirect_uris'], `is ${client.redirect_uris ? 'empty' : 'missing'}; the authorization_code grant needs at least one, e.g. ["https://app.example.com/callback"]`);
  }
  for (const field of ['redirect_uris', 'post_logout_redirect_uris'] as const) {
    (client[field] ?? []).forEach((uri, i) => {
      if (unresolved.has(fieldPath([field, i]))) return;
      const problem = uriProblem(uri, client.application_type);
      if (problem) report([field, i], problem);
    });
  }
}

function toRecord(client: Parsed, responseTypes: Array<'code'>): ClientRecord {
  const optional = {
    client_secret: client.client_secret,
    client_name: client.client_name,
    logo_uri: client.logo_uri,
    client_uri: client.client_uri,
    policy_uri: client.policy_uri,
    tos_uri: client.tos_uri,
  };
  return {
    client_id: client.client_id,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined)),
    redirect_uris: client.redirect_uris ?? [],
    post_logout_redirect_uris: client.post_logout_redirect_uris ?? [],
    grant_types: client.grant_types,
    response_types: responseTypes,
    scope: [...new Set(client.scope.split(/\s+/).filter(Boolean))].join(' '),
    token_endpoint_auth_method: client.token_endpoint_auth_method,
    id_token_signed_response_alg: client.id_token_signed_response_alg,
    application_type: client.application_type,
    first_party: client.first_party,
    pkce_required: client.pkce_required,
  };
}

/** Where and what a JSON.parse error is, without echoing the source (V8 quotes it, secrets included). */
function jsonProblem(text: string, message: string): string {
  const line = (offset: number) => {
    const lines = text.slice(0, offset).split('\n');
    return `line ${lines.length}, column ${(lines.at(-1) ?? '').length + 1}`;
  };
  const at = /\(line (\d+) column (\d+)\)/.exec(message);
  let where = at ? `line ${at[1]}, column ${at[2]}` : undefined;
  let what = message
    .replace(/ in JSON at position.*$/s, '')
    .replace(/ at position \d+.*$/s, '')
    .replace(/,? ?(?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '');
  // `Unexpected token 'x', ..."<10 characters before>x<after>"... is not valid JSON`
  const token = /^Unexpected token '(.)', (\.\.\.)?"(.*)"(?:\.\.\.)? is not valid JSON$/s.exec(message);
  if (token) {
    const [, char = '', cut, snippet = ''] = token;
    what = `unexpected "${char}"`;
    const offset = cut ? text.indexOf(snippet) + 10 : snippet.slice(0, 11).lastIndexOf(char);
    if (offset >= 0 && text[offset] === char) where = line(offset);
  } else if (!where && /end of JSON input/.test(message)) {
    where = line(text.trimEnd().length);
  }
  return `${where ? `${where}: ` : ''}invalid JSON (${what}); fix the syntax there`;
}

/** Parses JSON or YAML text; a syntax problem is returned as a message naming line and column. */
function parseText(text: string, extension: string): { value: unknown } | { problem: string } {
  if (text.trim() === '') return { problem: 'the file is empty; write the client settings as an object with at least client_id' };
  if (extension === '.json') {
    try {
      return { value: JSON.parse(text) };
    } catch (error) {
      return { problem: jsonProblem(text, (error as Error).message) };
    }
  }
  const document = parseDocument(text, { prettyErrors: true });
  const [error] = document.errors;
  if (error) {
    const start = error.linePos?.[0];
    const where = start ? `line ${start.line}, column ${start.col}: ` : '';
    return { problem: `${where}invalid YAML (${error.message.split(/ at line \d+|\n/)[0]}); fix the syntax there` };
  }
  return { value: document.toJS() };
}

/** How a path is shown in messages: relative to the working directory when inside it, else as given. */
function displayDir(dir: string): string {
  const relative = path.relative(process.cwd(), path.resolve(dir));
  if (relative === '') return '.';
  return relative.startsWith('..') || path.isAbsolute(relative) ? dir : relative;
}

async function listFiles(dir: string): Promise<string[]> {
  const where = `${dir}${path.resolve(dir) === dir ? '' : ` (${path.resolve(dir)})`}`;
  try {
    if (!(await stat(dir)).isDirectory()) {
      throw new ConfigError([`CLIENTS_DIR: ${where} is a file, not a folder; point CLIENTS_DIR at the folder of client files`]);
    }
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((e) => !e.name.startsWith('.') && FILE_EXTENSIONS.has(path.extname(e.name).toLowerCase()))
      .filter((e) => e.isFile() || e.isSymbolicLink())
      .map((e) => e.name)
      .sort();
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'does not exist; create it with one file per client app, or set CLIENTS_DIR to the folder that has them' : `cannot be read (${code ?? 'error'}); check its permissions`;
    throw new ConfigError([`CLIENTS_DIR: ${where} ${reason}`]);
  }
}

/** Reads and checks every client file in `dir`; throws one ConfigError listing every problem. */
export async function loadClientFiles(dir: string, env: Env): Promise<LoadedClient[]> {
  const problems: string[] = [];
  const loaded: LoadedClient[] = [];
  const owners = new Map<string, string>();
  const shownDir = displayDir(dir);

  for (const name of await listFiles(dir)) {
    const file = path.join(shownDir, name);
    const report: Report = (parts, message) => {
      const field = fieldPath(parts);
      problems.push(`${file}: ${field === '' ? '' : `${field}: `}${message}`);
    };
    let text: string;
    try {
      text = (await readFile(path.join(dir, name), 'utf8')).replace(/^\uFEFF/, '');
    } catch (error) {
      report([], `cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}); check its permissions`);
      continue;
    }
    const parsedText = parseText(text, path.extname(name).toLowerCase());
    if ('problem' in parsedText) {
      report([], parsedText.problem);
      continue;
    }
    const raw = parsedText.value;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      report([], `the top level must be an object of client settings (found ${Array.isArray(raw) ? 'a list' : typeof raw}); write one client per file`);
      continue;
    }

    const unresolved = new Set<string>();
    const input = substitute(raw, [], env, report, unresolved) as Record<string, unknown>;
    if (typeof input.client_id === 'string') {
      const owner = owners.get(input.client_id);
      if (owner) report(['client_id'], `${show(input.client_id)} is also used by ${owner}; give each client its own client_id`);
      else owners.set(input.client_id, file);
    }

    const result = schema.safeParse(input);
    if (!result.success) {
      for (const issue of result.error.issues) {
        if (issue.code === 'unrecognized_keys') {
          for (const key of issue.keys) {
            const near = closestKey(key);
            report([key], `is not a known client setting; ${near ? `did you mean "${near}"?` : `remove it (known: ${KNOWN_KEYS.join(', ')})`}`);
          }
        } else if (!unresolved.has(fieldPath(issue.path))) {
          report(issue.path, issue.message);
        }
      }
      continue;
    }
    const client = result.data;
    const responseTypes = client.response_types ?? (client.grant_types.includes('authorization_code') ? ['code'] : []);
    const before = problems.length;
    checkRules(client, responseTypes, unresolved, report);
    if (problems.length === before) loaded.push({ file, client: toRecord(client, responseTypes) });
  }

  if (problems.length > 0) throw new ConfigError(problems);
  return loaded;
}

/** The client metadata in `dir`, ready for oidc-provider's `clients` option. */
export async function loadClients(dir: string, env: Env): Promise<ClientRecord[]> {
  return (await loadClientFiles(dir, env)).map((entry) => entry.client);
}

/** CLIENTS_DIR as given (default `./clients`), for entry points that only need the clients. */
export function clientsDirFrom(env: Env): string {
  return env.CLIENTS_DIR?.trim() || './clients';
}

/** One line per client, e.g. `✓ web (clients/web.json) first-party, confidential`. */
export function formatClientsSummary(clients: readonly LoadedClient[]): string[] {
  return clients.map(({ file, client }) => {
    const party = client.first_party ? 'first-party' : 'third-party';
    const kind = client.token_endpoint_auth_method === 'none' ? 'public' : 'confidential';
    return `✓ ${client.client_id} (${file}) ${party}, ${kind}`;
  });
}
