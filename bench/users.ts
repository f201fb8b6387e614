// The people who sign in during the benchmark: each with an account id, an email and a passkey of
// their own (an ES256 key in the repository's software authenticator). Both servers register the
// same people and keys before they start, so neither pays for sign-up during the measurement.
import { randomBytes, randomUUID } from 'node:crypto';
import { SoftwareAuthenticator, type StoredCredential } from '../test/helpers/software-authenticator.ts';

/** Both servers run on localhost: the WebAuthn RP ID of ISSUER=http://localhost:<port>. */
export const RP_ID = 'localhost';

export interface BenchUser {
  /** The account id, i.e. the OIDC `sub`, the same on both servers. */
  id: string;
  username: string;
  email: string;
  credential: StoredCredential;
}

/** What a server stores about a user's passkey (public parts only). */
export interface RegisteredPasskey {
  userId: string;
  email: string;
  username: string;
  credentialId: string;
  /** base64url COSE public key, as SimpleWebAuthn returns it from a registration. */
  publicKey: string;
}

export function createUsers(count: number): BenchUser[] {
  const users: BenchUser[] = [];
  for (let i = 0; i < count; i++) {
    const id = randomUUID();
    const username = `bench${i}`;
    // The authenticator's register() is navigator.credentials.create(): it makes and keeps the key.
    const maker = new SoftwareAuthenticator({ origin: `http://${RP_ID}`, rpId: RP_ID, alg: -7 });
    maker.register({
      rp: { id: RP_ID, name: 'bench' },
      user: { id: Buffer.from(id).toString('base64url'), name: username, displayName: username },
      challenge: randomBytes(32).toString('base64url'),
      pubKeyCredParams: [{ type: 'public-key', alg: -7 }],
    });
    const credential = maker.credentials[0];
    if (!credential) throw new Error('the software authenticator made no credential');
    users.push({ id, username, email: `${username}@example.com`, credential });
  }
  return users;
}

export function registrationOf(user: BenchUser): RegisteredPasskey {
  return {
    userId: user.id,
    email: user.email,
    username: user.username,
    credentialId: user.credential.id,
    publicKey: Buffer.from(user.credential.publicKeyCose).toString('base64url'),
  };
}

/**
 * The user's passkey in a browser at `issuer`: the origin goes into every assertion, so each
 * server gets authenticators of its own. Each holds its own copy of the signature counter,
 * starting where the registration left it (0), as the server's stored counter does.
 */
export function authenticatorAt(issuer: string, user: BenchUser): SoftwareAuthenticator {
  const authenticator = new SoftwareAuthenticator({ origin: new URL(issuer).origin, rpId: RP_ID, alg: -7 });
  authenticator.importCredential(user.credential);
  return authenticator;
}
