import assert from 'node:assert/strict';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createLogger } from '../../src/lib/logger.ts';
import { createMetricsServer } from '../../src/metrics/server.ts';
import { randomCode } from '../../src/services/one-time-codes.ts';
import { startTestApp, type TestApp } from '../helpers/app.ts';
import { BACKEND, createTestDatabase, type TestDatabase } from '../helpers/backends.ts';
import { postAsClient } from '../helpers/client-endpoints.ts';
import {
  authorize,
  followToCallback,
  HttpBrowser,
  login,
  newAuthenticator,
  redeemCode,
  registerPasskey,
  signInWithPasskey,
} from '../helpers/http-flow.ts';
import { nextCodeFor } from '../helpers/mail-sink.ts';
import { freePort } from '../helpers/ports.ts';
import { backendEnv, removeTempDirs, startMain, tempDir, waitUntilReady } from '../helpers/process.ts';

const TOKEN = 'metrics-token-0123456789abcdef0123456789abcdef';
const LINK = /http:\/\/localhost:\d+(\/email\/[A-Za-z0-9_-]+\/)([A-Za-z0-9_-]+)/;

// ------------------------------------------------------------------ the exposition format

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Exposition {
  samples: Sample[];
  /** metric family → counter, gauge, histogram, … */
  types: Map<string, string>;
}

const unescape = (value: string) => value.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** The Prometheus text format (0.0.4), as far as a scrape needs: TYPE lines and samples. */
function parse(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) types.set(type[1]!, type[2]!);
    if (line.startsWith('#')) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    assert.ok(sample, `not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, name, value] of (sample[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[name!] = unescape(value!);
    samples.push({ name: sample[1]!, labels, value: Number(sample[3]) });
  }
  return { samples, types };
}

/** The sum of the samples named `name` whose labels include `labels`. */
function value(exposition: Exposition, name: string, labels: Record<string, string> = {}): number {
  return exposition.samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

async function scrape(url: string, token: string | undefined = TOKEN): Promise<{ text: string; exposition: Exposition }> {
  const response = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return { text, exposition: parse(text) };
}

const otherCode = (code: string) => {
  let other = randomCode();
  while (other === code) other = randomCode();
  return other;
};

// ------------------------------------------------------------------ the tests

describe(`metrics (${BACKEND})`, () => {
  let app: TestApp;
  let ipCounter = 0;
  const freshIp = () => `198.51.100.${++ipCounter}`;

  before(async () => {
    app = await startTestApp({ env: { METRICS_TOKEN: TOKEN, TRUST_PROXY: 'true' } });
  });
  after(async () => {
    await app?.destroy();
    removeTempDirs();
  });

  test('/metrics on the main port: 401 without the token or with a wrong one, and no numbers in either', async () => {
    const missing = await fetch(`${app.url}/metrics`);
    assert.equal(missing.status, 401);
    assert.equal(missing.headers.get('www-authenticate'), 'Bearer realm="metrics"');
    const missingBody = await missing.text();
    assert.equal((JSON.parse(missingBody) as { error: string }).error, 'unauthorized');
    assert.doesNotMatch(missingBody, /idp_|process_/);

    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer wrong', `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}`, TOKEN]) {
      const wrong = await fetch(`${app.url}/metrics`, { headers: { authorization } });
      assert.equal(wrong.status, 401, authorization);
      const body = await wrong.text();
      assert.doesNotMatch(body, /idp_|process_/);
      assert.match(JSON.parse(body).error as string, /^(unauthorized|invalid_token)$/);
    }
    const wrong = await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer not-the-metrics-token' } });
    assert.equal(wrong.headers.get('www-authenticate'), 'Bearer realm="metrics", error="invalid_token"');
    await wrong.arrayBuffer();
  });

  test('sign-ins, emails, refusals and tokens move by exactly what happened; latency by route; dependencies up', { timeout: 180_000 }, async () => {
    const before = (await scrape(`${app.url}/metrics`)).exposition;
    const delta = (name: string, labels: Record<string, string>, after: Exposition) => value(after, name, labels) - value(before, name, labels);
    const uids: string[] = [];
    const email = 'mia@example.com';
    const authenticator = newAuthenticator(app.url);

    // Signup, with one wrong code first: a failed and a successful signup, one code mail, a code grant.
    const signup = new HttpBrowser(app.url, { ip: freshIp() });
    const signupRequest = await authorize(signup);
    uids.push(signupRequest.uid);
    assert.equal((await signup.postForm(`/interaction/${signupRequest.uid}/signup`, { username: 'mia', email })).status, 303);
    const { code: signupCode } = await nextCodeFor(email);
    assert.equal((await signup.postForm(`/interaction/${signupRequest.uid}/signup/verify`, { code: otherCode(signupCode) })).status, 422);
    assert.equal((await signup.postForm(`/interaction/${signupRequest.uid}/signup/verify`, { code: signupCode })).status, 303);
    await redeemCode(app.url, await followToCallback(signup, await registerPasskey(signup, signupRequest.uid, authenticator)), signupRequest);

    // Passkey: a corrupted signature, then a good one (with offline_access, for a refresh token).
    const device = new HttpBrowser(app.url, { ip: freshIp() });
    const refused = await authorize(device);
    uids.push(refused.uid);
    await assert.rejects(signInWithPasskey(device, refused.uid, authenticator, { login: 'mia', overrides: { corruptSignature: true } }), /passkey\/verify: unexpected 400/);
    const request = await authorize(device, { scope: 'openid offline_access' });
    uids.push(request.uid);
    const { tokens } = await redeemCode(app.url, await followToCallback(device, await signInWithPasskey(device, request.uid, authenticator, { login: 'mia' })), request);
    assert.ok(tokens.refresh_token);
    assert.equal((await postAsClient(app.url, 'token', 'test-confidential', { grant_type: 'refresh_token', refresh_token: tokens.refresh_token })).status, 200);
    assert.equal((await postAsClient(app.url, 'token', 'test-confidential', { grant_type: 'client_credentials' })).status, 200);

    // Emailed link: a wrong secret, then the right one.
    const linked = new HttpBrowser(app.url, { ip: freshIp() });
    const linkRequest = await authorize(linked);
    uids.push(linkRequest.uid);
    await login(linked, linkRequest.uid, 'mia');
    assert.equal((await linked.postForm(`/interaction/${linkRequest.uid}/email`, {})).status, 303);
    const [, linkPath = '', secret = ''] = LINK.exec((await nextCodeFor(email)).mail.parsed.text ?? '') ?? [];
    assert.ok(secret, 'the mail has a link');
    const wrongSecret = `${secret.startsWith('A') ? 'B' : 'A'}${secret.slice(1)}`;
    assert.equal((await linked.postForm(`${linkPath}${wrongSecret}`, {})).status, 410);
    assert.equal((await linked.postForm(`${linkPath}${secret}`, {})).status, 303);

    // Emailed code: a wrong code, then the right one.
    const coded = new HttpBrowser(app.url, { ip: freshIp() });
    const codeRequest = await authorize(coded);
    uids.push(codeRequest.uid);
    await login(coded, codeRequest.uid, 'mia');
    assert.equal((await coded.postForm(`/interaction/${codeRequest.uid}/email`, {})).status, 303);
    const { code } = await nextCodeFor(email);
    assert.equal((await coded.postForm(`/interaction/${codeRequest.uid}/email/code`, { code: otherCode(code) })).status, 422);
    assert.equal((await coded.postForm(`/interaction/${codeRequest.uid}/email/code`, { code })).status, 303);

    // Look-ups of unknown names until the per-IP limit refuses two.
    const enumerator = new HttpBrowser(app.url, { ip: freshIp() });
    const lookups = await authorize(enumerator);
    uids.push(lookups.uid);
    const statuses: number[] = [];
    for (let i = 0; i < 62; i++) {
      const response = await enumerator.postForm(`/interaction/${lookups.uid}/login`, { login: `nobody-${i}` });
      await response.arrayBuffer();
      statuses.push(response.status);
    }
    assert.deepEqual(statuses.slice(-3), [422, 429, 429]);

    // Paths nobody routes: counted, under one label.
    for (const junk of ['/nope-3f9a', '/nope-3f9a/deeper', `/interaction/${lookups.uid}/nope-3f9a`]) {
      await (await fetch(`${app.url}${junk}`)).arrayBuffer();
    }

    const { text, exposition: after } = await scrape(`${app.url}/metrics`);
    const expected: Array<[string, Record<string, string>, number]> = [
      ['idp_sign_ins_total', { method: 'signup', result: 'success' }, 1],
      ['idp_sign_ins_total', { method: 'signup', result: 'failure' }, 1],
      ['idp_sign_ins_total', { method: 'passkey', result: 'success' }, 1],
      ['idp_sign_ins_total', { method: 'passkey', result: 'failure' }, 1],
      ['idp_sign_ins_total', { method: 'email_link', result: 'success' }, 1],
      ['idp_sign_ins_total', { method: 'email_link', result: 'failure' }, 1],
      ['idp_sign_ins_total', { method: 'email_code', result: 'success' }, 1],
      ['idp_sign_ins_total', { method: 'email_code', result: 'failure' }, 1],
      ['idp_emails_total', { kind: 'signup_code', result: 'sent' }, 1],
      ['idp_emails_total', { kind: 'sign_in', result: 'sent' }, 2],
      ['idp_emails_total', { kind: 'sign_in', result: 'failed' }, 0],
      ['idp_rate_limit_refusals_total', { limit: 'lookup:ip' }, 2],
      ['idp_rate_limit_refusals_total', {}, 2],
      ['idp_tokens_issued_total', { grant: 'authorization_code' }, 2],
      ['idp_tokens_issued_total', { grant: 'refresh_token' }, 1],
      ['idp_tokens_issued_total', { grant: 'client_credentials' }, 1],
      ['idp_tokens_issued_total', { grant: 'implicit' }, 0],
      ['idp_http_request_duration_seconds_count', { route: '/interaction/:uid/login', method: 'POST', status_class: '4xx' }, 62 + 0],
      ['idp_http_request_duration_seconds_count', { route: 'token', method: 'POST', status_class: '2xx' }, 4],
      ['idp_http_request_duration_seconds_count', { route: 'other', method: 'GET', status_class: '4xx' }, 3],
    ];
    for (const [name, labels, moved] of expected) {
      assert.equal(delta(name, labels, after), moved, `${name}${JSON.stringify(labels)}`);
    }
    assert.ok(delta('idp_http_request_duration_seconds_count', { route: 'authorization', method: 'GET', status_class: '3xx' }, after) >= 5);
    assert.ok(value(after, 'idp_http_request_duration_seconds_sum', { route: 'token' }) > 0);

    // Every series exists from the start, and the families have their types.
    assert.equal(before.samples.filter((s) => s.name === 'idp_sign_ins_total').length, 8);
    for (const [family, type] of [['idp_sign_ins_total', 'counter'], ['idp_emails_total', 'counter'], ['idp_rate_limit_refusals_total', 'counter'],
      ['idp_tokens_issued_total', 'counter'], ['idp_http_request_duration_seconds', 'histogram'], ['idp_dependency_up', 'gauge'],
      ['process_cpu_user_seconds_total', 'counter'], ['nodejs_eventloop_lag_seconds', 'gauge']] as const) {
      assert.equal(after.types.get(family), type, family);
    }
    assert.equal(value(after, 'idp_dependency_up', { dependency: 'database' }), 1);
    assert.equal(value(after, 'idp_dependency_up', { dependency: 'store' }), 1);

    // Bounded labels: route templates and names from code, never a path as it was requested.
    const routes = new Set(after.samples.filter((s) => s.name === 'idp_http_request_duration_seconds_count').map((s) => s.labels['route']!));
    assert.ok(routes.size < 30, [...routes].join(' '));
    for (const route of routes) assert.match(route, /^(\/[A-Za-z0-9_./:{}*-]*|[a-z_]+)$/, route);
    for (const raw of [...uids, 'nope-3f9a', 'mia', secret, code]) assert.ok(!text.includes(raw), `the scrape never carries ${raw}`);
  });

  test('METRICS_PORT with METRICS_TOKEN: the separate listener wants the token too, and serves /metrics only', async () => {
    const server = createMetricsServer(app.container.metrics, { token: TOKEN, logger: createLogger('silent') });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      const refused = await fetch(`${base}/metrics`);
      assert.equal(refused.status, 401);
      assert.doesNotMatch(await refused.text(), /idp_/);
      assert.equal((await fetch(`${base}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
      const { exposition } = await scrape(`${base}/metrics`);
      assert.equal(value(exposition, 'idp_dependency_up', { dependency: 'database' }), 1);
      const elsewhere = await fetch(`${base}/healthz`, { headers: { authorization: `Bearer ${TOKEN}` } });
      assert.equal(elsewhere.status, 404);
      await elsewhere.arrayBuffer();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe(`metrics off by default (${BACKEND})`, () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(() => app?.destroy());

  test('without METRICS_PORT or METRICS_TOKEN, /metrics is a 404 like any unknown path, token or not', async () => {
    for (const headers of [{}, { authorization: `Bearer ${TOKEN}` }] as Array<Record<string, string>>) {
      const response = await fetch(`${app.url}/metrics`, { headers });
      assert.equal(response.status, 404);
      assert.doesNotMatch(await response.text(), /idp_|process_/);
    }
  });
});

describe(`METRICS_PORT in the server process (${BACKEND})`, () => {
  let database: TestDatabase;
  before(async () => {
    database = await createTestDatabase();
  });
  after(async () => {
    await database?.cleanup();
    removeTempDirs();
  });

  test('a listener of its own serves /metrics (not the main port), and stops with the server on SIGTERM', { timeout: 60_000 }, async () => {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const clientsDir = tempDir();
    const secret = 'service-secret-0123456789abcdef0123456789';
    writeFileSync(path.join(clientsDir, 'service.json'), JSON.stringify({ client_id: 'service', client_secret: secret, grant_types: ['client_credentials'] }));
    const run = startMain({
      PORT: String(port),
      METRICS_PORT: String(metricsPort),
      DATA_DIR: database.dataDir,
      CLIENTS_DIR: clientsDir,
      // Its tokens stay out of the shared Redis (see backendEnv).
      ...backendEnv(database, { redis: false }),
    });
    try {
      await waitUntilReady(run);
      assert.match(run.stdout(), new RegExp(`"listen":"127\\.0\\.0\\.1:${metricsPort}".*"msg":"metrics: GET /metrics on METRICS_PORT"`));
      const issuer = `http://localhost:${port}`;
      assert.equal((await postAsClient(issuer, 'token', 'service', { grant_type: 'client_credentials' }, secret)).status, 200);

      const { exposition } = await scrape(`http://127.0.0.1:${metricsPort}/metrics`, undefined);
      assert.equal(value(exposition, 'idp_tokens_issued_total', { grant: 'client_credentials' }), 1);
      assert.equal(value(exposition, 'idp_http_request_duration_seconds_count', { route: 'token', status_class: '2xx' }), 1);
      assert.equal(value(exposition, 'idp_dependency_up', { dependency: 'database' }), 1);
      assert.equal(value(exposition, 'idp_dependency_up', { dependency: 'store' }), 1);
      const onMainPort = await fetch(`${issuer}/metrics`);
      assert.equal(onMainPort.status, 404, 'the main port does not serve metrics');
      await onMainPort.arrayBuffer();
      const elsewhere = await fetch(`http://127.0.0.1:${metricsPort}/`);
      assert.equal(elsewhere.status, 404, 'the metrics port serves nothing else');
      await elsewhere.arrayBuffer();

      run.child.kill('SIGTERM');
      assert.equal(await run.exited, 0);
      assert.match(run.stdout(), /"msg":"stopped"/);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});
