// One complete passkey sign-in as a browser and its app make it, seven requests with a fresh
// cookie jar: authorize → page → options → verify → resume → token → userinfo. Each step is
// timed on its own and checked; a wrong answer ends the sign-in as an error of that step.
import { createHash, randomBytes } from 'node:crypto';
import type { SoftwareAuthenticator } from '../../test/helpers/software-authenticator.ts';
import { CALLBACK, PUBLIC_CLIENT_ID, SIGN_IN_SCOPE } from '../clients.ts';
import { pathOf, Visit, type Connections, type Reply } from './http.ts';
import type { SignInScript } from './scripts.ts';

export const STEPS = ['authorize', 'page', 'options', 'verify', 'resume', 'token', 'userinfo'] as const;
export type Step = (typeof STEPS)[number];

/** The endpoints a server publishes in its discovery document (paths, the pool adds the origin). */
export interface Endpoints {
  authorization: string;
  token: string;
  userinfo: string;
  introspection: string;
  jwks: string;
  /** RP-initiated logout, where the server has it (the soak's sign-out). */
  endSession: string | undefined;
}

export interface Target {
  connections: Connections;
  endpoints: Endpoints;
  script: SignInScript;
}

export interface Person {
  /** The expected `sub`. */
  id: string;
  ip: string;
  authenticator: SoftwareAuthenticator;
}

export class StepError extends Error {
  readonly step: Step;
  constructor(step: Step, message: string) {
    super(`${step}: ${message}`);
    this.name = 'StepError';
    this.step = step;
  }
}

const base64url = (bytes: Buffer) => bytes.toString('base64url');

function expect(step: Step, reply: Reply, ...statuses: number[]): Reply {
  if (statuses.includes(reply.status)) return reply;
  throw new StepError(step, `status ${reply.status}${reply.location ? ` → ${reply.location}` : ''}: ${reply.text.slice(0, 200).replace(/\s+/g, ' ')}`);
}

function json<T>(step: Step, reply: Reply): T {
  try {
    return JSON.parse(reply.text) as T;
  } catch {
    throw new StepError(step, `not JSON: ${reply.text.slice(0, 200)}`);
  }
}

export type StepTimer = (step: Step, ms: number) => void;

export interface SignInOptions {
  clientId?: string;
  scope?: string;
  /** Extra authorization parameters (prompt=consent for a refresh token). */
  extra?: Record<string, string>;
  /** Token endpoint client authentication (an Authorization header) for a confidential client. */
  authorization?: string;
  /** The browser visit to sign in with (its cookie jar outlives the sign-in: the soak signs out with it); a fresh one by default. */
  visit?: Visit;
}

/** Runs one sign-in; returns the token response. Throws a StepError naming the failed step. */
export async function signIn(target: Target, person: Person, time: StepTimer, options: SignInOptions = {}): Promise<Record<string, unknown>> {
  const progress = { step: 'authorize' as Step };
  try {
    return await steps(target, person, time, options, progress);
  } catch (error) {
    // A refused connection or a reset is charged to the step that was under way.
    throw error instanceof StepError ? error : new StepError(progress.step, (error as Error).message);
  }
}

async function steps(target: Target, person: Person, time: StepTimer, options: SignInOptions, progress: { step: Step }): Promise<Record<string, unknown>> {
  const { endpoints, script } = target;
  const visit = options.visit ?? new Visit(target.connections, person.ip);
  const clientId = options.clientId ?? PUBLIC_CLIENT_ID;
  const verifier = base64url(randomBytes(32));
  const state = base64url(randomBytes(16));
  let started = performance.now();
  const lap = (step: Step) => {
    const now = performance.now();
    time(step, now - started);
    started = now;
    progress.step = STEPS[STEPS.indexOf(step) + 1] ?? step;
  };

  const query = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: options.scope ?? SIGN_IN_SCOPE,
    redirect_uri: CALLBACK,
    state,
    code_challenge: base64url(createHash('sha256').update(verifier).digest()),
    code_challenge_method: 'S256',
    ...options.extra,
  });
  const authorized = expect('authorize', await visit.get(`${endpoints.authorization}?${query}`), 302, 303);
  const uid = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(pathOf(authorized.location ?? ''))?.[1];
  if (!uid) throw new StepError('authorize', `not sent to an interaction: ${authorized.location}`);
  lap('authorize');

  expect('page', await visit.get(script.page(uid), { accept: 'text/html' }), 200);
  lap('page');

  const optionsRequest = script.options(uid);
  const requestOptions = json<Parameters<SoftwareAuthenticator['authenticate']>[0]>(
    'options',
    expect('options', await visit.post(optionsRequest.path, 'application/json', JSON.stringify(optionsRequest.body), { accept: 'application/json' }), 200),
  );
  lap('options');

  // The signature is the authenticator's work, done in the browser: it is part of the verify step's time as in a real sign-in.
  const verifyRequest = script.verify(uid, person.authenticator.authenticate(requestOptions));
  const verified = json<{ redirectTo?: string }>(
    'verify',
    expect('verify', await visit.post(verifyRequest.path, 'application/json', JSON.stringify(verifyRequest.body), { accept: 'application/json' }), 200),
  );
  if (!verified.redirectTo) throw new StepError('verify', 'no redirectTo');
  lap('verify');

  // The provider may redirect more than once before it sends the browser back to the app.
  let location = verified.redirectTo;
  for (let hops = 0; !location.startsWith(`${CALLBACK}?`); hops++) {
    if (hops === 4 || !location) throw new StepError('resume', `did not reach the callback, last ${location}`);
    location = expect('resume', await visit.get(location), 302, 303).location ?? '';
  }
  const callback = new URL(location).searchParams;
  const code = callback.get('code');
  if (!code || callback.get('state') !== state) throw new StepError('resume', `callback without code or state: ${location}`);
  lap('resume');

  // Token and userinfo are the app's own server calling: no browser cookies, no Origin (which would
  // make them CORS requests).
  const form = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: CALLBACK, code_verifier: verifier });
  if (!options.authorization) form.set('client_id', clientId);
  const tokens = json<Record<string, unknown>>(
    'token',
    expect('token', await target.connections.send('POST', endpoints.token, { 'content-type': 'application/x-www-form-urlencoded', ...(options.authorization ? { authorization: options.authorization } : {}) }, form.toString()), 200),
  );
  if (typeof tokens['access_token'] !== 'string' || typeof tokens['id_token'] !== 'string') throw new StepError('token', 'no access_token or id_token');
  lap('token');

  const claims = json<{ sub?: string }>(
    'userinfo',
    expect('userinfo', await target.connections.send('GET', endpoints.userinfo, { authorization: `Bearer ${tokens['access_token']}` }), 200),
  );
  if (claims.sub !== person.id) throw new StepError('userinfo', `sub ${claims.sub}, expected ${person.id}`);
  lap('userinfo');
  return tokens;
}
