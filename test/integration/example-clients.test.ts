import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../helpers/ports.ts';
import { removeTempDirs, startMain, tempDir, waitUntilReady } from '../helpers/process.ts';

after(removeTempDirs);

const SHIPPED_CLIENTS = fileURLToPath(new URL('../../clients', import.meta.url));

/**
 * The repository's ./clients holds only examples. A production start on them (the Docker image
 * before the operator mounts a clients folder, or a checkout run as is) says so, once, and starts.
 */
describe('production on the shipped example clients', () => {
  test('starts, with one warning naming the examples and what to do', { timeout: 60_000 }, async () => {
    const port = await freePort();
    const run = startMain({
      NODE_ENV: 'production',
      ISSUER: `http://localhost:${port}`,
      SECRET_KEYS: 'production-test-key-0123456789abcdefghij',
      UNSAFE_MAIL_OUTBOX: 'true',
      PORT: String(port),
      DATA_DIR: tempDir(),
      CLIENTS_DIR: SHIPPED_CLIENTS,
    });
    try {
      await waitUntilReady(run);
      const warnings = run.stdout().split('\n').filter((line) => line.includes('shipped example clients'));
      assert.equal(warnings.length, 1, run.stdout());
      const entry = JSON.parse(warnings[0] ?? '{}') as { level?: number; msg?: string; clientsDir?: string };
      assert.equal(entry.level, 40);
      assert.equal(entry.clientsDir, SHIPPED_CLIENTS);
      assert.match(entry.msg ?? '', /holds only the shipped example clients, example-app \(.*example\.json\), example-third-party \(.*example\.yaml\): .*replace them with your own apps' client files/);
    } finally {
      run.child.kill('SIGTERM');
      await run.exited;
    }
  });
});
