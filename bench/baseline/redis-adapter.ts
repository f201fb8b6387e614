// A plain Redis adapter for the baseline, in the shape of oidc-provider's own example adapter: one
// JSON value per model instance (a hash with a `consumed` flag for single-use models), a set per
// grant for revokeByGrantId, a uid and a user-code index. One MULTI per write, one read per find.
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Redis } from 'ioredis';

const CONSUMABLE = new Set(['AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);
const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function createRedisAdapterFactory(redis: Redis, prefix: string, grantTtlSeconds: number): (model: string) => Adapter {
  return (model) => new RedisAdapter(model, redis, prefix, grantTtlSeconds);
}

class RedisAdapter implements Adapter {
  readonly #model: string;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #grantTtl: number;

  constructor(model: string, redis: Redis, prefix: string, grantTtl: number) {
    this.#model = model;
    this.#redis = redis;
    this.#prefix = prefix;
    this.#grantTtl = grantTtl;
  }

  #key(id: string): string {
    return `${this.#prefix}${this.#model}:${id}`;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn: number): Promise<void> {
    const key = this.#key(id);
    const multi = this.#redis.multi();
    if (CONSUMABLE.has(this.#model)) {
      multi.hset(key, 'payload', JSON.stringify(payload));
      if (expiresIn) multi.expire(key, expiresIn);
    } else if (expiresIn) {
      multi.set(key, JSON.stringify(payload), 'EX', expiresIn);
    } else {
      multi.set(key, JSON.stringify(payload));
    }
    if (GRANTABLE.has(this.#model) && payload.grantId) {
      const grantKey = `${this.#prefix}grant:${payload.grantId}`;
      // Tokens never outlive their grant: the index lives as long as a grant can.
      multi.sadd(grantKey, key).expire(grantKey, this.#grantTtl);
    }
    if (payload.userCode) multi.set(`${this.#prefix}userCode:${payload.userCode}`, id, 'EX', expiresIn);
    if (payload.uid) multi.set(`${this.#prefix}uid:${payload.uid}`, id, 'EX', expiresIn);
    await multi.exec();
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const key = this.#key(id);
    if (CONSUMABLE.has(this.#model)) {
      const stored = await this.#redis.hgetall(key);
      if (!stored['payload']) return undefined;
      const payload = JSON.parse(stored['payload']) as AdapterPayload;
      return stored['consumed'] ? { ...payload, consumed: Number(stored['consumed']) } : payload;
    }
    const stored = await this.#redis.get(key);
    return stored === null ? undefined : (JSON.parse(stored) as AdapterPayload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.#redis.get(`${this.#prefix}uid:${uid}`);
    return id === null ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.#redis.get(`${this.#prefix}userCode:${userCode}`);
    return id === null ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    await this.#redis.hset(this.#key(id), 'consumed', Math.floor(Date.now() / 1000));
  }

  async destroy(id: string): Promise<void> {
    await this.#redis.del(this.#key(id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const grantKey = `${this.#prefix}grant:${grantId}`;
    const keys = await this.#redis.smembers(grantKey);
    await this.#redis.del(...keys, grantKey);
  }
}
