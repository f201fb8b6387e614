import type { KeyValueStore } from './key-value.ts';
import type { Charge } from './rate-limits.ts';

/**
 * What our pages know about one sign-in (interaction) between requests. Kept server-side so a
 * browser cannot claim to be further along than it is.
 */
export interface InteractionState {
  /** The account chosen at the username step (or remembered), awaiting its passkey. */
  userId?: string;
  /**
   * On "Choose an account" (prompt=select_account) the person chose another account than the
   * session's: the sign-in goes on at the username step.
   */
  otherAccount?: boolean;
  /** The look-up that chose `userId`: handed back when that account signs in. */
  lookupCharge?: Charge;
  /** The emails sent for `userId` from here: handed back when the emailed sign-in completes. */
  mailCharges?: Charge[];
  /**
   * An account that has proven itself (new signup, emailed link) and may now create a passkey
   * or skip it and finish signing in.
   */
  provenUserId?: string;
  /** How it proved itself: a new signup's first passkey is no news to mail about. */
  provenBy?: 'signup' | 'email';
  /** The proven account already has a passkey in this browser: finish without offering one. */
  finishNow?: boolean;
  /**
   * Passkeys that existed before the email address was first proven. Someone who signed up with
   * another person's address may have made them ("pre-hijacking"): the owner is told.
   */
  passkeysBeforeVerification?: number;
}

/** Interactions live an hour in oidc-provider; their state need not outlive them. */
const STATE_TTL_SECONDS = 60 * 60;
export const PROOF_TTL_SECONDS = 120;

export function createInteractionStateStore(store: KeyValueStore) {
  const key = (uid: string) => `interaction-state:${uid}`;
  const parse = (raw: string | undefined): InteractionState => (raw === undefined ? {} : (JSON.parse(raw) as InteractionState));
  return {
    async get(uid: string): Promise<InteractionState> {
      return parse(await store.get(key(uid)));
    },
    async set(uid: string, state: InteractionState): Promise<void> {
      await store.set(key(uid), JSON.stringify(state), STATE_TTL_SECONDS);
    },
    async clear(uid: string): Promise<void> {
      await store.delete(key(uid));
    },
    /** Reads and clears the state in one step, as a sign-in completes. */
    async take(uid: string): Promise<InteractionState> {
      return parse(await store.take(key(uid)));
    },
    /**
     * A proven account whose sign-in (interaction) expired meanwhile: the next interaction in the
     * same browser (the account page's) finishes with it once, within two minutes.
     */
    async saveProof(token: string, userId: string): Promise<void> {
      await store.set(`interaction-proof:${token}`, userId, PROOF_TTL_SECONDS);
    },
    async takeProof(token: string): Promise<string | undefined> {
      return store.take(`interaction-proof:${token}`);
    },
  };
}

export type InteractionStateStore = ReturnType<typeof createInteractionStateStore>;
