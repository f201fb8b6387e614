// The baseline's in-memory adapter, for the comparison with the product's embedded store: the
// Redis adapter's semantics on Maps. (oidc-provider's bundled memory adapter keeps at most 1000
// entries; at a few hundred sign-ins per second it would evict live sessions and tokens.)
import type { Adapter, AdapterPayload } from 'oidc-provider';

interface Entry {
  payload: AdapterPayload;
  expiresAt: number;
}

const GRANTABLE = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest']);

export function createMemoryAdapterFactory(): { factory: (model: string) => Adapter; stop(): void } {
  const entries = new Map<string, Entry>();
  const indexes = new Map<string, string>();
  const grants = new Map<string, Set<string>>();
  // Expired entries are dropped on read; a sweep now and then keeps memory flat under load.
  const sweep = setInterval(() => {
    const now = Date.now();
    for (const [key, entry] of entries) if (entry.expiresAt <= now) entries.delete(key);
  }, 10_000);
  sweep.unref();

  const read = (key: string): AdapterPayload | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return entry.payload;
  };

  const factory = (model: string): Adapter => {
    const keyOf = (id: string) => `${model}:${id}`;
    const adapter: Adapter = {
      async upsert(id, payload, expiresIn) {
        const key = keyOf(id);
        // Stored as a copy, as a store would: the caller may go on changing its object.
        entries.set(key, { payload: structuredClone(payload), expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY });
        if (GRANTABLE.has(model) && payload.grantId) {
          let members = grants.get(payload.grantId);
          if (!members) grants.set(payload.grantId, (members = new Set()));
          members.add(key);
        }
        if (payload.uid) indexes.set(`uid:${payload.uid}`, id);
        if (payload.userCode) indexes.set(`userCode:${payload.userCode}`, id);
      },
      async find(id) {
        const payload = read(keyOf(id));
        return payload && structuredClone(payload);
      },
      async findByUid(uid) {
        const id = indexes.get(`uid:${uid}`);
        return id === undefined ? undefined : adapter.find(id);
      },
      async findByUserCode(userCode) {
        const id = indexes.get(`userCode:${userCode}`);
        return id === undefined ? undefined : adapter.find(id);
      },
      async consume(id) {
        const payload = read(keyOf(id));
        if (payload) payload.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id) {
        entries.delete(keyOf(id));
      },
      async revokeByGrantId(grantId) {
        for (const key of grants.get(grantId) ?? []) entries.delete(key);
        grants.delete(grantId);
      },
    };
    return adapter;
  };
  return { factory, stop: () => clearInterval(sweep) };
}
