import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { createLogger, redactPath, type LogFormat } from './logger.ts';

function capture(format: LogFormat = 'json') {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: createLogger('debug', stream, format), lines };
}

describe('logger', () => {
  for (const format of ['json', 'pretty'] as const) {
    test(`redacts authorization headers, cookies, tokens, codes and secrets wherever they appear (${format})`, () => {
      const { logger, lines } = capture(format);
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
  }

  test('pretty: one readable, uncoloured line per entry with a short time, level and message', () => {
    const { logger, lines } = capture('pretty');
    logger.child({ requestId: 'r-1' }).warn({ path: '/authorize', status: 400 }, 'authorization request refused');
    const text = lines.join('');
    assert.match(text, /^\[\d\d:\d\d:\d\d\] WARN: authorization request refused \{"path":"\/authorize","status":400\}\n$/);
    assert.throws(() => JSON.parse(text));
  });

  test('masks emailed-link paths, which carry the secret', () => {
    assert.equal(redactPath('/email/abc123/very-secret-part'), '/email/[redacted]');
    assert.equal(redactPath('/interaction/uid/login'), '/interaction/uid/login');
  });
});
