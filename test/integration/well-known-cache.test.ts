import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND } from '../helpers/backends.ts';

describe(`discovery and JWKS from precomputed bytes (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.destroy());

  for (const path of ['/.well-known/openid-configuration', '/jwks']) {
    test(`${path}: the same bytes every time, an ETag, 304 on If-None-Match, CORS for any origin`, async () => {
      const first = await fetch(`${app.url}${path}`);
      const firstBody = await first.text();
      const second = await fetch(`${app.url}${path}`, { headers: { origin: 'https://spa.example.com' } });
      const secondBody = await second.text();
      assert.equal(first.status, 200);
      assert.equal(second.status, 200);
      assert.equal(secondBody, firstBody, 'the cached answer is the provider\'s own');
      assert.equal(Number(second.headers.get('content-length')), Buffer.byteLength(secondBody));
      assert.match(second.headers.get('content-type') ?? '', /^application\/(json|jwk-set\+json)/);
      const etag = second.headers.get('etag') ?? '';
      assert.match(etag, /^"[A-Za-z0-9_-]{27}"$/);
      assert.equal(first.headers.get('etag'), etag);
      assert.equal(second.headers.get('access-control-allow-origin'), 'https://spa.example.com');
      assert.equal((await fetch(`${app.url}${path}`)).headers.get('access-control-allow-origin'), '*');
      const revalidated = await fetch(`${app.url}${path}`, { headers: { 'if-none-match': etag } });
      assert.equal(revalidated.status, 304);
      assert.equal(await revalidated.text(), '');
      const head = await fetch(`${app.url}${path}`, { method: 'HEAD' });
      assert.equal(head.status, 200);
      JSON.parse(firstBody);
    });
  }

  test('a query string gets the same bytes; other methods and paths still reach oidc-provider', async () => {
    const plain = await (await fetch(`${app.url}/jwks`)).text();
    const withQuery = await fetch(`${app.url}/jwks?cache-buster=1`);
    assert.equal(withQuery.status, 200);
    assert.equal(await withQuery.text(), plain);
    const posted = await fetch(`${app.url}/jwks`, { method: 'POST' });
    assert.notEqual(posted.status, 200, 'JWKS answers GET only, as oidc-provider does');
    assert.equal(posted.headers.get('etag'), null);
    const similar = await fetch(`${app.url}/jwks/extra`);
    assert.equal(similar.status, 404);
  });

  test('an Origin with control or non-ASCII bytes gets a 400 or a plain answer, never a 500', async () => {
    await fetch(`${app.url}/jwks`);
    const { port } = new URL(app.url);
    const ask = (origin: Buffer) => new Promise<string>((resolve, reject) => {
      const socket = connect(Number(port), '127.0.0.1');
      let data = '';
      socket.on('data', (chunk) => (data += chunk.toString('latin1')));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
      socket.end(Buffer.concat([Buffer.from('GET /jwks HTTP/1.1\r\nHost: x\r\nOrigin: https://a'), origin, Buffer.from('b.example\r\nConnection: close\r\n\r\n')]));
    });
    for (const byte of [0x01, 0x7f]) assert.match(await ask(Buffer.from([byte])), /^HTTP\/1\.1 400 /, `byte ${byte}`);
    const latin1 = await ask(Buffer.from([0xc3, 0xbf]));
    assert.match(latin1, /^HTTP\/1\.1 200 /);
    assert.match(latin1, /\r\naccess-control-allow-origin: https:\/\/a\xc3\xbfb\.example\r\n/i);
  });

  test('discovery names ISSUER whatever Host the request claims', async () => {
    const response = await fetch(`${app.url}/.well-known/openid-configuration`, { headers: { 'x-forwarded-host': 'evil.example' } });
    const metadata = (await response.json()) as { issuer: string; jwks_uri: string };
    assert.equal(metadata.issuer, app.url);
    assert.equal(metadata.jwks_uri, `${app.url}/jwks`);
  });
});
