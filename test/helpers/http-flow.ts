/**
 * Sign-in flows over plain HTTP, without a browser: what the hosted pages and their scripts do,
 * driven step by step with a cookie jar and the software authenticator. Used by the integration
 * tests (and bench/ for setup), so it holds no assertions: a step that gets an unexpected answer throws
 * a `FlowError` that carries the status and body.
 *
 *   const browser = new HttpBrowser(app.url, { ip: '203.0.113.7' });
 *   const request = await authorize(browser);                        // GET /auth → /interaction/<uid>
 *   await signUp(browser, request.uid, 'ada', 'ada@example.com');     // POST …/signup
 *   const authenticator = newAuthenticator(app.url);
 *   const resume = await registerPasskey(browser, request.uid, authenticator); // → /auth/<uid>
 *   const callback = await followToCallback(browser, resume);         // http://localhost:8080/callback?code=…
 *   const { tokens, sub } = await redeemCode(app.url, callback, request);
 *   const claims = await fetchUserInfo(app.url, request.clientId, tokens.access_token, sub);
 *
 * HttpBrowser
 *   new HttpBrowser(issuer, { ip? })  `ip` is sent as X-Forwarded-For: the app honours it only
 *                                     with TRUST_PROXY=true, which lets one process act as many
 *                                     clients under the per-IP rate limits.
 *   new HttpBrowser(issuer, { dispatcher? })  an undici dispatcher for every request (dispatchers.ts:
 *                                     injectHeaders); else the one routed for the URL's origin
 *                                     (the nginx helper routes its https origin, trusting its CA).
 *   new HttpBrowser(issuer, { onResponse? })  sees every response (status, Set-Cookie attributes).
 *   .get(pathOrUrl) / .postForm(path, fields, opts) / .postJson(path, body, opts) /
 *   .post(path, rawBody, contentType, opts)    fetch with redirect: 'manual', the jar's cookies,
 *                                     and (POSTs) `Origin: <issuer>`; opts.origin overrides it,
 *                                     `null` sends none. Responses' Set-Cookie update the jar.
 *   .cookies                          the jar, name → value (paths are ignored: every cookie is
 *                                     sent everywhere; a later cookie of the same name wins).
 *
 * Steps (each takes the browser and the interaction uid)
 *   authorize(browser, { clientId?, scope?, prompt? }) → AuthorizationRequest { uid, verifier, state, clientId }
 *   login(browser, uid, login)                    username step (303)
 *   signUp(browser, uid, username, email)         signup (303); the new account may now add a passkey
 *   registrationOptions / postRegistration(browser, uid, credential) → Response
 *   registerPasskey(browser, uid, authenticator, overrides?) → redirectTo
 *   authenticationOptions(browser, uid, mode) / postAuthentication(browser, uid, mode, credential) → Response
 *   signInWithPasskey(browser, uid, authenticator, { login?, overrides? }) → redirectTo
 *                                                 with `login`: username step then mode 'account';
 *                                                 without: usernameless (mode 'autofill')
 *   codeRequestUrl(config, params?) → { url, verifier, state }   a code request with PKCE, for follow()
 *   followAllowing(browser, url) → URL            follow(), answering "Allow" on a consent page
 *   follow(browser, url) → URL                    follows the provider's redirects until they leave
 *                                                 the issuer or reach an /interaction/ page (consent)
 *   followToCallback(browser, url) → URL          the same, but it must end at CALLBACK
 *   consent(browser, uid, 'allow' | 'deny') → URL the callback URL
 *   redeemCode(issuer, callback, request) → { tokens, sub }     (openid-client, PKCE + state checked)
 *   fetchUserInfo(issuer, clientId, accessToken, sub)
 *   signUpAndRegister(issuer, { username, email, ip?, authenticator? }) → the whole first sign-in
 */
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Dispatcher } from 'undici';
import { nextCodeFor } from './mail-sink.ts';
import { dispatcherFor, withDispatcher } from './dispatchers.ts';
import { discoverAs, oidc } from './relying-party.ts';
import { SoftwareAuthenticator, type AssertionOverrides, type AuthenticatorOptions, type RegisterOverrides } from './software-authenticator.ts';

export const CALLBACK = 'http://localhost:8080/callback';

export type PasskeyMode = 'account' | 'autofill';

/** An answer the flow did not expect. */
export class FlowError extends Error {
  readonly status: number;
  readonly body: string;
  constructor(step: string, status: number, body: string) {
    super(`${step}: unexpected ${status}: ${body.slice(0, 300)}`);
    this.name = 'FlowError';
    this.status = status;
    this.body = body;
  }
}

export interface RequestOptions {
  /** The Origin header of a POST: the issuer by default, `null` for none. */
  origin?: string | null;
  headers?: Record<string, string>;
}

export class HttpBrowser {
  readonly issuer: string;
  readonly ip: string | undefined;
  readonly dispatcher: Dispatcher | undefined;
  readonly onResponse: ((response: Response, url: URL) => void) | undefined;
  readonly cookies = new Map<string, string>();

  constructor(issuer: string, options: { ip?: string; dispatcher?: Dispatcher; onResponse?: (response: Response, url: URL) => void } = {}) {
    this.issuer = issuer;
    this.ip = options.ip;
    this.dispatcher = options.dispatcher;
    this.onResponse = options.onResponse;
  }

  url(pathOrUrl: string | URL): URL {
    return new URL(pathOrUrl, this.issuer);
  }

  async get(pathOrUrl: string | URL, options: RequestOptions = {}): Promise<Response> {
    return this.#fetch(pathOrUrl, 'GET', undefined, options);
  }

  async post(path: string, body: string, contentType: string | undefined, options: RequestOptions = {}): Promise<Response> {
    const headers: Record<string, string> = { ...(contentType ? { 'content-type': contentType } : {}), ...options.headers };
    return this.#fetch(path, 'POST', body, { ...options, headers });
  }

  async postForm(path: string, fields: Record<string, string>, options: RequestOptions = {}): Promise<Response> {
    return this.post(path, new URLSearchParams(fields).toString(), 'application/x-www-form-urlencoded', options);
  }

  async postJson(path: string, body: unknown, options: RequestOptions = {}): Promise<Response> {
    return this.post(path, JSON.stringify(body), 'application/json', {
      ...options,
      headers: { accept: 'application/json', ...options.headers },
    });
  }

  async #fetch(pathOrUrl: string | URL, method: string, body: string | undefined, options: RequestOptions): Promise<Response> {
    const headers: Record<string, string> = {};
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (this.ip) headers['x-forwarded-for'] = this.ip;
    const origin = options.origin === undefined ? (method === 'GET' ? null : this.issuer) : options.origin;
    if (origin !== null) headers['origin'] = origin;
    const url = this.url(pathOrUrl);
    const dispatcher = this.dispatcher ?? dispatcherFor(url);
    const init: RequestInit = { method, body, redirect: 'manual', headers: { ...headers, ...options.headers } };
    const response = await fetch(url, dispatcher ? withDispatcher(init, dispatcher) : init);
    this.onResponse?.(response, url);
    this.#store(response);
    return response;
  }

  #store(response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let expired = value === '';
      for (const attribute of attributes) {
        const [key = '', val = ''] = attribute.split('=', 2).map((s) => s.trim());
        if (key.toLowerCase() === 'max-age' && Number(val) <= 0) expired = true;
        if (key.toLowerCase() === 'expires' && Date.parse(val) <= Date.now()) expired = true;
      }
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
}

/** A software platform authenticator for this issuer (origin = issuer, RP ID = its host). */
export function newAuthenticator(issuer: string, options: Partial<AuthenticatorOptions> = {}): SoftwareAuthenticator {
  return new SoftwareAuthenticator({ origin: new URL(issuer).origin, rpId: new URL(issuer).hostname, ...options });
}

async function expectStatus(step: string, response: Response, ...expected: number[]): Promise<Response> {
  if (expected.includes(response.status)) return response;
  throw new FlowError(step, response.status, await response.text());
}

async function json<T>(step: string, response: Response): Promise<T> {
  await expectStatus(step, response, 200);
  return (await response.json()) as T;
}

// ---------------------------------------------------------------- the relying party's side

const configurations = new Map<string, Promise<oidc.Configuration>>();

/** openid-client's configuration for a test client, discovered once per issuer and client. */
export function relyingParty(issuer: string, clientId = 'test-confidential'): Promise<oidc.Configuration> {
  const key = `${issuer} ${clientId}`;
  let configuration = configurations.get(key);
  if (!configuration) {
    configuration = discoverAs(issuer, clientId);
    configuration.catch(() => configurations.delete(key));
    configurations.set(key, configuration);
  }
  return configuration;
}

export interface AuthorizationRequest {
  uid: string;
  verifier: string;
  state: string;
  clientId: string;
}

/**
 * A code request as a relying party builds it, to CALLBACK: PKCE S256 and a state, plus `params`
 * (the scope is `openid profile email` unless they say otherwise).
 */
export async function codeRequestUrl(config: oidc.Configuration, params: Record<string, string> = {}): Promise<{ url: URL; verifier: string; state: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: CALLBACK,
    scope: 'openid profile email',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...params,
  });
  return { url, verifier, state };
}

/** The relying party sends the browser to /auth (code + PKCE S256); it arrives at /interaction/<uid>. */
export async function authorize(
  browser: HttpBrowser,
  options: { clientId?: string; scope?: string; prompt?: string } = {},
): Promise<AuthorizationRequest> {
  const clientId = options.clientId ?? 'test-confidential';
  const config = await relyingParty(browser.issuer, clientId);
  const { url, verifier, state } = await codeRequestUrl(config, {
    ...(options.scope ? { scope: options.scope } : {}),
    ...(options.prompt ? { prompt: options.prompt } : {}),
  });
  const response = await expectStatus('authorize', await browser.get(url), 303);
  const location = response.headers.get('location') ?? '';
  const uid = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(location)?.[1];
  if (!uid) throw new FlowError('authorize', response.status, `not sent to an interaction: ${location}`);
  return { uid, verifier, state, clientId };
}

/** The authorization code grant for a callback URL, then the ID token's subject. */
export async function redeemCode(
  issuer: string,
  callback: URL,
  request: Pick<AuthorizationRequest, 'verifier' | 'state' | 'clientId'>,
): Promise<{ tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers; sub: string }> {
  const config = await relyingParty(issuer, request.clientId);
  const tokens = await oidc.authorizationCodeGrant(config, callback, { pkceCodeVerifier: request.verifier, expectedState: request.state });
  const sub = tokens.claims()?.sub;
  if (!sub) throw new Error('redeemCode: the ID token has no sub');
  return { tokens, sub };
}

export async function fetchUserInfo(issuer: string, clientId: string, accessToken: string, sub: string): Promise<oidc.UserInfoResponse> {
  return oidc.fetchUserInfo(await relyingParty(issuer, clientId), accessToken, sub);
}

// ---------------------------------------------------------------- the hosted pages

const base = (uid: string) => `/interaction/${uid}`;

export async function login(browser: HttpBrowser, uid: string, loginName: string): Promise<void> {
  await expectStatus('login', await browser.postForm(`${base(uid)}/login`, { login: loginName }), 303);
}

/** The signup form, then the code mailed to the address (read from the test mail sink). */
export async function signUp(browser: HttpBrowser, uid: string, username: string, email: string): Promise<void> {
  await expectStatus('signup', await browser.postForm(`${base(uid)}/signup`, { username, email }), 303);
  const { code } = await nextCodeFor(email);
  await expectStatus('signup code', await browser.postForm(`${base(uid)}/signup/verify`, { code }), 303);
}

export async function registrationOptions(browser: HttpBrowser, uid: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
  return json('register/options', await browser.postJson(`${base(uid)}/passkey/register/options`, {}));
}

export function postRegistration(browser: HttpBrowser, uid: string, credential: RegistrationResponseJSON): Promise<Response> {
  return browser.postJson(`${base(uid)}/passkey/register/verify`, { credential });
}

/** After signUp: creates a passkey on the authenticator and registers it; returns where to continue. */
export async function registerPasskey(
  browser: HttpBrowser,
  uid: string,
  authenticator: SoftwareAuthenticator,
  overrides?: RegisterOverrides,
): Promise<string> {
  const options = await registrationOptions(browser, uid);
  const response = await postRegistration(browser, uid, authenticator.register(options, overrides));
  return (await json<{ redirectTo: string }>('register/verify', response)).redirectTo;
}

export async function authenticationOptions(browser: HttpBrowser, uid: string, mode: PasskeyMode): Promise<PublicKeyCredentialRequestOptionsJSON> {
  return json('passkey/options', await browser.postJson(`${base(uid)}/passkey/options`, { mode }));
}

export function postAuthentication(
  browser: HttpBrowser,
  uid: string,
  mode: PasskeyMode,
  credential: AuthenticationResponseJSON,
  extra: { signals?: boolean } = {},
): Promise<Response> {
  return browser.postJson(`${base(uid)}/passkey/verify`, { mode, credential, ...extra });
}

/** Passkey sign-in; with `login` after the username step (mode 'account'), else usernameless ('autofill'). */
export async function signInWithPasskey(
  browser: HttpBrowser,
  uid: string,
  authenticator: SoftwareAuthenticator,
  options: { login?: string; overrides?: AssertionOverrides } = {},
): Promise<string> {
  const mode: PasskeyMode = options.login === undefined ? 'autofill' : 'account';
  if (options.login !== undefined) await login(browser, uid, options.login);
  const requestOptions = await authenticationOptions(browser, uid, mode);
  const response = await postAuthentication(browser, uid, mode, authenticator.authenticate(requestOptions, options.overrides));
  return (await json<{ redirectTo: string }>('passkey/verify', response)).redirectTo;
}

/**
 * Follows the provider's redirects (/auth/<uid> resume and the like) with the jar's cookies until
 * they leave the issuer (the callback) or reach one of our interaction pages (e.g. consent).
 */
export async function follow(browser: HttpBrowser, url: string | URL): Promise<URL> {
  let current = browser.url(url);
  for (let hops = 0; hops < 10; hops += 1) {
    const response = await browser.get(current);
    await response.arrayBuffer();
    const location = response.headers.get('location');
    if (response.status < 300 || response.status >= 400 || !location) {
      throw new FlowError(`follow ${current.pathname}`, response.status, 'no redirect');
    }
    current = new URL(location, current);
    if (current.origin !== browser.url('/').origin || current.pathname.startsWith('/interaction/')) return current;
  }
  throw new FlowError('follow', 0, `too many redirects, last ${current.href}`);
}

/** follow(), which must end at the relying party's callback. */
export async function followToCallback(browser: HttpBrowser, url: string | URL): Promise<URL> {
  const target = await follow(browser, url);
  if (!target.href.startsWith(`${CALLBACK}?`)) throw new FlowError('followToCallback', 0, `ended at ${target.href}`);
  return target;
}

/** follow() for a browser with a provider session, answering "Allow" if the consent page comes. */
export async function followAllowing(browser: HttpBrowser, url: string | URL): Promise<URL> {
  const target = await follow(browser, url);
  return target.pathname.startsWith('/interaction/') ? consent(browser, interactionUid(target), 'allow') : target;
}

/** Answers the consent page of interaction `uid`; returns the callback URL. */
export async function consent(browser: HttpBrowser, uid: string, decision: 'allow' | 'deny'): Promise<URL> {
  const response = await expectStatus('consent', await browser.postForm(`${base(uid)}/consent`, { decision }), 303);
  return followToCallback(browser, response.headers.get('location') ?? '');
}

/** The uid of an /interaction/<uid> URL (as `follow` returns for consent). */
export function interactionUid(url: URL): string {
  const uid = /^\/interaction\/([A-Za-z0-9_-]+)$/.exec(url.pathname)?.[1];
  if (!uid) throw new Error(`not an interaction URL: ${url.href}`);
  return uid;
}

/**
 * The whole first visit with the first-party client: signup, create a passkey, code, tokens.
 * Returns the browser (now holding the provider session and remembered-user cookie) and authenticator.
 */
export async function signUpAndRegister(
  issuer: string,
  account: { username: string; email: string; ip?: string; authenticator?: SoftwareAuthenticator },
): Promise<{
  browser: HttpBrowser;
  authenticator: SoftwareAuthenticator;
  sub: string;
  tokens: oidc.TokenEndpointResponse & oidc.TokenEndpointResponseHelpers;
}> {
  const browser = new HttpBrowser(issuer, account.ip ? { ip: account.ip } : {});
  const authenticator = account.authenticator ?? newAuthenticator(issuer);
  const request = await authorize(browser);
  await signUp(browser, request.uid, account.username, account.email);
  const callback = await followToCallback(browser, await registerPasskey(browser, request.uid, authenticator));
  const { tokens, sub } = await redeemCode(issuer, callback, request);
  return { browser, authenticator, sub, tokens };
}
