import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Router from '@koa/router';
import Koa from 'koa';
import { gatedRoutes, routePathTest } from './route-gate.ts';

function routers(): Router[] {
  const plain = new Router();
  plain.get('/', (ctx) => (ctx.body = 'home'));
  plain.get('/healthz', (ctx) => (ctx.body = 'ok'));
  plain.post('/email/:token', (ctx) => (ctx.body = 'link'));
  const prefixed = new Router({ prefix: '/interaction/:uid' });
  prefixed.use(async (_ctx, next) => next());
  prefixed.get('/', (ctx) => (ctx.body = 'page'));
  prefixed.post('/passkey/verify', (ctx) => (ctx.body = 'verify'));
  const account = new Router({ prefix: '/account' });
  account.get('/', (ctx) => (ctx.body = 'account'));
  account.post('/passkeys/:id/delete', (ctx) => (ctx.body = 'deleted'));
  return [plain, prefixed, account];
}

const PATHS = [
  '/', '/healthz', '/healthz/', '/HEALTHZ', '/email/abc', '/email/', '/interaction/u1', '/interaction/u1/', '/Interaction/u1/passkey/verify',
  '/account', '/account/', '/account/passkeys/p1/delete', '/token', '/me', '/auth', '/token/introspection', '/session/end/confirm',
  '/accounts', '/healthzz', '/static/x.css', '//account', '/interaction', '',
];

describe('the route gate', () => {
  it('lets through every path one of the routers matches, by any method (allowed-methods answers those)', () => {
    const list = routers();
    const mayMatch = routePathTest(list);
    for (const path of PATHS) {
      const matched = list.some((router) => router.match(path, 'GET').path.some((layer) => layer.methods.length > 0));
      if (matched) assert.equal(mayMatch(path), true, path);
    }
  });

  it("skips oidc-provider's own endpoints and unknown paths", () => {
    const mayMatch = routePathTest(routers());
    for (const path of ['/token', '/me', '/auth', '/token/introspection', '/session/end/confirm', '/jwks', '/accounts', '/healthzz', '/static/x.css']) {
      assert.equal(mayMatch(path), false, path);
    }
  });

  it('serves the routes, answers 405 for a wrong method, and hands everything else to what follows', async () => {
    const app = new Koa();
    app.use(gatedRoutes(routers()));
    // Like oidc-provider at the end of the chain: answers its own paths, leaves the rest alone.
    app.use((ctx) => {
      if (!ctx.path.startsWith('/email/')) ctx.body = `after ${ctx.path}`;
    });
    const server = app.listen(0);
    try {
      const { port } = server.address() as { port: number };
      const get = async (path: string, method = 'GET') => {
        const response = await fetch(`http://127.0.0.1:${port}${path}`, { method });
        return `${response.status} ${await response.text()}`;
      };
      assert.equal(await get('/interaction/u1'), '200 page');
      assert.equal(await get('/ACCOUNT/'), '200 account');
      assert.equal(await get('/email/abc', 'POST'), '200 link');
      assert.equal(await get('/email/abc', 'PUT'), '405 Method Not Allowed');
      assert.equal(await get('/token', 'POST'), '200 after /token');
      assert.equal(await get('/healthzz'), '200 after /healthzz');
    } finally {
      server.close();
    }
  });
});
