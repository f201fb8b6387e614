import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AppError } from '../errors.ts';
import type { Mailer } from '../services/mailer.ts';
import type { PasskeysService } from '../services/passkeys.ts';
import { countMail, countPasskeySignIns } from './instrument.ts';
import { createMetrics, type DependencyReport } from './registry.ts';
import { createScrape } from './scrape.ts';

const TOKEN = 't'.repeat(40);

function metricsWith(dependencies: DependencyReport = { database: 'ok', store: 'ok' }) {
  return createMetrics({ rateLimits: ['lookup:ip', 'mail:ip'], dependencies: async () => dependencies, exposed: true });
}

/** The value of one sample line, e.g. `idp_emails_total{kind="sign_in",result="failed"}`. */
async function sample(metrics: ReturnType<typeof createMetrics>, series: string): Promise<number | undefined> {
  const line = (await metrics.scrape()).split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('metrics', () => {
  test('every known series starts at 0; an unknown grant type is one "other" series', async () => {
    const metrics = metricsWith();
    assert.equal(await sample(metrics, 'idp_sign_ins_total{method="email_code",result="failure"}'), 0);
    assert.equal(await sample(metrics, 'idp_rate_limit_refusals_total{limit="mail:ip"}'), 0);
    assert.equal(await sample(metrics, 'idp_tokens_issued_total{grant="implicit"}'), 0);
    metrics.tokensIssued('urn:example:made-up');
    metrics.tokensIssued('undefined');
    assert.equal(await sample(metrics, 'idp_tokens_issued_total{grant="other"}'), 2);
  });

  test('two apps in one process count apart', async () => {
    const [one, two] = [metricsWith(), metricsWith()];
    one.rateLimitRefused('lookup:ip');
    assert.equal(await sample(one, 'idp_rate_limit_refusals_total{limit="lookup:ip"}'), 1);
    assert.equal(await sample(two, 'idp_rate_limit_refusals_total{limit="lookup:ip"}'), 0);
  });

  test('a dependency that does not answer reads 0 at scrape time', async () => {
    const metrics = metricsWith({ database: 'ok', store: 'down' });
    assert.equal(await sample(metrics, 'idp_dependency_up{dependency="database"}'), 1);
    assert.equal(await sample(metrics, 'idp_dependency_up{dependency="store"}'), 0);
  });

  test('mail: sent when the mailer delivered, failed (and still thrown) when it did not', async () => {
    const metrics = metricsWith();
    const failing: Mailer = { send: () => Promise.reject(new AppError('mail_failed', { status: 503 })), close() {} };
    const working: Mailer = { send: () => Promise.resolve(), close() {} };
    await assert.rejects(countMail(failing, metrics, 'sign_in').send({ to: 'a@b.c', subject: 's', text: 't', html: 'h' }), /mail_failed/);
    await countMail(working, metrics, 'signup_code').send({ to: 'a@b.c', subject: 's', text: 't', html: 'h' });
    assert.equal(await sample(metrics, 'idp_emails_total{kind="sign_in",result="failed"}'), 1);
    assert.equal(await sample(metrics, 'idp_emails_total{kind="sign_in",result="sent"}'), 0);
    assert.equal(await sample(metrics, 'idp_emails_total{kind="signup_code",result="sent"}'), 1);
  });

  test('passkey failures are refused passkeys only: a rate limit or an outage is no verdict', async () => {
    const metrics = metricsWith();
    const errors = [
      new AppError('passkey_rejected', { status: 400 }),
      new AppError('too_many_requests', { status: 429 }),
      new AppError('temporarily_unavailable', { status: 503 }),
    ];
    for (const error of errors) {
      const passkeys = countPasskeySignIns({ finishAuthentication: () => Promise.reject(error) } as unknown as PasskeysService, metrics);
      await assert.rejects(passkeys.finishAuthentication('owner', {} as never), (thrown) => thrown === error);
    }
    assert.equal(await sample(metrics, 'idp_sign_ins_total{method="passkey",result="failure"}'), 1);
  });

  test('a scrape needs exactly the token, as a Bearer credential; the refusal carries no metrics', async () => {
    const scrape = createScrape(metricsWith(), TOKEN);
    for (const authorization of [undefined, '', TOKEN, `Basic ${TOKEN}`, `Bearer ${TOKEN} extra`]) {
      const answer = await scrape(authorization);
      assert.equal(answer.status, 401, String(authorization));
      assert.equal(JSON.parse(answer.body).error, 'unauthorized');
    }
    for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, 'Bearer x']) {
      const answer = await scrape(authorization);
      assert.equal(answer.status, 401);
      assert.equal(answer.headers['WWW-Authenticate'], 'Bearer realm="metrics", error="invalid_token"');
      assert.doesNotMatch(answer.body, /idp_/);
    }
    for (const authorization of [`Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const answer = await scrape(authorization);
      assert.equal(answer.status, 200);
      assert.match(answer.body, /^# HELP idp_/);
    }
    assert.equal((await createScrape(metricsWith(), undefined)(undefined)).status, 200, 'no token configured: no check (the separate port)');
  });
});
