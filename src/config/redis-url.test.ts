import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ConfigError } from '../errors.ts';
import { loadConfig } from './env.ts';
import { parseRedisUrl } from './redis-url.ts';

describe('REDIS_URL forms', () => {
  test('one server: redis:// and rediss:// go to ioredis as they are', () => {
    assert.deepEqual(parseRedisUrl('redis://redis:6379'), { kind: 'single', url: 'redis://redis:6379' });
    assert.deepEqual(parseRedisUrl(' rediss://:p%40ss@cache.example.com:6380/2 '), { kind: 'single', url: 'rediss://:p%40ss@cache.example.com:6380/2' });
  });

  test('Sentinel: the Sentinels, the master name, the default port 26379', () => {
    assert.deepEqual(parseRedisUrl('redis+sentinel://s1:26380,s2,10.0.0.3:26379/mymaster'), {
      kind: 'sentinel',
      sentinels: [{ host: 's1', port: 26380 }, { host: 's2', port: 26379 }, { host: '10.0.0.3', port: 26379 }],
      name: 'mymaster',
      db: 0,
      tls: false,
    });
  });

  test('Sentinel: credentials of the data nodes, of the Sentinels, a database, TLS, IPv6', () => {
    assert.deepEqual(parseRedisUrl('rediss+sentinel://app:s%3Acret%2F1@[::1]:26379,[fd00::2]/prod%2Dcache/3?sentinelUsername=watch&sentinelPassword=w%26tch'), {
      kind: 'sentinel',
      sentinels: [{ host: '::1', port: 26379 }, { host: 'fd00::2', port: 26379 }],
      name: 'prod-cache',
      db: 3,
      username: 'app',
      password: 's:cret/1',
      sentinelUsername: 'watch',
      sentinelPassword: 'w&tch',
      tls: true,
    });
  });

  test('a user part without a colon is the password, as in redis://', () => {
    const target = parseRedisUrl('redis+sentinel://secret@s1/mymaster');
    assert.ok('kind' in target && target.kind === 'sentinel');
    assert.equal(target.password, 'secret');
    assert.equal(target.username, undefined);
  });

  test('Cluster: the nodes, the default port 6379, TLS', () => {
    assert.deepEqual(parseRedisUrl('redis+cluster://n1:7000,n2:7001,n3'), {
      kind: 'cluster',
      nodes: [{ host: 'n1', port: 7000 }, { host: 'n2', port: 7001 }, { host: 'n3', port: 6379 }],
      tls: false,
    });
    assert.deepEqual(parseRedisUrl('rediss+cluster://:pw@n1:7000/'), { kind: 'cluster', nodes: [{ host: 'n1', port: 7000 }], password: 'pw', tls: true });
  });

  const wrong: Array<[string, string, RegExp]> = [
    ['another scheme', 'http://cache', /^is not a redis:\/\/ or rediss:\/\/ URL \(nor redis\+sentinel:\/\/ or redis\+cluster:\/\/\); use e\.g\. redis:\/\/redis:6379$/],
    ['no scheme', 'cache:6379', /^is not a redis:\/\/ or rediss:\/\/ URL/],
    ['redis-sentinel://', 'redis-sentinel://s1/mymaster', /^starts with redis-sentinel:\/\/, a form this server does not read; write redis\+sentinel:\/\/…, e\.g\. redis\+sentinel:\/\/s1:26379/],
    ['redis-cluster://', 'redis-cluster://n1,n2', /^starts with redis-cluster:\/\/.*write redis\+cluster:\/\//],
    ['several hosts in redis://', 'redis://a:6379,b:6379', /^lists several hosts; for a Sentinel deployment write redis\+sentinel:\/\/.*\/mymaster, for a Cluster redis\+cluster:\/\//],
    ['several hosts without ports in redis://', 'redis://a,b', /^lists several hosts/],
    ['Sentinel without master name', 'redis+sentinel://s1:26379,s2:26379', /^is a Sentinel URL without the master name; give it as the path, e\.g\. redis\+sentinel:\/\/s1:26379,s2:26379,s3:26379\/mymaster$/],
    ['Sentinel with an empty master name', 'redis+sentinel://s1/', /^is a Sentinel URL without the master name/],
    ['Sentinel with a path past the database', 'redis+sentinel://s1/mymaster/0/x', /^has more than the master name and a database number in its path/],
    ['Sentinel with a database that is not a number', 'redis+sentinel://s1/mymaster/one', /^has more than the master name and a database number/],
    ['Sentinel with an unknown option', 'redis+sentinel://s1/mymaster?password=x', /^has an option a Sentinel URL does not take; it takes only sentinelUsername and sentinelPassword \(percent-encode & and = in their values\)$/],
    ['Sentinel with an empty option', 'redis+sentinel://s1/mymaster?sentinelPassword=', /^has an empty sentinelPassword/],
    ['no Sentinels', 'redis+sentinel:///mymaster', /^names no Sentinels; list them as host:port separated by commas/],
    ['an empty entry', 'redis+sentinel://s1,,s2/mymaster', /^has an empty entry in its list of Sentinels/],
    ['a bad port', 'redis+sentinel://s1,s2:263790/mymaster', /^has an entry \(number 2\) in its list of Sentinels whose port is not 1-65535/],
    ['an empty port', 'redis+cluster://n1:', /^has an entry \(number 1\) in its list of Cluster nodes whose port is not 1-65535/],
    ['a bad host', 'redis+cluster://n_1!:7000', /^has an entry \(number 1\) in its list of Cluster nodes that is not host or host:port/],
    ['Cluster with a database', 'redis+cluster://n1:7000/1', /^is a Cluster URL with a path; a Cluster has only database 0/],
    ['Cluster with an option', 'redis+cluster://n1:7000?tls=true', /^has options \(after \?\), which a Cluster URL does not take/],
    ['a fragment', 'redis+sentinel://s1/mymaster#x', /^has a # fragment/],
    ['a broken escape in the password', 'redis+sentinel://:pa%zz@s1/mymaster', /^has a user or password with a broken %-escape/],
  ];
  for (const [what, url, expected] of wrong) {
    test(`refused: ${what}`, () => {
      const result = parseRedisUrl(url);
      assert.ok('problem' in result, `accepted ${url}`);
      assert.match(result.problem, expected);
    });
  }

  test('a problem never quotes a password', () => {
    const wrongUrls = [
      'redis+sentinel://:hunter2@s1', 'redis+sentinel://:hunter2@s1/m?x=1', 'redis+cluster://:hunter2@n1/0', 'http://:hunter2@x', 'redis://:hunter2@a,b',
      // Unencoded special characters that split the password into other parts of the URL.
      'redis+sentinel://:hunter/2@s1/m', 'redis+sentinel://:hunter?2@s1/m', 'redis+sentinel://s1/m?sentinelPassword=hun&ter2=x',
    ];
    for (const url of wrongUrls) {
      const result = parseRedisUrl(url);
      assert.ok('problem' in result, url);
      assert.doesNotMatch(result.problem, /hun|ter2/, url);
    }
  });

  test('REDIS_URL in the environment: accepted as given, or one line naming it, without the value', () => {
    assert.equal(loadConfig({ REDIS_URL: 'redis+sentinel://:pw@s1,s2/mymaster' }).redisUrl, 'redis+sentinel://:pw@s1,s2/mymaster');
    assert.equal(loadConfig({ REDIS_URL: 'redis+cluster://n1:7000,n2:7001' }).redisUrl, 'redis+cluster://n1:7000,n2:7001');
    assert.throws(
      () => loadConfig({ REDIS_URL: 'redis+sentinel://:pw@s1:26379,s2:26379' }),
      (error) => error instanceof ConfigError && error.lines.length === 1 &&
        error.lines[0] === 'REDIS_URL: is a Sentinel URL without the master name; give it as the path, e.g. redis+sentinel://s1:26379,s2:26379,s3:26379/mymaster',
    );
  });
});
