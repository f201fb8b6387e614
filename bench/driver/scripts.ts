// What differs between the servers in a sign-in: the interaction's own requests (the page, then
// the passkey options and verify calls its script makes). Authorize, resume, token and userinfo
// are oidc-provider's on both and come from discovery.
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';

export interface ScriptRequest {
  path: string;
  body: unknown;
}

export interface SignInScript {
  /** The sign-in page the authorization request is sent to. */
  page(uid: string): string;
  /** Asks for a WebAuthn challenge (usernameless: any of the person's passkeys may answer). */
  options(uid: string): ScriptRequest;
  /** Sends the assertion; the answer is JSON `{ redirectTo }`, where the browser resumes. */
  verify(uid: string, credential: AuthenticationResponseJSON): ScriptRequest;
}

/** The product's hosted pages: login page, then passkey autofill (src/http/routes/passkey.ts). */
export const productScript: SignInScript = {
  page: (uid) => `/interaction/${uid}`,
  options: (uid) => ({ path: `/interaction/${uid}/passkey/options`, body: { mode: 'autofill' } }),
  verify: (uid, credential) => ({ path: `/interaction/${uid}/passkey/verify`, body: { mode: 'autofill', credential } }),
};

/** bench/baseline/interaction.ts: the smallest interaction that does the same ceremony. */
export const baselineScript: SignInScript = {
  page: (uid) => `/interaction/${uid}`,
  options: (uid) => ({ path: `/interaction/${uid}/passkey/options`, body: {} }),
  verify: (uid, credential) => ({ path: `/interaction/${uid}/passkey/verify`, body: { credential } }),
};
