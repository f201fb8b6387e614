import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError } from '../errors.ts';
import { parseText, substitute } from './clients/parse.ts';
import { defaultGrantTypes, defaultResponseTypes } from './clients/id-token-response-rules.ts';
import { checkRules, checkWarnings, toRecord, type Report } from './clients/rules.ts';
import { closestKey, fieldPath, FILE_EXTENSIONS, KNOWN_KEYS, schema, show, type ClientRecord, type Env, type LoadedClient } from './clients/schema.ts';

export { EXTRA_CLIENT_METADATA, type ClientRecord, type LoadedClient } from './clients/schema.ts';

/**
 * Client apps, one file per app in CLIENTS_DIR (JSON or YAML). Each file is oidc-provider client
 * metadata plus our own keys (EXTRA_CLIENT_METADATA). `${ENV_NAME}` in any string is read from the
 * environment, so secrets stay out of the files. Every problem in every file is collected and
 * thrown once as a ConfigError, one line per problem: `<file>: <field>: <what is wrong>; <fix>`.
 */

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
    if (input['grant_types'] === undefined) client.grant_types = defaultGrantTypes(client.response_types);
    const responseTypes = client.response_types ?? defaultResponseTypes(client.grant_types);
    const before = problems.length;
    checkRules(client, responseTypes, unresolved, report);
    const warnings: string[] = [];
    checkWarnings(client, (parts, message) => warnings.push(`${file}: ${fieldPath(parts)}: ${message}`));
    if (problems.length === before) loaded.push({ file, client: toRecord(client, responseTypes), warnings });
  }

  for (const { file, client } of loaded) {
    client.resource_server_for.forEach((clientId, i) => {
      const problem = clientId === client.client_id ? 'names the client itself; it may always introspect and revoke its own tokens'
        : owners.has(clientId) ? undefined
        : `${show(clientId)} is not the client_id of any client file; fix the name or remove it`;
      if (problem) problems.push(`${file}: resource_server_for[${i}]: ${problem}`);
    });
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

