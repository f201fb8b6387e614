import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { enablePrivateCompileCache } from './compile-cache.ts';

describe('the compile cache', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'compile-cache-test-'));
  after(() => rmSync(root, { recursive: true, force: true }));

  it('stays off when the folder could be written by others (its code would run here)', () => {
    const shared = path.join(root, 'shared');
    mkdirSync(path.join(shared, 'passkey-idp', 'compile-cache'), { recursive: true });
    chmodSync(path.join(shared, 'passkey-idp'), 0o777);
    assert.equal(enablePrivateCompileCache({ XDG_CACHE_HOME: shared }), undefined);
    chmodSync(path.join(shared, 'passkey-idp'), 0o700);
    chmodSync(path.join(shared, 'passkey-idp', 'compile-cache'), 0o775);
    assert.equal(enablePrivateCompileCache({ XDG_CACHE_HOME: shared }), undefined);
  });

  it("leaves Node's own variables their meaning", () => {
    assert.equal(enablePrivateCompileCache({ XDG_CACHE_HOME: root, NODE_DISABLE_COMPILE_CACHE: '1' }), undefined);
    assert.equal(enablePrivateCompileCache({ XDG_CACHE_HOME: root, NODE_COMPILE_CACHE: path.join(root, 'chosen') }), undefined);
  });

  it('otherwise goes on in a folder only this user can enter', () => {
    const home = path.join(root, 'home');
    const folder = enablePrivateCompileCache({ XDG_CACHE_HOME: home });
    assert.equal(folder, path.join(home, 'passkey-idp', 'compile-cache'));
    assert.equal(statSync(folder).mode & 0o777, 0o700);
  });
});
