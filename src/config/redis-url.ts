/**
 * REDIS_URL in its three forms: one server, a Sentinel deployment, or a Cluster.
 *
 *   redis[s]://[[user]:pass@]host[:6379][/db]                                        one server (ioredis parses it)
 *   redis[s]+sentinel://[[user]:pass@]s1[:26379],s2[,…]/master[/db][?sentinelPassword=…&sentinelUsername=…]
 *   redis[s]+cluster://[[user]:pass@]n1[:6379],n2[,…]
 *
 * `redis+sentinel://` is the form other tools already read (redis-sentinel-url, RedisVL, Prefect);
 * `+cluster` follows it. User and password are the data nodes' (the master, the cluster nodes);
 * Sentinels that want their own credentials get them as query options. `rediss+…` turns TLS on
 * for every connection, Sentinels included.
 *
 * Pure and shared by config/env.ts (a wrong value is one REDIS_URL line) and stores/redis.ts (which
 * builds the client), so the two never disagree. Problems never quote the value: it holds a password.
 */

export interface RedisHost {
  host: string;
  port: number;
}

export type RedisTarget =
  | { kind: 'single'; url: string }
  | {
      kind: 'sentinel';
      sentinels: RedisHost[];
      /** The master name Sentinel monitors (`sentinel monitor <name> …`). */
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
      tls: boolean;
    }
  | { kind: 'cluster'; nodes: RedisHost[]; username?: string; password?: string; tls: boolean };

const SENTINEL_EXAMPLE = 'redis+sentinel://s1:26379,s2:26379,s3:26379/mymaster';
const CLUSTER_EXAMPLE = 'redis+cluster://n1:6379,n2:6379,n3:6379';
const SENTINEL_OPTIONS = ['sentinelUsername', 'sentinelPassword'] as const;

/** Near-misses of our schemes that other tools use: named with what to write instead. */
const LOOKALIKES: Record<string, string> = {
  'redis-sentinel': SENTINEL_EXAMPLE,
  sentinel: SENTINEL_EXAMPLE,
  'rediss-sentinel': SENTINEL_EXAMPLE.replace('redis+', 'rediss+'),
  'redis-cluster': CLUSTER_EXAMPLE,
  'rediss-cluster': CLUSTER_EXAMPLE.replace('redis+', 'rediss+'),
};

type Problem = { problem: string };
const problem = (text: string): Problem => ({ problem: text });

/** Parses REDIS_URL; on a wrong value, says what is wrong (to follow "REDIS_URL: ") and what to write. */
export function parseRedisUrl(text: string): RedisTarget | Problem {
  const value = text.trim();
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(value)?.[1]?.toLowerCase();
  if (scheme === 'redis' || scheme === 'rediss') return parseSingle(value);
  const modes = /^(rediss?)\+(sentinel|cluster)$/.exec(scheme ?? '');
  if (!scheme || !modes) {
    const instead = scheme ? LOOKALIKES[scheme] : undefined;
    if (instead) return problem(`starts with ${scheme}://, a form this server does not read; write ${instead.slice(0, instead.indexOf('/'))}//…, e.g. ${instead}`);
    return problem('is not a redis:// or rediss:// URL (nor redis+sentinel:// or redis+cluster://); use e.g. redis://redis:6379');
  }
  const tls = modes[1] === 'rediss';
  const mode = modes[2] as 'sentinel' | 'cluster';

  const rest = value.slice(scheme.length + 3);
  if (rest.includes('#')) return problem(`has a # fragment; remove it (a # in a password is written %23)`);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  const afterAuthority = authorityEnd === -1 ? '' : rest.slice(authorityEnd);
  const queryStart = afterAuthority.indexOf('?');
  const path = queryStart === -1 ? afterAuthority : afterAuthority.slice(0, queryStart);
  const query = queryStart === -1 ? '' : afterAuthority.slice(queryStart + 1);

  const at = authority.lastIndexOf('@');
  const credentials = parseCredentials(at === -1 ? undefined : authority.slice(0, at));
  if ('problem' in credentials) return credentials;
  const hosts = parseHosts(at === -1 ? authority : authority.slice(at + 1), mode === 'sentinel' ? 26379 : 6379, mode);
  if ('problem' in hosts) return hosts;

  const options = new URLSearchParams(query);
  if (mode === 'cluster') {
    if (path !== '' && path !== '/') return problem(`is a Cluster URL with a path; a Cluster has only database 0 and no name, so give just the nodes, e.g. ${CLUSTER_EXAMPLE}`);
    if ([...options.keys()].length > 0) return problem(`has options (after ?), which a Cluster URL does not take; give just the nodes, e.g. ${CLUSTER_EXAMPLE}`);
    return { kind: 'cluster', nodes: hosts.list, ...credentials.value, tls };
  }

  const segments = path.split('/').slice(1);
  const name = segments[0] ? safeDecode(segments[0]) : '';
  if (!name) return problem(`is a Sentinel URL without the master name; give it as the path, e.g. ${SENTINEL_EXAMPLE}`);
  if (segments.length > 2 || (segments.length === 2 && !/^\d{1,5}$/.test(segments[1] ?? ''))) {
    return problem(`has more than the master name and a database number in its path; use e.g. ${SENTINEL_EXAMPLE} or …/mymaster/1`);
  }
  const db = segments[1] ? Number(segments[1]) : 0;
  const sentinel: { sentinelUsername?: string; sentinelPassword?: string } = {};
  for (const [key, option] of options) {
    if (!(SENTINEL_OPTIONS as readonly string[]).includes(key)) {
      // Not quoted: a stray & in a password would put part of it here.
      return problem(`has an option a Sentinel URL does not take; it takes only ${SENTINEL_OPTIONS.join(' and ')} (percent-encode & and = in their values)`);
    }
    if (option === '') return problem(`has an empty ${key}; give a value or leave the option out`);
    sentinel[key as (typeof SENTINEL_OPTIONS)[number]] = option;
  }
  return { kind: 'sentinel', sentinels: hosts.list, name, db, ...credentials.value, ...sentinel, tls };
}

/** One server: what ioredis itself accepts, as before. */
function parseSingle(value: string): RedisTarget | Problem {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    if (/^[^/]*\/\/[^/]*,/.test(value)) return severalHosts();
    return problem('is not a valid redis:// URL; use e.g. redis://redis:6379 (percent-encode special characters in the password)');
  }
  if (url.hostname.includes(',')) return severalHosts();
  return { kind: 'single', url: value };
}

function severalHosts(): Problem {
  return problem(`lists several hosts; for a Sentinel deployment write ${SENTINEL_EXAMPLE}, for a Cluster ${CLUSTER_EXAMPLE}`);
}

function safeDecode(text: string): string | undefined {
  try {
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

function parseCredentials(userinfo: string | undefined): { value: { username?: string; password?: string } } | Problem {
  if (userinfo === undefined || userinfo === '') return { value: {} };
  const colon = userinfo.indexOf(':');
  const username = safeDecode(colon === -1 ? userinfo : userinfo.slice(0, colon));
  const password = colon === -1 ? '' : safeDecode(userinfo.slice(colon + 1));
  if (username === undefined || password === undefined) return problem('has a user or password with a broken %-escape; percent-encode special characters, e.g. %40 for @');
  // As in redis://: "user@" alone (no colon) is the password of the default user, which is what people mean.
  if (colon === -1) return { value: { password: username } };
  return { value: { ...(username ? { username } : {}), ...(password ? { password } : {}) } };
}

function parseHosts(list: string, defaultPort: number, mode: 'sentinel' | 'cluster'): { list: RedisHost[] } | Problem {
  const what = mode === 'sentinel' ? 'Sentinels' : 'Cluster nodes';
  const example = mode === 'sentinel' ? SENTINEL_EXAMPLE : CLUSTER_EXAMPLE;
  if (list === '') return problem(`names no ${what}; list them as host:port separated by commas, e.g. ${example}`);
  const hosts: RedisHost[] = [];
  // Entries are named by position, never quoted: a password with an unencoded / or @ lands here.
  for (const [index, entry] of list.split(',').entries()) {
    if (entry === '') return problem(`has an empty entry in its list of ${what}; use e.g. ${example}`);
    const match = /^(?:\[([0-9a-f:.]+)\]|([a-z0-9._-]+))(?::(\d*))?$/i.exec(entry);
    if (!match) return problem(`has an entry (number ${index + 1}) in its list of ${what} that is not host or host:port; use e.g. ${example} (percent-encode / @ ? # in the password)`);
    const port = match[3] === undefined ? defaultPort : Number(match[3]);
    if (!Number.isInteger(port) || port < 1 || port > 65535 || match[3] === '') {
      return problem(`has an entry (number ${index + 1}) in its list of ${what} whose port is not 1-65535; use e.g. ${example}`);
    }
    hosts.push({ host: (match[1] ?? match[2]) as string, port });
  }
  return { list: hosts };
}
