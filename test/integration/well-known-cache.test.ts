import assert from 'node:assert/strict';
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

  test('discovery names ISSUER whatever Host the request claims', async () => {
    const response = await fetch(`${app.url}/.well-known/openid-configuration`, { headers: { 'x-forwarded-host': 'evil.example' } });
    const metadata = (await response.json()) as { issuer: string; jwks_uri: string };
    assert.equal(metadata.issuer, app.url);
    assert.equal(metadata.jwks_uri, `${app.url}/jwks`);
  });
});
