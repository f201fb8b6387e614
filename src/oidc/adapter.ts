import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { KeyValueStore } from '../stores/key-value.ts';

/** Models without their own expiry (none in our configuration) still must not live forever. */
const FALLBACK_TTL_SECONDS = 14 * 24 * 60 * 60;

function ttlOf(expiresIn: number | undefined): number {
  if (expiresIn === undefined || !Number.isFinite(expiresIn)) return FALLBACK_TTL_SECONDS;
  return Math.max(1, Math.ceil(expiresIn));
}

const modelKey = (model: string, id: string) => `oidc:${model}:${id}`;
const grantKey = (grantId: string) => `oidc:grant:${grantId}`;
const uidKey = (uid: string) => `oidc:uid:${uid}`;
const userCodeKey = (userCode: string) => `oidc:user_code:${userCode}`;

/**
 * oidc-provider's storage for every model (sessions, interactions, codes, tokens, grants,
 * PAR, device codes, CIBA requests, replay detection) on top of the KeyValue store.
 * Grant ids index every grant-bound token so `revokeByGrantId` can remove them together.
 */
export class StoreAdapter implements Adapter {
  private readonly model: string;
  private readonly store: KeyValueStore;

  constructor(model: string, store: KeyValueStore) {
    this.model = model;
    this.store = store;
  }

  async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    const ttl = ttlOf(expiresIn);
    const key = modelKey(this.model, id);
    await this.store.set(key, JSON.stringify(payload), ttl);
    const indexes: Promise<void>[] = [];
    if (payload.grantId) indexes.push(this.store.addToSet(grantKey(payload.grantId), key, ttl));
    if (payload.uid) indexes.push(this.store.set(uidKey(payload.uid), id, ttl));
    if (payload.userCode) indexes.push(this.store.set(userCodeKey(payload.userCode), id, ttl));
    await Promise.all(indexes);
  }

  async find(id: string): Promise<AdapterPayload | undefined> {
    const raw = await this.store.get(modelKey(this.model, id));
    return raw === undefined ? undefined : (JSON.parse(raw) as AdapterPayload);
  }

  async findByUid(uid: string): Promise<AdapterPayload | undefined> {
    const id = await this.store.get(uidKey(uid));
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    const id = await this.store.get(userCodeKey(userCode));
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id: string): Promise<void> {
    const key = modelKey(this.model, id);
    const raw = await this.store.get(key);
    if (raw === undefined) return;
    const payload = JSON.parse(raw) as AdapterPayload;
    payload.consumed = Math.floor(Date.now() / 1000);
    await this.store.replace(key, JSON.stringify(payload));
  }

  async destroy(id: string): Promise<void> {
    await this.store.delete(modelKey(this.model, id));
  }

  async revokeByGrantId(grantId: string): Promise<void> {
    const keys = await this.store.members(grantKey(grantId));
    await this.store.delete(...keys, grantKey(grantId));
  }
}

export function createAdapterFactory(store: KeyValueStore): (model: string) => Adapter {
  return (model) => new StoreAdapter(model, store);
}
