import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { describe } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.ts';
import { startProgram, tempDir } from './harness/child-process.ts';
import { compatTest, debianVersion } from './harness/report.ts';
import { endSessions, newPerson, readJson, signInWithPasskey, signUp } from './harness/person.ts';
import { compatSuite } from './harness/suite.ts';

const port = await freePort();
const origin = `http://127.0.0.1:${port}`;
const secret = 'go-oidc-compat-secret-0123456789abcdefghij';
const SOURCE = fileURLToPath(new URL('./apps/go-oidc/main.go', import.meta.url));
// Debian's golang-*-dev packages install their sources here, for GOPATH-mode builds.
const DEBIAN_GOPATH = '/usr/share/gocode';

/** Builds the app offline: GOPATH mode over Debian's sources, no module proxy, a throw-away cache. */
function buildGoApp(): string {
  if (!existsSync(`${DEBIAN_GOPATH}/src/github.com/coreos/go-oidc/oidc.go`)) {
    throw new Error('no go-oidc sources: apt-get install golang-go golang-github-coreos-go-oidc-dev golang-golang-x-oauth2-dev');
  }
  const dir = tempDir('go-oidc');
  const binary = path.join(dir, 'app');
  try {
    execFileSync('go', ['build', '-o', binary, SOURCE], {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: dir, GO111MODULE: 'off', GOPATH: DEBIAN_GOPATH, GOCACHE: path.join(dir, 'cache'), GOFLAGS: '', GOPROXY: 'off' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    const failure = error as { code?: string; stderr?: Buffer };
    if (failure.code === 'ENOENT') throw new Error('no go command: apt-get install golang-go', { cause: error });
    throw new Error(`go build failed:\n${failure.stderr?.toString() ?? ''}`, { cause: error });
  }
  return binary;
}

function goVersion(): string {
  try {
    return execFileSync('go', ['version'], { encoding: 'utf8' }).split(' ')[2] ?? 'go';
  } catch {
    return 'no go';
  }
}

describe('go-oidc + golang.org/x/oauth2 (confidential client)', () => {
  const suite = compatSuite({
    clientFile: {
      client_id: 'go-app',
      client_name: 'Go app',
      client_secret: '${GO_CLIENT_SECRET}',
      redirect_uris: ['http://127.0.0.1:${GO_PORT}/callback'],
      first_party: true,
      // go-oidc's documented flow sends only `state` (no PKCE, no nonce): accepted by the operator's
      // explicit choice (AuthCodeURL(state, oidc.Nonce(…)) would be better).
      pkce_required: false,
    },
    env: { GO_PORT: String(port), GO_CLIENT_SECRET: secret },
    startApp: async (issuer) =>
      startProgram({
        name: 'Go app',
        command: buildGoApp(),
        args: [],
        port,
        env: { ISSUER: issuer, CLIENT_ID: 'go-app', CLIENT_SECRET: secret, PORT: String(port) },
      }),
  });

  const row = {
    client: 'go-oidc + x/oauth2',
    version: `go-oidc ${debianVersion('golang-github-coreos-go-oidc-dev')}, x/oauth2 ${debianVersion('golang-golang-x-oauth2-dev')}, ${goVersion()}`,
    settings: 'README defaults (AuthCodeURL(state): no PKCE, no nonce; ID token verified) + scopes openid profile email; client file: pkce_required: false',
  };

  compatTest(suite, row, 'sign up, the verified ID token\'s name and email, sign in again with the passkey', async (watch) => {
    const person = await newPerson(suite.browser, 'go.user');
    watch.page(person.page);
    const callback = (url: URL) => url.href.startsWith(`${origin}/callback?`);

    await person.page.goto(`${origin}/login`);
    await signUp(person);
    await person.page.waitForURL(callback);
    const claims = await readJson(person.page, 'the ID token claims');
    assert.equal(claims['name'], person.username, 'ID token name');
    assert.equal(claims['email'], person.email, 'ID token email');

    await endSessions(person, suite.issuer, origin);
    await person.page.goto(`${origin}/login`);
    await signInWithPasskey(person);
    await person.page.waitForURL(callback);
    assert.equal((await readJson(person.page, 'the ID token claims'))['email'], person.email);
    await person.context.close();
  });
});
