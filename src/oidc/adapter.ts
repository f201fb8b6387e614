import { errors, type Adapter, type AdapterPayload } from 'oidc-provider';
import type { KeyValueStore, StoreWrite } from '../stores/key-value.ts';
import { forProvider } from './unavailable.ts';

/** Models without their own expiry (none in our configuration) still must not live forever. */
const FALLBACK_TTL_SECONDS = 14 * 24 * 60 * 60;

function ttlOf(expiresIn: number | undefined): number {
  if (expiresIn === undefined || !Number.isFinite(expiresIn)) return FALLBACK_TTL_SECONDS;
  return Math.max(1, Math.ceil(expiresIn));
}

/**
 * A device keeps polling after its code expired: RFC 8628 wants `expired_token` then, not
 * `invalid_grant` for a code that is gone. So device codes stay stored a while past their expiry;
 * oidc-provider checks the expiry itself wherever it reads one (token, /device, resume).
 */
export const EXPIRED_DEVICE_CODE_KEPT_SECONDS = 10 * 60;

const modelKey = (model: string, id: string) => `oidc:${model}:${id}`;
const grantKey = (grantId: string) => `oidc:grant:${grantId}`;
const uidKey = (uid: string) => `oidc:uid:${uid}`;
const userCodeKey = (userCode: string) => `oidc:user_code:${userCode}`;
/** A person's sessions and grants, so they can be listed and ended (account page, admin CLI). */
export const accountIndexKey = (accountId: string, model: 'Session' | 'Grant') => `oidc:account:${accountId}:${model}`;
/** Where each model's payload lives, for readers outside the adapter (src/oidc/account-sessions.ts). */
export { modelKey, grantKey };

/**
 * The models oidc-provider revokes by grant (its helpers/revoke.js). Only these join a grant's
 * index: an Interaction carries its grantId too, and revoking the grant at logout (as when
 * someone signs in as another account, which ends the old session first) must not delete the
 * sign-in in progress.
 */
const GRANT_BOUND = new Set(['AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode', 'BackchannelAuthenticationRequest', 'PreAuthorizedCode']);

/**
 * Where a payload is found besides its own key: by its uid (sessions) or user code (device codes),
 * and in the person's list of sessions or grants. Written with the payload, removed with it.
 */
function lookupEntriesOf(model: string, payload: AdapterPayload): { keys: string[]; list: string | undefined } {
  const keys: string[] = [];
  if (payload.uid) keys.push(uidKey(payload.uid));
  if (payload.userCode) keys.push(userCodeKey(payload.userCode));
  const list = payload.accountId && (model === 'Session' || model === 'Grant') ? accountIndexKey(payload.accountId, model) : undefined;
  return { keys, list };
}

const parsed = (raw: string | undefined) => (raw === undefined ? undefined : (JSON.parse(raw) as AdapterPayload));

/** The models whose payloads can have lookup entries: only their destroy reads the payload first. */
const WITH_LOOKUP_ENTRIES = new Set(['Session', 'Grant', 'DeviceCode']);

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

  /** The payload and its indexes, in one round trip to the store. */
  upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
    return forProvider(async () => {
      const ttlSeconds = ttlOf(expiresIn) + (this.model === 'DeviceCode' ? EXPIRED_DEVICE_CODE_KEPT_SECONDS : 0);
      const key = modelKey(this.model, id);
      const writes: StoreWrite[] = [{ kind: 'set', key, value: JSON.stringify(payload), ttlSeconds }];
      if (payload.grantId && GRANT_BOUND.has(this.model)) writes.push({ kind: 'addToSet', key: grantKey(payload.grantId), member: key, ttlSeconds });
      const { keys, list } = lookupEntriesOf(this.model, payload);
      for (const lookup of keys) writes.push({ kind: 'set', key: lookup, value: id, ttlSeconds });
      if (list) writes.push({ kind: 'addToSet', key: list, member: id, ttlSeconds });
      await this.store.writeAll(writes);
    });
  }

  find(id: string): Promise<AdapterPayload | undefined> {
    return forProvider(async () => parsed(await this.store.get(modelKey(this.model, id))));
  }

  /** Through the uid's index entry in one look-up (token and userinfo check the session by uid). */
  findByUid(uid: string): Promise<AdapterPayload | undefined> {
    return forProvider(async () => parsed(await this.store.getVia(uidKey(uid), modelKey(this.model, ''))));
  }

  findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
    return forProvider(async () => parsed(await this.store.getVia(userCodeKey(userCode), modelKey(this.model, ''))));
  }

  /**
   * Marks a single-use model (code, refresh token, PAR, device code, …) consumed in one atomic
   * step in the store, so of N concurrent redemptions, on any number of instances, exactly one
   * wins. A loser has detected reuse: the grant and every token issued from it are revoked
   * (RFC 6749 §4.1.2, RFC 9700 §4.14) and it is refused, as a sequential replay is.
   */
  consume(id: string): Promise<void> {
    return forProvider(async () => {
      const result = await this.store.markConsumed(modelKey(this.model, id), Math.floor(Date.now() / 1000));
      if (result.outcome === 'marked') return;
      if (result.outcome === 'already') {
        const { grantId } = JSON.parse(result.value) as AdapterPayload;
        if (grantId) await this.revokeGrant(grantId);
      }
      throw alreadyConsumed(this.model);
    });
  }

  /**
   * A session, grant or device code takes its index entries along (its uid or user code, its
   * place in the person's list): each sign-out would otherwise leave them behind until they
   * expire, and an active person's list only ever grows.
   */
  destroy(id: string): Promise<void> {
    return forProvider(async () => {
      const key = modelKey(this.model, id);
      if (!WITH_LOOKUP_ENTRIES.has(this.model)) return this.store.delete(key);
      const raw = await this.store.get(key);
      if (raw === undefined) return this.store.delete(key);
      const { keys, list } = lookupEntriesOf(this.model, JSON.parse(raw) as AdapterPayload);
      await Promise.all([this.store.delete(key, ...keys), list ? this.store.removeFromSet(list, id) : undefined]);
    });
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
