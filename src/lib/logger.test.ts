import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger, redactPath } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('debug', stream), lines };
}

describe('logger', () => {
  test('redacts authorization headers, cookies, tokens, codes and secrets wherever they appear', () => {
    const { logger, lines } = capture();
    logger.info({
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: '_session=s3cr3t' } },
      res: { headers: { 'set-cookie': ['_session=s3cr3t'] } },
      body: { client_secret: 'hunter2-hunter2', refresh_token: 'rt-123', code: 'XK2P-9QRT', secret: 'link-secret' },
      config: { secretKeys: ['cookie-key'] },
    }, 'request');
    const line = lines.join('');
    for (const secret of ['abc.def.ghi', 's3cr3t', 'hunter2', 'rt-123', 'XK2P-9QRT', 'link-secret', 'cookie-key']) {
      assert.ok(!line.includes(secret), `${secret} leaked: ${line}`);
    }
    assert.match(line, /\[redacted\]/);
  });

  test('masks emailed-link paths, which carry the secret', () => {
    assert.equal(redactPath('/email/abc123/very-secret-part'), '/email/[redacted]');
    assert.equal(redactPath('/interaction/uid/login'), '/interaction/uid/login');
  });
});
