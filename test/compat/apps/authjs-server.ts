/**
 * A Node HTTP server signing in with Auth.js (`@auth/core`) and a generic OIDC provider
 * (`type: "oidc"`: discovery from the issuer, PKCE, the user from the ID token), on Auth.js's
 * defaults: JWT sessions, its built-in sign-in page at /auth/signin. `/` answers the session's
 * user as JSON (what `auth()` gives an app), or 401. Run as a child process:
 *   ISSUER=… CLIENT_ID=… CLIENT_SECRET=… PORT=… node test/compat/apps/authjs-server.ts
 */
import { Auth, type AuthConfig } from '@auth/core';
import type { Session } from '@auth/core/types';
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

const { ISSUER, CLIENT_ID, CLIENT_SECRET, PORT } = process.env;
if (!ISSUER || !CLIENT_ID || !CLIENT_SECRET || !PORT) throw new Error('set ISSUER, CLIENT_ID, CLIENT_SECRET and PORT');
const origin = `http://127.0.0.1:${PORT}`;

const config: AuthConfig = {
  basePath: '/auth',
  secret: randomBytes(32).toString('hex'),
  // No AUTH_URL: the app is reached at the address the request names (a test on loopback).
  trustHost: true,
  providers: [{ id: 'passkey-id', name: 'Passkey ID', type: 'oidc', issuer: ISSUER, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }],
};

/** Node's request as a web Request, as Auth() takes it. */
async function toWebRequest(request: IncomingMessage): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    for (const one of [value ?? []].flat()) headers.append(name, one);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const hasBody = request.method !== 'GET' && request.method !== 'HEAD';
  return new Request(new URL(request.url ?? '/', origin), { method: request.method, headers, body: hasBody ? Buffer.concat(chunks) : undefined });
}

async function send(response: ServerResponse, web: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  web.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = web.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  response.writeHead(web.status, headers);
  response.end(Buffer.from(await web.arrayBuffer()));
}

/** The session as the app sees it: Auth.js's own /auth/session answer for this request's cookies. */
async function sessionOf(request: Request): Promise<Session | null> {
  const answer = await Auth(new Request(`${origin}/auth/session`, { headers: { cookie: request.headers.get('cookie') ?? '' } }), config);
  return (await answer.json()) as Session | null;
}

const server = createServer((request, response) => {
  void (async () => {
    const web = await toWebRequest(request);
    const path = new URL(web.url).pathname;
    console.log(`${web.method} ${path}`);
    if (path.startsWith('/auth/')) return send(response, await Auth(web, config));
    if (path === '/') {
      const session = await sessionOf(web);
      const body = session?.user ? { name: session.user.name, email: session.user.email } : { error: 'not signed in' };
      return send(response, Response.json(body, { status: session?.user ? 200 : 401 }));
    }
    return send(response, new Response('not found', { status: 404 }));
  })().catch((error: unknown) => {
    console.error(error);
    response.writeHead(500).end(String(error));
  });
});
server.listen(Number(PORT), '127.0.0.1', () => console.log(`Auth.js app on ${origin}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
