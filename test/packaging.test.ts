/**
 * Packaging checks: docker-compose.yml, Dockerfile, .dockerignore and .env.example, read as files.
 * No Docker engine is needed; these guard what the README promises about `docker compose up`.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { parse } from 'yaml';
import { ENV_VARIABLES, SECRET_FILE_VARIABLES, loadConfig } from '../src/config/env.ts';

const root = new URL('..', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, root), 'utf8');

type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function dict(value: unknown, what: string): Dict {
  assert.ok(isDict(value), `${what} should be a mapping`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// docker-compose.yml helpers

const compose = dict(parse(read('docker-compose.yml')), 'docker-compose.yml');
const services = dict(compose.services, 'services');

function service(name: string): Dict {
  return dict(services[name], `services.${name}`);
}

/** `environment:` as a map, whether written as a mapping or as a `KEY=VALUE` list. */
function environmentOf(svc: Dict): Record<string, string> {
  const env = svc.environment;
  if (env === undefined) return {};
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry) => {
        const text = String(entry);
        const at = text.indexOf('=');
        return at === -1 ? [text, ''] : [text.slice(0, at), text.slice(at + 1)];
      }),
    );
  }
  return Object.fromEntries(Object.entries(dict(env, 'environment')).map(([k, v]) => [k, v == null ? '' : String(v)]));
}

const INTERPOLATION = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}/g;

/** Compose-style `${NAME}`, `${NAME:-default}`, `${NAME:?message}`, `${NAME:+alt}` and `$$`. */
function interpolate(value: string, vars: Record<string, string>): string {
  const escaped = value.replaceAll('$$', '\u0000');
  return escaped
    .replace(INTERPOLATION, (_match, name: string, op: string | undefined, arg: string | undefined) => {
      const current = vars[name];
      const missing = op?.startsWith(':') ? !current : current === undefined;
      switch (op?.replace(':', '')) {
        case '-':
          return missing ? (arg ?? '') : (current ?? '');
        case '?':
          if (missing) throw new Error(`${name}: ${arg ?? 'required'}`);
          return current ?? '';
        case '+':
          return missing ? '' : (arg ?? '');
        default:
          return current ?? '';
      }
    })
    .replaceAll('\u0000', '$');
}

/** Every string value anywhere under `node`. */
function strings(node: unknown): string[] {
  if (typeof node === 'string') return [node];
  if (Array.isArray(node)) return node.flatMap(strings);
  if (isDict(node)) return Object.values(node).flatMap(strings);
  return [];
}

function referencedVariables(node: unknown): Set<string> {
  const names = new Set<string>();
  for (const text of strings(node)) {
    for (const match of text.replaceAll('$$', '').matchAll(INTERPOLATION)) names.add(match[1] ?? '');
  }
  return names;
}

interface Mount {
  source: string;
  target: string;
  readOnly: boolean;
}

function mountsOf(svc: Dict): Mount[] {
  const volumes = svc.volumes ?? [];
  assert.ok(Array.isArray(volumes), 'volumes should be a list');
  return volumes.map((entry: unknown) => {
    if (typeof entry === 'string') {
      const [source = '', target = '', mode = ''] = entry.split(':');
      return { source, target, readOnly: mode.split(',').includes('ro') };
    }
    const long = dict(entry, 'volume');
    return { source: String(long.source ?? ''), target: String(long.target ?? ''), readOnly: long.read_only === true };
  });
}

interface PublishedPort {
  published: string;
  target: string;
}

function portsOf(svc: Dict): PublishedPort[] {
  const ports = svc.ports ?? [];
  assert.ok(Array.isArray(ports), 'ports should be a list');
  return ports.map((entry: unknown) => {
    if (isDict(entry)) return { published: String(entry.published ?? ''), target: String(entry.target ?? '') };
    const parts = String(entry).replace(/\/(tcp|udp)$/, '').split(':');
    return { published: parts.at(-2) ?? '', target: parts.at(-1) ?? '' };
  });
}

// ---------------------------------------------------------------------------------------------
// Dockerfile helpers

interface Instruction {
  keyword: string;
  args: string;
  /** Index of the build stage (FROM) the instruction belongs to. */
  stage: number;
}

/** Instructions with line continuations joined and comments (and parser directives) dropped. */
function parseDockerfile(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let stage = -1;
  let pending = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#')) continue;
    if (line === '' && pending === '') continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full === '') continue;
    const [keyword = '', ...rest] = full.split(/\s+/);
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') stage += 1;
    instructions.push({ keyword: upper, args: rest.join(' '), stage });
  }
  assert.equal(pending, '', 'Dockerfile ends inside a line continuation');
  return instructions;
}

const dockerfile = parseDockerfile(read('Dockerfile'));
const froms = dockerfile.filter((i) => i.keyword === 'FROM');
const finalStage = froms.length - 1;
const runtime = dockerfile.filter((i) => i.stage === finalStage);
const runs = dockerfile.filter((i) => i.keyword === 'RUN').map((i) => i.args);

/** `ENV A=1 B=2` of the final stage as a map. */
function imageEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const { args } of runtime.filter((i) => i.keyword === 'ENV')) {
    for (const pair of args.split(/\s+/)) {
      const at = pair.indexOf('=');
      assert.ok(at > 0, `ENV ${args}: use KEY=VALUE pairs`);
      env[pair.slice(0, at)] = pair.slice(at + 1).replace(/^"(.*)"$/, '$1');
    }
  }
  return env;
}

/** An exec-form (`["node", …]`) argument list. */
function execForm(args: string, what: string): string[] {
  const json = args.slice(args.indexOf('['));
  const list: unknown = JSON.parse(json);
  assert.ok(Array.isArray(list) && list.every((x) => typeof x === 'string'), `${what} should use the exec form`);
  return list as string[];
}

// ---------------------------------------------------------------------------------------------
// .env.example helpers

const envExample = read('.env.example');
const exampleLines = envExample.split(/\r?\n/);
const ASSIGNMENT = /^#?\s*([A-Z][A-Z0-9_]*)=(.*)$/;

/** Line index of the first `NAME=` (active or commented out). */
function exampleLineOf(name: string): number {
  return exampleLines.findIndex((line) => ASSIGNMENT.exec(line)?.[1] === name);
}

/** The active (uncommented) assignments, parsed as dotenv. */
function activeExampleValues(): Record<string, string> {
  const active = exampleLines.filter((line) => !line.trimStart().startsWith('#')).join('\n');
  return parseEnv(active) as Record<string, string>;
}

/** The example value of a commented-out `# NAME=value` line. */
function commentedExampleValue(name: string): string | undefined {
  const line = exampleLines.find((l) => l.startsWith('#') && ASSIGNMENT.exec(l)?.[1] === name);
  if (line === undefined) return undefined;
  return (parseEnv(line.replace(/^#\s*/, '')) as Record<string, string>)[name];
}

const VALID_SECRET_KEYS = 'k'.repeat(43);
const VALID_SMTP_URL = 'smtps://mailer:pass@mail.example.com:465';
const VALID_POSTGRES_PASSWORD = 'p'.repeat(64);
/** What a minimal .env sets; compose refuses to start without these. */
const REQUIRED = { SECRET_KEYS: VALID_SECRET_KEYS, POSTGRES_PASSWORD: VALID_POSTGRES_PASSWORD };

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('has the app, postgres and redis services', () => {
    for (const name of ['app', 'postgres', 'redis']) service(name);
    assert.ok(service('app').build, 'app should be built from the Dockerfile');
    assert.match(String(service('postgres').image), /^postgres:17\b/);
    assert.match(String(service('redis').image), /^redis:7\b/);
    assert.match(strings(service('redis').command).join(' '), /--appendonly yes/);
  });

  it('publishes the app on 3000, to this host only, and keeps postgres and redis private', () => {
    assert.ok(
      (service('app').ports as unknown[]).every((entry) => String(entry).startsWith('127.0.0.1:')),
      'the app port is bound to loopback, so only the proxy on the host can claim to be the proxy',
    );
    assert.ok(
      portsOf(service('app')).some((p) => p.published === '3000' && p.target === '3000'),
      'app should publish 3000:3000',
    );
    assert.equal(service('postgres').ports, undefined, 'postgres must not publish ports');
    assert.equal(service('redis').ports, undefined, 'redis must not publish ports');
  });

  it('points the app at the postgres and redis services in production mode', () => {
    const env = environmentOf(service('app'));
    assert.equal(env.NODE_ENV, 'production');
    for (const name of ['ISSUER', 'DATABASE_URL', 'REDIS_URL', 'SECRET_KEYS']) {
      assert.ok(env[name], `app.environment.${name} should be set`);
    }
    const database = new URL(interpolate(env.DATABASE_URL ?? '', REQUIRED));
    assert.match(database.protocol, /^postgres(ql)?:$/);
    assert.equal(database.hostname, 'postgres');
    const redis = new URL(interpolate(env.REDIS_URL ?? '', {}));
    assert.match(redis.protocol, /^rediss?:$/);
    assert.equal(redis.hostname, 'redis');
    assert.equal(interpolate(env.ISSUER ?? '', {}), 'http://localhost:3000');
    assert.equal(interpolate(env.ISSUER ?? '', { ISSUER: 'https://id.example.com' }), 'https://id.example.com');
  });

  it('uses the same database credentials in DATABASE_URL as the postgres service', () => {
    const vars = { POSTGRES_USER: 'alice', POSTGRES_PASSWORD: 's3cret', POSTGRES_DB: 'ids' };
    for (const given of [{ POSTGRES_PASSWORD: VALID_POSTGRES_PASSWORD }, vars]) {
      const url = new URL(interpolate(environmentOf(service('app')).DATABASE_URL ?? '', given));
      const pg = Object.fromEntries(
        Object.entries(environmentOf(service('postgres'))).map(([k, v]) => [k, interpolate(v, given)]),
      );
      assert.equal(decodeURIComponent(url.username), pg.POSTGRES_USER);
      assert.equal(decodeURIComponent(url.password), pg.POSTGRES_PASSWORD);
      assert.equal(url.pathname.slice(1), pg.POSTGRES_DB);
    }
  });

  it('refuses to start without SECRET_KEYS, with a message', () => {
    const raw = environmentOf(service('app')).SECRET_KEYS ?? '';
    assert.throws(() => interpolate(raw, {}), /SECRET_KEYS: .*\S/);
    assert.throws(() => interpolate(raw, { SECRET_KEYS: '' }), /SECRET_KEYS/);
    assert.equal(interpolate(raw, { SECRET_KEYS: VALID_SECRET_KEYS }), VALID_SECRET_KEYS);
  });

  it('has no default for POSTGRES_PASSWORD anywhere: compose refuses to start without it, with a message', () => {
    const uses = strings(compose).filter((text) => /\$\{POSTGRES_PASSWORD\b/.test(text.replaceAll('$$', '')));
    assert.ok(uses.length >= 2, 'POSTGRES_PASSWORD is used by the postgres service and in the app\'s DATABASE_URL');
    for (const text of uses) {
      for (const match of text.matchAll(/\$\{POSTGRES_PASSWORD([^}]*)\}/g)) {
        assert.match(match[1] ?? '', /^:\?\s*\S/, `\${POSTGRES_PASSWORD${match[1]}}: use :? with a message, never a default`);
      }
      assert.throws(() => interpolate(text, { SECRET_KEYS: VALID_SECRET_KEYS }), /POSTGRES_PASSWORD: .*\.env/);
      assert.throws(() => interpolate(text, { POSTGRES_PASSWORD: '' }), /POSTGRES_PASSWORD/);
    }
    assert.equal(interpolate(environmentOf(service('postgres')).POSTGRES_PASSWORD ?? '', REQUIRED), VALID_POSTGRES_PASSWORD);
  });

  it('gives the app an environment that the config schema accepts', () => {
    const fromCompose = Object.fromEntries(
      Object.entries(environmentOf(service('app'))).map(([k, v]) => [k, interpolate(v, { ...REQUIRED, SMTP_URL: VALID_SMTP_URL })]),
    );
    const config = loadConfig({ ...imageEnvironment(), ...fromCompose });
    assert.equal(config.production, true);
    assert.equal(config.host, '0.0.0.0');
    assert.equal(config.port, 3000);
    assert.equal(config.issuer, 'http://localhost:3000');
    assert.ok(config.databaseUrl && config.redisUrl);
    assert.equal(config.dataDir, '/data');
    assert.equal(config.clientsDir, '/app/clients');
  });

  it('refuses to start without SMTP_URL unless .env opts in with UNSAFE_MAIL_OUTBOX=true', () => {
    const composed = (vars: Record<string, string>) => ({
      ...imageEnvironment(),
      ...Object.fromEntries(Object.entries(environmentOf(service('app'))).map(([k, v]) => [k, interpolate(v, { ...REQUIRED, ...vars })])),
    });
    assert.throws(() => loadConfig(composed({})), /SMTP_URL: required when NODE_ENV=production/);
    assert.equal(loadConfig(composed({ UNSAFE_MAIL_OUTBOX: 'true' })).unsafeMailOutbox, true);
  });

  it('starts the app only after postgres and redis are healthy', () => {
    const dependsOn = dict(service('app').depends_on, 'app.depends_on');
    for (const name of ['postgres', 'redis']) {
      assert.equal(dict(dependsOn[name], `depends_on.${name}`).condition, 'service_healthy');
    }
    assert.equal(service('app').restart, 'unless-stopped');
  });

  it('gives every service a healthcheck', () => {
    for (const [name, svc] of Object.entries(services)) {
      const check = dict(dict(svc, name).healthcheck, `${name}.healthcheck`);
      const command = strings(check.test);
      assert.ok(command.length > 0 && command[0] !== 'NONE' && check.disable !== true, `${name} healthcheck is empty`);
    }
    assert.match(strings(service('app').healthcheck).join(' '), /\/(healthz|readyz)\b/);
    assert.match(strings(service('postgres').healthcheck).join(' '), /pg_isready/);
    assert.match(strings(service('redis').healthcheck).join(' '), /redis-cli ping/);
  });

  it('keeps state in declared volumes and mounts clients read-only', () => {
    const declared = Object.keys(dict(compose.volumes, 'volumes'));
    const expected: Record<string, string> = { app: '/data', postgres: '/var/lib/postgresql/data', redis: '/data' };
    for (const [name, target] of Object.entries(expected)) {
      const mount = mountsOf(service(name)).find((m) => m.target === target);
      assert.ok(mount, `${name} should mount a volume at ${target}`);
      assert.ok(declared.includes(mount.source), `${name}: volume ${mount.source} should be declared`);
    }
    for (const [name, svc] of Object.entries(services)) {
      for (const mount of mountsOf(dict(svc, name))) {
        if (/^[./~]/.test(mount.source)) continue;
        assert.ok(declared.includes(mount.source), `${name}: volume ${mount.source} is not declared`);
      }
    }
    const clients = mountsOf(service('app')).find((m) => m.target === '/app/clients');
    assert.ok(clients?.readOnly, 'app should mount ./clients at /app/clients read-only');
  });

  it('runs the app read-only, without capabilities or privilege escalation; only /data and /tmp are writable', () => {
    const app = service('app');
    assert.equal(app.read_only, true, 'app.read_only: true');
    assert.deepEqual(strings(app.cap_drop), ['ALL'], 'app.cap_drop: [ALL]');
    assert.equal(app.cap_add, undefined, 'the app needs no capability (it runs as node on port 3000)');
    assert.ok(strings(app.security_opt).some((o) => /^no-new-privileges(:true)?$/.test(o)), 'app.security_opt: no-new-privileges:true');
    assert.equal(app.privileged, undefined);
    assert.ok(strings(app.tmpfs).some((t) => t.split(':')[0] === '/tmp'), 'a tmpfs for /tmp');
    const writable = mountsOf(app).filter((m) => !m.readOnly).map((m) => m.target);
    assert.deepEqual(writable, ['/data'], 'only /data is a writable mount');
  });

  it('starts only app, postgres and redis by default; profile-gated services use no required variable', () => {
    for (const name of ['app', 'postgres', 'redis']) assert.equal(service(name).profiles, undefined, `${name} must not be in a profile`);
    for (const [name, svc] of Object.entries(services)) {
      if (dict(svc, name).profiles === undefined) continue;
      // Compose interpolates every service, active profile or not: a `:?` here would stop `docker compose up`.
      const required = strings(svc).flatMap((t) => [...t.replaceAll('$$', '').matchAll(/\$\{(\w+):?\?/g)].map((m) => m[1]));
      assert.deepEqual(required, [], `${name}: no \${NAME:?} in a service behind a profile`);
    }
  });
});

describe('docker-compose.yml: Caddy in the proxy profile', () => {
  const [name, caddy] = Object.entries(services).find(([, svc]) => strings(dict(svc, 'service').profiles).includes('proxy')) ?? [];

  it('is a caddy:2 service behind `--profile proxy`, publishing 80 and 443', () => {
    assert.ok(name && isDict(caddy), 'a service with profiles: ["proxy"]');
    assert.match(String(caddy.image), /^caddy:2\b/);
    const published = portsOf(caddy).map((p) => `${p.published}:${p.target}`);
    for (const port of ['80:80', '443:443']) assert.ok(published.includes(port), `publishes ${port}`);
    assert.equal(dict(dict(caddy.depends_on, 'depends_on').app, 'depends_on.app').condition, 'service_healthy');
    assert.ok(mountsOf(caddy).some((m) => m.target === '/data' && !/^[./~]/.test(m.source)), 'certificates in a named volume at /data');
  });

  it('drops every capability but binding 80 and 443, and cannot escalate', () => {
    assert.ok(isDict(caddy));
    assert.deepEqual(strings(caddy.cap_drop), ['ALL']);
    assert.deepEqual(strings(caddy.cap_add), ['NET_BIND_SERVICE']);
    assert.ok(strings(caddy.security_opt).some((o) => /^no-new-privileges(:true)?$/.test(o)));
  });

  it('mounts the repository\'s Caddyfile, which proxies {$IDP_DOMAIN} to app:3000', () => {
    assert.ok(isDict(caddy));
    const mount = mountsOf(caddy).find((m) => m.target === '/etc/caddy/Caddyfile');
    assert.ok(mount?.readOnly, 'mounts a Caddyfile read-only at /etc/caddy/Caddyfile');
    const file = path.posix.normalize(mount.source);
    assert.ok(existsSync(new URL(file, root)), `${mount.source} exists`);
    const caddyfile = read(file).split(/\r?\n/).filter((line) => !line.trim().startsWith('#')).join('\n');
    const site = /^(\S+)\s*\{([^}]*)\}/m.exec(caddyfile);
    assert.equal(site?.[1], '{$IDP_DOMAIN}', 'one site: the IdP\'s domain');
    assert.match(site?.[2] ?? '', /^\s*reverse_proxy\s+app:3000\s*$/m, 'reverse_proxy app:3000');
    assert.ok(portsOf(service('app')).some((p) => p.target === '3000'), 'the app listens on 3000');
  });

  it('serves the host of ISSUER, and stops with the fix when ISSUER is not https://host', { skip: process.platform === 'win32' }, () => {
    assert.ok(isDict(caddy));
    const env = environmentOf(caddy);
    assert.ok('ISSUER' in env, 'caddy gets ISSUER');
    const command = strings(caddy.command);
    assert.deepEqual(command.slice(0, 2), ['sh', '-c']);
    assert.match(command[2] ?? '', /exec caddy run --config \/etc\/caddy\/Caddyfile --adapter caddyfile\s*$/);
    // The script as the container runs it (compose turns $$ into $), with caddy replaced by a print.
    const script = interpolate(command[2] ?? '', {}).replace(/exec caddy run .*$/m, 'echo "IDP_DOMAIN=$IDP_DOMAIN"');
    const run = (issuer: string | undefined) => {
      // ISSUER as compose passes it: unset in .env becomes an empty value.
      const environment = { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ISSUER: interpolate(env.ISSUER ?? '', issuer === undefined ? {} : { ISSUER: issuer }) };
      try {
        return { out: execFileSync('sh', ['-c', script], { env: environment, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }), code: 0 };
      } catch (error) {
        const failed = error as { status: number; stderr: string };
        return { out: failed.stderr, code: failed.status };
      }
    };
    assert.deepEqual(run('https://id.example.com'), { out: 'IDP_DOMAIN=id.example.com\n', code: 0 });
    assert.deepEqual(run('https://id.example.com/'), { out: 'IDP_DOMAIN=id.example.com\n', code: 0 });
    for (const wrong of [undefined, '', 'http://localhost:3000', 'https://id.example.com:8443', 'https://id.example.com/idp', 'id.example.com']) {
      const result = run(wrong);
      assert.equal(result.code, 1, `ISSUER=${wrong}`);
      assert.match(result.out, /^error: ISSUER: .*https:\/\/id\.example\.com/, `ISSUER=${wrong}`);
    }
  });

  it('documents TRUST_PROXY=true for Caddy: the one proxy in front', () => {
    const text = read('docker-compose.yml');
    assert.match(text, /TRUST_PROXY=true/);
    assert.match(read('Caddyfile'), /TRUST_PROXY=true/);
  });
});

describe('Dockerfile', () => {
  it('builds on node:24-slim in every stage, with a separate runtime stage', () => {
    assert.ok(froms.length >= 2, 'use a multi-stage build');
    for (const from of froms) {
      const image = from.args.split(/\s+/).find((token) => !token.startsWith('--'));
      assert.equal(image, 'node:24-slim', `FROM ${from.args}`);
    }
  });

  it('installs with npm ci, builds, and drops dev dependencies', () => {
    const ci = runs.findIndex((r) => /\bnpm ci\b/.test(r));
    const build = runs.findIndex((r) => /\bnpm run build\b/.test(r));
    const prune = runs.findIndex((r) => /\bnpm prune --omit=dev\b|\bnpm prune --production\b|\bnpm ci\b.*--omit=dev/.test(r));
    assert.ok(ci >= 0, 'npm ci');
    assert.ok(build >= 0, 'npm run build');
    assert.ok(prune >= 0, 'npm prune --omit=dev');
    assert.ok(ci <= build && build <= prune, 'npm ci, then npm run build, then prune');
    assert.ok(runs.some((r) => /apt-get install/.test(r) && /\bpython3\b/.test(r) && /\bg\+\+/.test(r) && /\bmake\b/.test(r)));
    const copies = dockerfile.filter((i) => i.keyword === 'COPY' && i.stage === 0).map((i) => i.args);
    assert.match(copies[0] ?? '', /package(\.json|\*\.json)/, 'copy the manifests before the source');
  });

  it('runs as non-root with the production environment', () => {
    const users = runtime.filter((i) => i.keyword === 'USER');
    const user = users.at(-1)?.args.split(':')[0];
    assert.ok(user && user !== 'root' && user !== '0', 'the runtime stage should switch to a non-root USER');
    const env = imageEnvironment();
    assert.equal(env.NODE_ENV, 'production');
    assert.equal(env.HOST, '0.0.0.0');
    assert.equal(env.PORT, '3000');
    assert.equal(env.DATA_DIR, '/data');
    assert.equal(env.CLIENTS_DIR, '/app/clients');
    assert.ok(runtime.some((i) => i.keyword === 'VOLUME' && /["\s[]?\/data\b/.test(i.args)), 'VOLUME /data');
    assert.ok(runtime.some((i) => i.keyword === 'EXPOSE' && /\b3000\b/.test(i.args)), 'EXPOSE 3000');
  });

  it('copies only runtime files, owned by root: the node user can write to /data alone', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
    for (const copy of copies) {
      assert.equal(copy.keyword, 'COPY', 'no ADD in the runtime stage');
      assert.match(copy.args, /--from=\S+/, `COPY ${copy.args}: copy from the build stage`);
      assert.doesNotMatch(copy.args, /--chown|--chmod/, `COPY ${copy.args}: leave the app's files to root`);
    }
    for (const run of runtime.filter((i) => i.keyword === 'RUN')) {
      for (const match of run.args.matchAll(/\bchown\s+(?:-\S+\s+)*\S+\s+([^&;|]+)/g)) {
        assert.deepEqual((match[1] ?? '').trim().split(/\s+/), ['/data'], `RUN ${run.args}: chown only /data`);
      }
      assert.doesNotMatch(run.args, /\bchmod\b.*\b[ao]?\+w|\bchmod\s+(-R\s+)?[0-7]?[0-7][2367]/, `RUN ${run.args}: make nothing world-writable`);
    }
    const userAt = runtime.findIndex((i) => i.keyword === 'USER');
    assert.ok(runtime.findLastIndex((i) => i.keyword === 'COPY' || i.keyword === 'RUN') < userAt, 'copy and run as root, then switch USER');
    assert.ok(
      runs.some((r) => /\bchmod\s+-R\s+(u=rwX,go=rX|a\+rX,go-w|go=rX)\s+\/app\b/.test(r)),
      'the build stage makes /app readable by everyone and writable by its owner only, whatever the checkout\'s umask',
    );
    const copied = copies.map((c) => c.args).join(' ');
    for (const path of ['package.json', 'node_modules', 'src', 'views', 'public', 'migrations', 'clients']) {
      assert.match(copied, new RegExp(`/app/${path.replace('.', '\\.')}\\b`), `runtime stage should copy ${path}`);
    }
    assert.doesNotMatch(copied, /\/app\/(test|scripts|bench)\b/);
  });

  it('keeps the example client files out of CLIENTS_DIR, which the operator mounts', () => {
    const clientsDir = imageEnvironment().CLIENTS_DIR ?? '';
    let workdir = '/';
    const destinations: { source: string; target: string }[] = [];
    for (const instruction of runtime) {
      if (instruction.keyword === 'WORKDIR') workdir = path.posix.resolve(workdir, instruction.args);
      if (instruction.keyword !== 'COPY') continue;
      const paths = instruction.args.split(/\s+/).filter((token) => !token.startsWith('--'));
      const target = path.posix.resolve(workdir, paths.at(-1) ?? '');
      for (const source of paths.slice(0, -1)) destinations.push({ source, target });
    }
    for (const { source, target } of destinations) {
      assert.ok(target !== clientsDir && !target.startsWith(`${clientsDir}/`), `COPY ${source} ${target}: nothing is copied into CLIENTS_DIR`);
    }
    const examples = destinations.find((d) => /\/clients\/?$/.test(d.source));
    assert.equal(examples?.target, '/app/clients.example', 'the examples are kept for reference in /app/clients.example');
    assert.ok(
      runtime.some((i) => i.keyword === 'RUN' && /\bmkdir\b/.test(i.args) && i.args.split(/\s+/).includes(clientsDir)),
      'CLIENTS_DIR exists, empty, so the image starts (and warns) without a mount',
    );
  });

  it('builds offline and without BuildKit: no syntax directive, no RUN --mount, COPY --link or heredoc', () => {
    const text = read('Dockerfile');
    assert.doesNotMatch(text, /^#\s*syntax\s*=/im, 'a # syntax= line makes BuildKit fetch a frontend image');
    for (const instruction of dockerfile) {
      assert.doesNotMatch(instruction.args, /--mount\b|--link\b|--security\b|--network\b/, `${instruction.keyword} ${instruction.args}`);
      assert.doesNotMatch(instruction.args, /<<-?\s*["']?[A-Z_]+/, `${instruction.keyword}: heredocs need BuildKit`);
    }
  });

  it('checks /healthz with node and runs src/main.ts with the heap settings of npm start', () => {
    const healthcheck = runtime.filter((i) => i.keyword === 'HEALTHCHECK').at(-1);
    assert.ok(healthcheck, 'HEALTHCHECK in the runtime stage');
    assert.match(healthcheck.args, /\/healthz\b/);
    assert.doesNotMatch(healthcheck.args, /\b(curl|wget)\b/, 'node:24-slim has neither curl nor wget');
    const probe = execForm(healthcheck.args.slice(healthcheck.args.indexOf('CMD') + 3), 'HEALTHCHECK');
    assert.equal(probe[0], 'node');
    const cmd = runtime.filter((i) => i.keyword === 'CMD').at(-1);
    assert.ok(cmd, 'CMD in the runtime stage');
    const start = (JSON.parse(read('package.json')) as { scripts: { start: string } }).scripts.start;
    assert.match(start, /^node --max-semi-space-size=\d+ --heap-growing-percent=\d+ src\/main\.ts$/);
    assert.deepEqual(execForm(cmd.args, 'CMD'), start.split(' '));
  });

  it('has a .dockerignore that keeps local state and secrets out of the build context', () => {
    const ignored = read('.dockerignore').split(/\r?\n/).map((l) => l.trim().replace(/^\/|\/$/g, ''));
    for (const entry of ['node_modules', '.git', 'data', 'test-artifacts', '.env', 'public/vendor', 'Caddyfile']) {
      assert.ok(ignored.includes(entry), `.dockerignore should list ${entry}`);
    }
  });
});

describe('.env.example', () => {
  const names = [...ENV_VARIABLES, ...SECRET_FILE_VARIABLES];

  it('documents every variable the app reads, and every NAME_FILE variant', () => {
    assert.ok(ENV_VARIABLES.length > 10 && SECRET_FILE_VARIABLES.length > 0);
    for (const name of names) {
      const at = exampleLineOf(name);
      assert.ok(at >= 0, `.env.example should have a ${name}= line (commented out is fine)`);
      const comment = exampleLines[at - 1] ?? '';
      assert.ok(
        comment.startsWith('#') && !ASSIGNMENT.test(comment) && comment.length > 10,
        `.env.example: ${name} should follow a one-line comment`,
      );
    }
  });

  it('documents every variable docker-compose.yml interpolates', () => {
    for (const name of referencedVariables(compose)) {
      assert.ok(exampleLineOf(name) >= 0, `.env.example should mention ${name} (used in docker-compose.yml)`);
    }
  });

  it('ships no secret and only values the app accepts', () => {
    const active = activeExampleValues();
    assert.equal(active.SECRET_KEYS ?? '', '', 'SECRET_KEYS must be left empty in the example');
    assert.doesNotThrow(() => loadConfig(active));
    for (const name of ENV_VARIABLES) {
      const example = commentedExampleValue(name);
      if (example === undefined) continue;
      assert.doesNotThrow(
        () => loadConfig({ NODE_ENV: 'production', SECRET_KEYS: VALID_SECRET_KEYS, SMTP_URL: VALID_SMTP_URL, [name]: example }),
        `.env.example: the example ${name}=${example} is rejected`,
      );
    }
  });
});
