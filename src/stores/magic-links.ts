import type { KeyValueStore } from './key-value.ts';

/** A pending email sign-in. Only hashes are stored: the secret, code and binding live in the mail and cookie. */
export interface MagicLinkRecord {
  /** The link id (16 random bytes, base64url); public in the link, never enough on its own. */
  id: string;
  /** argon2id hash of the 256-bit link secret. */
  secretHash: string;
  /** argon2id hash of the normalised typed code. */
  codeHash: string;
  userId: string;
  interactionUid: string;
  /** SHA-256 (base64url) of the browser-binding cookie value. */
  bindingHash: string;
  /** Epoch milliseconds. */
  createdAt: number;
  /** Epoch milliseconds; the store entry expires then too. */
  expiresAt: number;
}

const recordKey = (id: string) => `magic:link:${id}`;
const userKey = (userId: string) => `magic:user:${userId}`;
const interactionKey = (uid: string) => `magic:interaction:${uid}`;
const attemptsKey = (id: string) => `magic:attempts:${id}`;

/**
 * Magic-link records, with two indexes: by user (a new request replaces the user's previous
 * record) and by interaction uid (where the typed code is checked). Wrong-code attempts are an
 * atomic counter beside the record, so parallel guesses cannot share one count.
 */
export function createMagicLinkStore(store: KeyValueStore) {
  function parse(raw: string | undefined): MagicLinkRecord | undefined {
    return raw === undefined ? undefined : (JSON.parse(raw) as MagicLinkRecord);
  }

  /** Deletes an index entry only while it still points at `id` (a newer request may own it). */
  async function unlinkIndex(key: string, id: string): Promise<void> {
    if ((await store.get(key)) === id) await store.delete(key);
  }

  async function removeRecord(id: string): Promise<void> {
    await store.delete(recordKey(id), attemptsKey(id));
  }

  return {
    /**
     * Stores a new record for `ttlSeconds` and makes it the one for its user and its interaction:
     * whatever record either index pointed at before is deleted, so an older link or code stops working.
     */
    async save(record: MagicLinkRecord, ttlSeconds: number): Promise<void> {
      const [previousForUser, previousForInteraction] = await Promise.all([
        store.get(userKey(record.userId)),
        store.get(interactionKey(record.interactionUid)),
      ]);
      for (const previous of new Set([previousForUser, previousForInteraction])) {
        if (previous !== undefined && previous !== record.id) await removeRecord(previous);
      }
      await store.set(recordKey(record.id), JSON.stringify(record), ttlSeconds);
      await store.set(userKey(record.userId), record.id, ttlSeconds);
      await store.set(interactionKey(record.interactionUid), record.id, ttlSeconds);
    },

    /** A cheap look-up; consumes nothing. */
    async get(id: string): Promise<MagicLinkRecord | undefined> {
      return parse(await store.get(recordKey(id)));
    },

    /** The current record of an interaction (the one its typed code belongs to). */
    async findByInteraction(interactionUid: string): Promise<MagicLinkRecord | undefined> {
      const id = await store.get(interactionKey(interactionUid));
      return id === undefined ? undefined : parse(await store.get(recordKey(id)));
    },

    /**
     * Atomic get-and-delete: of two concurrent takes exactly one gets the record. The winner
     * also clears the indexes that still point at it.
     */
    async take(id: string): Promise<MagicLinkRecord | undefined> {
      const record = parse(await store.take(recordKey(id)));
      if (record) {
        await Promise.all([
          store.delete(attemptsKey(id)),
          unlinkIndex(userKey(record.userId), id),
          unlinkIndex(interactionKey(record.interactionUid), id),
        ]);
      }
      return record;
    },

    /** Deletes a record and its indexes (a failed send, too many wrong codes). */
    async delete(id: string): Promise<void> {
      const record = parse(await store.take(recordKey(id)));
      await store.delete(attemptsKey(id));
      if (record) {
        await Promise.all([
          unlinkIndex(userKey(record.userId), id),
          unlinkIndex(interactionKey(record.interactionUid), id),
        ]);
      }
    },

    /** Counts one typed-code attempt atomically; returns how many there have been, this one included. */
    async countCodeAttempt(id: string, ttlSeconds: number): Promise<number> {
      return store.increment(attemptsKey(id), Math.max(1, ttlSeconds));
    },
  };
}

export type MagicLinkStore = ReturnType<typeof createMagicLinkStore>;
