import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { KeyValueStore } from '../stores/key-value.ts';
import { forProvider } from './unavailable.ts';

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
/** A person's sessions and grants, so they can be listed and ended (account page, admin CLI). */
export const accountIndexKey = (accountId: string, model: 'Session' | 'Grant') => `oidc:account:${accountId}:${model}`;
/** Where each model's payload lives, for readers outside the adapter (src/oidc/account-sessions.ts). */
export { modelKey, grantKey };

/** How a second consumer of a single-use model is refused, in the words of the endpoint that consumes it. */
function alreadyConsumed(model: string): Error {
  if (model === 'PushedAuthorizationRequest') return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  const label = model.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return new errors.InvalidGrant(`${label} already used`);
}

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

  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    return forProvider(async () => {
      const ttl = ttlOf(expiresIn);
      const key = modelKey(this.model, id);
      await this.store.set(key, JSON.stringify(payload), ttl);
      const indexes: Promise<void>[] = [];
      if (payload.grantId) indexes.push(this.store.addToSet(grantKey(payload.grantId), key, ttl));
      if (payload.uid) indexes.push(this.store.set(uidKey(payload.uid), id, ttl));
      if (payload.userCode) indexes.push(this.store.set(userCodeKey(payload.userCode), id, ttl));
      if (payload.accountId && (this.model === 'Session' || this.model === 'Grant')) {
        indexes.push(this.store.addToSet(accountIndexKey(payload.accountId, this.model), id, ttl));
      }
      await Promise.all(indexes);
    });
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return forProvider(async () => {
      const raw = await this.store.get(modelKey(this.model, id));
      return raw === undefined ? undefined : (JSON.parse(raw) as AdapterPayload);
    });
  }

  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return forProvider(async () => {
      const id = await this.store.get(uidKey(uid));
      return id === undefined ? undefined : this.find(id);
    });
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return forProvider(async () => {
      const id = await this.store.get(userCodeKey(userCode));
      return id === undefined ? undefined : this.find(id);
    });
  }

  /**
   * Marks a single-use model (code, refresh token, PAR, device code, …) consumed with one
   * compare-and-swap in the store, so of N concurrent redemptions, on any number of instances,
   * exactly one wins. A loser has detected reuse: the grant and every token issued from it are
   * revoked (RFC 6749 §4.1.2, RFC 9700 §4.14) and it is refused, as a sequential replay is.
   */
  consume(id: string): Promise<void> {
    return forProvider(async () => {
      const key = modelKey(this.model, id);
      // A swap can also lose to a plain update (a device code being approved); then try again.
      for (let attempt = 0; attempt < 3; attempt++) {
        const raw = await this.store.get(key);
        if (raw === undefined) break;
        const payload = JSON.parse(raw) as AdapterPayload;
        if (payload.consumed !== undefined) {
          if (payload.grantId) await this.revokeGrant(payload.grantId);
          break;
        }
        const consumed = JSON.stringify({ ...payload, consumed: Math.floor(Date.now() / 1000) });
        if (await this.store.compareAndSwap(key, raw, consumed)) return;
      }
      throw alreadyConsumed(this.model);
    });
  }

  destroy(id: string): Promise<void> {
    return forProvider(() => this.store.delete(modelKey(this.model, id)));
  }

  revokeByGrantId(grantId: string): Promise<void> {
    return forProvider(async () => {
      const keys = await this.store.members(grantKey(grantId));
      await this.store.delete(...keys, grantKey(grantId));
    });
  }

  /** The grant itself goes too: tokens the winner saves after this point fail against it. */
  private async revokeGrant(grantId: string): Promise<void> {
    await this.revokeByGrantId(grantId);
    await this.store.delete(modelKey('Grant', grantId));
  }
}

export function createAdapterFactory(store: KeyValueStore): (model: string) => Adapter {
  return (model) => new StoreAdapter(model, store);
}
