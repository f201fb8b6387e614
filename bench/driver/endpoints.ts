// The endpoint rows: one request kind at a time at full speed with wrk (wrk.ts), the same for both
// servers. Tokens come from one real sign-in of the confidential app just before (prepareTokens).
import { confidentialBasicAuth, CONFIDENTIAL_CLIENT_ID } from '../clients.ts';
import { cpuMs } from '../proc.ts';
import { signIn, type Person, type Target } from './sign-in.ts';
import { runWrk } from './wrk.ts';

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
  /** Answers with a status of 400 or more, a wrong first answer, connection errors and timeouts. */
  errors: number;
  /** Server CPU per answered request, in microseconds. */
  cpuUsPerRequest: number;
}

export interface EndpointLoad {
  connections: number;
  /** Seconds per row. */
  seconds: number;
}

export async function runEndpoint(endpoint: EndpointName, target: Target, tokens: Tokens, pid: number, load: EndpointLoad): Promise<EndpointResult> {
  const spec = requestFor(endpoint, target, tokens);
  // wrk counts only 4xx and 5xx as errors: the first answer is checked to be exactly a 200 first.
  const first = await target.connections.send(spec.method, spec.path, spec.headers, spec.body);
  const port = new URL(target.connections.issuer).port;
  const cpuBefore = cpuMs(pid);
  const result = await runWrk({ url: `http://127.0.0.1:${port}${spec.path}`, ...spec, connections: load.connections, seconds: load.seconds });
  const cpu = cpuMs(pid) - cpuBefore;
  const ok = result.responses - result.statusErrors;
  return {
    endpoint,
    perSecond: ok / result.wallSeconds,
    p50: result.p50Ms,
    p99: result.p99Ms,
    ok,
    errors: result.statusErrors + result.socketErrors + (first.status === 200 ? 0 : 1),
    cpuUsPerRequest: ok > 0 ? (cpu * 1000) / ok : Number.NaN,
  };
}
