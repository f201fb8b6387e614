/**
 * undici dispatchers for the test clients (HttpBrowser and openid-client), which use Node's fetch:
 * one that trusts a test CA and resolves test host names to loopback (the https origin that nginx
 * serves in front of the app), and one that injects headers, Host too (fetch itself refuses to).
 * `routeOrigin` registers a dispatcher for an origin, so helpers that take only an issuer URL
 * (signUpAndRegister, redeemCode…) reach it too.
 */
import { lookup, type LookupAddress } from 'node:dns';
import { Agent, type Dispatcher } from 'undici';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Trusts `ca` (PEM) on top of nothing else, and connects to 127.0.0.1 for every name in `hosts`. */
export function tlsDispatcher(options: { ca: string; hosts: readonly string[] }): Agent {
  return new Agent({
    connect: {
      ca: options.ca,
      lookup(hostname: string, lookupOptions: { all?: boolean }, callback: LookupCallback) {
        if (!options.hosts.includes(hostname)) return lookup(hostname, lookupOptions, callback as never);
        if (lookupOptions.all) return callback(null, [{ address: '127.0.0.1', family: 4 }]);
        return callback(null, '127.0.0.1', 4);
      },
    },
  });
}

/** Sends `headers` (Host too, which fetch itself will not) on every request: an injection attacker. */
export function injectHeaders(inject: Record<string, string>, base: Dispatcher = new Agent()): Dispatcher {
  return base.compose((dispatch) => (options, handler) => {
    const headers: Record<string, string> = {};
    const given = options.headers;
    if (Array.isArray(given)) {
      for (let i = 0; i + 1 < given.length; i += 2) headers[String(given[i])] = String(given[i + 1]);
    } else if (given) {
      for (const [name, value] of Object.entries(given)) if (value !== undefined) headers[name] = String(value);
    }
    return dispatch({ ...options, headers: { ...headers, ...inject } }, handler);
  });
}

const byOrigin = new Map<string, Dispatcher>();

/** Requests to `origin` go through `dispatcher` until the returned function is called. */
export function routeOrigin(origin: string, dispatcher: Dispatcher): () => void {
  const key = new URL(origin).origin;
  byOrigin.set(key, dispatcher);
  return () => void byOrigin.delete(key);
}

export function dispatcherFor(url: string | URL): Dispatcher | undefined {
  return byOrigin.get(new URL(url).origin);
}

/** fetch through the dispatcher registered for the URL's origin, if any (openid-client's customFetch). */
export function testFetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
  const dispatcher = dispatcherFor(url);
  return fetch(url, dispatcher ? withDispatcher(init, dispatcher) : init);
}

/** Node's fetch takes undici's `dispatcher` option; the global RequestInit type does not list it. */
export function withDispatcher(init: RequestInit, dispatcher: Dispatcher): RequestInit {
  return { ...init, dispatcher } as RequestInit;
}
