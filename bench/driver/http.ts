// The driver's HTTP client: an undici connection pool per server plus a tiny cookie jar per
// sign-in. undici's request() costs the client far less CPU than fetch(), and the driver shares
// the machine with the server it measures. Connections are kept alive, as a browser's are.
import { Pool } from 'undici';

export interface Reply {
  status: number;
  location: string | undefined;
  text: string;
}

/** Keep-alive connections to one server; `host` is the issuer's host:port (URLs follow ISSUER). */
export class Connections {
  readonly pool: Pool;
  readonly issuer: string;
  readonly #host: string;

  constructor(issuer: string, connections: number) {
    const url = new URL(issuer);
    // Straight to 127.0.0.1: "localhost" may resolve to ::1 first, where the servers do not listen.
    this.pool = new Pool(`http://127.0.0.1:${url.port}`, { connections, pipelining: 1 });
    this.issuer = url.origin;
    this.#host = url.host;
  }

  async send(method: 'GET' | 'POST', pathAndQuery: string, headers: Record<string, string>, body?: string): Promise<Reply & { setCookie: string[] }> {
    const response = await this.pool.request({ method, path: pathAndQuery, headers: { host: this.#host, ...headers }, body });
    const text = await response.body.text();
    const setCookie = response.headers['set-cookie'];
    const location = response.headers['location'];
    return {
      status: response.statusCode,
      location: typeof location === 'string' ? location : undefined,
      text,
      setCookie: setCookie === undefined ? [] : Array.isArray(setCookie) ? setCookie : [setCookie],
    };
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * One browser visit: its own cookie jar and client address. Paths are ignored, every cookie goes
 * everywhere (oidc-provider's cookie names are distinct); a cleared cookie leaves the jar.
 */
export class Visit {
  readonly #connections: Connections;
  readonly #ip: string;
  readonly #jar = new Map<string, string>();

  constructor(connections: Connections, ip: string) {
    this.#connections = connections;
    this.#ip = ip;
  }

  get(url: string, headers: Record<string, string> = {}): Promise<Reply> {
    return this.#send('GET', url, headers);
  }

  post(url: string, contentType: string, body: string, headers: Record<string, string> = {}): Promise<Reply> {
    // Browsers send Origin on POST; the product's interaction routes refuse one without it.
    return this.#send('POST', url, { 'content-type': contentType, origin: this.#connections.issuer, ...headers }, body);
  }

  async #send(method: 'GET' | 'POST', url: string, extra: Record<string, string>, body?: string): Promise<Reply> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.#ip, ...extra };
    if (this.#jar.size > 0) headers['cookie'] = [...this.#jar].map(([name, value]) => `${name}=${value}`).join('; ');
    const reply = await this.#connections.send(method, pathOf(url), headers, body);
    for (const line of reply.setCookie) this.#store(line);
    return reply;
  }

  #store(line: string): void {
    const semicolon = line.indexOf(';');
    const pair = semicolon === -1 ? line : line.slice(0, semicolon);
    const eq = pair.indexOf('=');
    if (eq <= 0) return;
    const name = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    // oidc-provider and Koa clear a cookie with an empty value and an expiry in the past.
    if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.#jar.delete(name);
    else this.#jar.set(name, value);
  }
}

/** The path and query of an absolute or root-relative URL: every URL goes to our pool. */
export function pathOf(url: string): string {
  if (url.startsWith('/')) return url;
  const parsed = new URL(url);
  return `${parsed.pathname}${parsed.search}`;
}
