// The endpoint rows: one request kind at a time at full speed with autocannon, the same for both
// servers. Tokens come from one real sign-in of the confidential app just before (prepareTokens).
import autocannon from 'autocannon';
import { confidentialBasicAuth, CONFIDENTIAL_CLIENT_ID } from '../clients.ts';
import { cpuMs } from '../proc.ts';
import { signIn, type Person, type Target } from './sign-in.ts';

export const ENDPOINTS = ['discovery', 'jwks', 'client credentials', 'refresh', 'introspection', 'userinfo'] as const;
export type EndpointName = (typeof ENDPOINTS)[number];

export interface Tokens {
  accessToken: string;
  refreshToken: string;
}

/** A sign-in with the confidential app asking for offline_access: an access and a refresh token. */
export async function prepareTokens(target: Target, person: Person): Promise<Tokens> {
  const tokens = await signIn(target, person, () => {}, {
    clientId: CONFIDENTIAL_CLIENT_ID,
    scope: 'openid profile email offline_access',
    // oidc-provider drops offline_access unless the request asks for consent.
    extra: { prompt: 'consent' },
    authorization: confidentialBasicAuth(),
  });
  const refreshToken = tokens['refresh_token'];
  if (typeof refreshToken !== 'string') throw new Error('the confidential sign-in returned no refresh token');
  return { accessToken: String(tokens['access_token']), refreshToken };
}

interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

function requestFor(endpoint: EndpointName, target: Target, tokens: Tokens): RequestSpec {
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const client = { authorization: confidentialBasicAuth(), 'content-type': 'application/x-www-form-urlencoded' };
  const { endpoints } = target;
  switch (endpoint) {
    case 'discovery':
      return { method: 'GET', path: '/.well-known/openid-configuration', headers: {} };
    case 'jwks':
      return { method: 'GET', path: endpoints.jwks, headers: {} };
    case 'client credentials':
      return { method: 'POST', path: endpoints.token, headers: client, body: form({ grant_type: 'client_credentials' }) };
    case 'refresh':
      // A confidential client's refresh token does not rotate (oidc-provider's default): reusable.
      return { method: 'POST', path: endpoints.token, headers: client, body: form({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken }) };
    case 'introspection':
      return { method: 'POST', path: endpoints.introspection, headers: client, body: form({ token: tokens.accessToken }) };
    case 'userinfo':
      return { method: 'GET', path: endpoints.userinfo, headers: { authorization: `Bearer ${tokens.accessToken}` } };
  }
}

export interface EndpointResult {
  endpoint: EndpointName;
  perSecond: number;
  p50: number;
  p99: number;
  ok: number;
  /** Non-2xx answers, connection errors and timeouts. */
  errors: number;
  /** Server CPU per answered request, in microseconds. */
  cpuUsPerRequest: number;
}

export interface EndpointLoad {
  connections: number;
  /** Seconds per row; or `amount` requests per row (the smoke). */
  seconds?: number;
  amount?: number;
}

export async function runEndpoint(endpoint: EndpointName, target: Target, tokens: Tokens, pid: number, load: EndpointLoad): Promise<EndpointResult> {
  const spec = requestFor(endpoint, target, tokens);
  const port = new URL(target.connections.issuer).port;
  const cpuBefore = cpuMs(pid);
  const started = performance.now();
  const result = await autocannon({
    url: `http://127.0.0.1:${port}${spec.path}`,
    method: spec.method,
    headers: spec.headers,
    ...(spec.body === undefined ? {} : { body: spec.body }),
    connections: load.connections,
    ...(load.amount === undefined ? { duration: load.seconds ?? 5 } : { amount: load.amount }),
    timeout: 10,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  const cpu = cpuMs(pid) - cpuBefore;
  const ok = result['2xx'];
  return {
    endpoint,
    perSecond: ok / wallSeconds,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok,
    errors: result.non2xx + result.errors + result.timeouts,
    cpuUsPerRequest: ok > 0 ? (cpu * 1000) / ok : Number.NaN,
  };
}
