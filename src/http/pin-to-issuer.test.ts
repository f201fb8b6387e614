import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Koa from 'koa';
import mount from 'koa-mount';
import { parseTrustProxy, type TrustProxy } from '../config/trust-proxy.ts';
import { trustedProxyTest } from './client-ip.ts';
import { pinRequestsToIssuer } from './pin-to-issuer.ts';

interface Seen {
  href: string;
  origin: string;
  secure: boolean;
  host: string;
  hostname: string;
  ip: string;
}

/**
 * Two real Koa apps, the inner mounted in the outer as oidc-provider is, the inner also making a
 * context of its own from the raw request as oidc-provider does (`createContext(req, res)`).
 * Returns what each context saw for one request with the given target and headers.
 */
async function seenBy(issuer: string, trustProxy: string, target: string, headers: Record<string, string>) {
  const outer = new Koa();
  const inner = new Koa();
  const parsed = parseTrustProxy(trustProxy) as TrustProxy;
  pinRequestsToIssuer([outer, inner], { issuer, isTrustedProxy: trustedProxyTest(parsed) });
  const look = (ctx: Koa.Context): Seen => ({ href: ctx.href, origin: ctx.URL.origin, secure: ctx.secure, host: ctx.host, hostname: ctx.hostname, ip: ctx.ip });
  inner.use((ctx) => {
    const own = inner.createContext(ctx.req, ctx.res);
    own.cookies.set('probe', 'x', { httpOnly: true });
    ctx.body = { mounted: look(ctx), own: look(own) };
  });
  outer.use(mount(inner));
  const server = createServer(outer.callback()).listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const { port } = server.address() as AddressInfo;
    return await new Promise<{ body: { mounted: Seen; own: Seen }; headers: IncomingHttpHeaders }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: target, headers }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => resolve({ body: JSON.parse(text) as { mounted: Seen; own: Seen }, headers: res.headers }));
      });
      req.on('error', reject);
      req.end();
    });
  } finally {
    server.close();
  }
}

test('both apps, and contexts made from the raw request, see the issuer and the same client', async () => {
  const { body, headers } = await seenBy('https://id.example.com', 'true', '/auth?x=1', {
    host: 'evil.example',
    'x-forwarded-host': 'evil.example',
    'x-forwarded-proto': 'http',
    'x-forwarded-for': '6.6.6.6, 203.0.113.7',
  });
  const expected: Seen = {
    href: 'https://id.example.com/auth?x=1',
    origin: 'https://id.example.com',
    secure: true,
    host: 'id.example.com',
    hostname: 'id.example.com',
    ip: '203.0.113.7',
  };
  assert.deepEqual(body.mounted, expected);
  assert.deepEqual(body.own, expected);
  // Over plain http, a Secure cookie would have thrown "Cannot send secure cookie over unencrypted connection".
  assert.match(String(headers['set-cookie']), /probe=x; path=\/; secure; httponly/);
});

test('absolute-form and protocol-relative targets keep the issuer; http issuers give no Secure', async () => {
  const absolute = await seenBy('http://localhost:3000', 'false', 'http://evil.example/jwks', { 'x-forwarded-for': '6.6.6.6' });
  assert.equal(absolute.body.own.href, 'http://localhost:3000/jwks');
  assert.equal(absolute.body.mounted.secure, false);
  assert.match(absolute.body.mounted.ip, /^(::ffff:)?127\.0\.0\.1$/, 'TRUST_PROXY=false: the socket peer');
  assert.doesNotMatch(String(absolute.headers['set-cookie']), /secure/);
  const relative = await seenBy('http://localhost:3000', 'false', '//evil.example/x', {});
  assert.equal(relative.body.mounted.origin, 'http://localhost:3000');
  assert.equal(relative.body.mounted.href, 'http://localhost:3000//evil.example/x');
});
