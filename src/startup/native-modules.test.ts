import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { findWrongNodeBuilds, isWrongNodeBuild, wrongNodeBuildMessage, type NativeModule } from './native-modules.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const OLDER_NODE = '/usr/bin/node';

const failing = (name: string, error: unknown): NativeModule => ({
  name,
  load: () => {
    throw error;
  },
});

describe('native modules built for another Node.js', () => {
  test('the ways Node reports a wrong build are recognised', () => {
    const abi = new Error(
      "The module '/app/node_modules/better-sqlite3/build/Release/better_sqlite3.node'\nwas compiled against a different Node.js version using\nNODE_MODULE_VERSION 115. This version of Node.js requires\nNODE_MODULE_VERSION 137.",
    );
    assert.ok(isWrongNodeBuild(abi));
    assert.ok(isWrongNodeBuild(new Error('Module did not self-register: \'/app/node_modules/argon2/argon2.node\'.')));
    assert.ok(isWrongNodeBuild(Object.assign(new Error('some dlopen failure'), { code: 'ERR_DLOPEN_FAILED' })));
  });

  test('other errors are not mistaken for one', () => {
    assert.ok(!isWrongNodeBuild(Object.assign(new Error("Cannot find module 'argon2'"), { code: 'MODULE_NOT_FOUND' })));
    assert.ok(!isWrongNodeBuild(new Error('SQLITE_CANTOPEN: unable to open database file')));
    assert.ok(!isWrongNodeBuild('NODE_MODULE_VERSION'), 'a string is not an error');
    assert.ok(!isWrongNodeBuild(undefined));
  });

  test('the message is one line naming the modules and the fix', () => {
    assert.equal(
      wrongNodeBuildMessage(['better-sqlite3', 'argon2'], 'v24.1.0'),
      'native modules in node_modules were built for another Node.js version (better-sqlite3, argon2), not this Node v24.1.0: run npm ci again',
    );
  });

  test('every wrong build is named; any other load error is thrown unchanged', () => {
    const wrong = Object.assign(new Error('x'), { code: 'ERR_DLOPEN_FAILED' });
    const ok: NativeModule = { name: 'ok', load: () => undefined };
    assert.deepEqual(findWrongNodeBuilds([failing('a', wrong), ok, failing('b', wrong)]), ['a', 'b']);
    const other = new Error("Cannot find module 'argon2'");
    assert.throws(() => findWrongNodeBuilds([failing('a', wrong), failing('c', other)]), (thrown) => thrown === other);
  });

  test('the addons in node_modules load on this Node.js', () => {
    assert.deepEqual(findWrongNodeBuilds(), []);
  });

  // The real error, from the machine's older Node loading our node_modules (built for this one).
  // An older Node is not something the project installs or CI promises, so its absence skips this
  // test everywhere; unlessInstalled (test/helpers/installed.ts) would fail it under CI=true instead.
  const olderMajor = existsSync(OLDER_NODE) ? Number(spawnSync(OLDER_NODE, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' }).stdout) : 0;
  const currentMajor = Number(process.versions.node.split('.')[0]);
  const skip = olderMajor > 0 && olderMajor < currentMajor ? false : `needs a Node.js older than ${currentMajor} at ${OLDER_NODE}`;

  test('the real error of an older Node.js loading better-sqlite3 is recognised', { skip }, () => {
    // better-sqlite3 loads its addon lazily, in the constructor: `require` alone succeeds.
    const script = "try { new (require('better-sqlite3'))(':memory:'); } catch (e) { process.stdout.write(JSON.stringify({ message: e.message, code: e.code })); }";
    const run = spawnSync(OLDER_NODE, ['-e', script], { cwd: ROOT, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.ok(run.stdout, `node ${olderMajor} loaded better-sqlite3 built for node ${currentMajor}`);
    const { message, code } = JSON.parse(run.stdout) as { message: string; code?: string };
    assert.match(message, /NODE_MODULE_VERSION/);
    assert.ok(isWrongNodeBuild(Object.assign(new Error(message), { code })));
    assert.ok(isWrongNodeBuild(new Error(message)), 'recognised by its text alone, without the code');

    const line = wrongNodeBuildMessage(['better-sqlite3']);
    assert.ok(!line.includes('\n'));
    assert.match(line, /^native modules in node_modules were built for another Node\.js version \(better-sqlite3\).*: run npm ci again$/);
  });
});
