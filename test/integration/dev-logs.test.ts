import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { freePort } from '../helpers/ports.ts';
import { removeTempDirs, startMain, tempDir, waitFor } from '../helpers/process.ts';

after(removeTempDirs);

describe('development logs', () => {
  test('without NODE_ENV=production the server prints readable lines, not JSON', async () => {
    const port = await freePort();
    // startMain asks for JSON; an empty value means unset, so this is the development default.
    const run = startMain({ PORT: String(port), DATA_DIR: tempDir(), LOG_FORMAT: '' });
    const ready = `ready: http://localhost:${port}`;
    try {
      await waitFor(() => run.stdout().includes(ready), 20_000);
    } catch (error) {
      run.child.kill('SIGKILL');
      throw new Error(`did not start: ${run.stderr()} ${run.stdout()}`, { cause: error });
    }
    run.child.kill('SIGTERM');
    assert.equal(await run.exited, 0, `${run.ending()}\nstdout: ${run.stdout()}`);

    const lines = run.stdout().trimEnd().split('\n');
    assert.ok(lines.some((line) => new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] INFO: ${ready} `).test(line)), run.stdout());
    assert.match(lines.at(-1)!, /^\[\d\d:\d\d:\d\d\] INFO: stopped$/, 'the last line is out before the process exits');
    for (const line of lines) assert.throws(() => JSON.parse(line), `a JSON line: ${line}`);
    assert.ok(!run.stdout().includes('\u001b['), 'no colours when stdout is not a terminal');
  });
});
