import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

/** Shapes of what @simplewebauthn/browser posts back; checked before any verification work. */
const base64url = z.string().max(16_384).regex(/^[A-Za-z0-9_-]*$/, 'must be base64url');
const credentialId = base64url.min(1).max(1_400);

const common = {
  id: credentialId,
  rawId: credentialId,
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

export const registrationResponseSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    authenticatorData: base64url.optional(),
    transports: z.array(z.enum(['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'])).max(8).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url.optional(),
  }),
});

export const authenticationResponseSchema = z.object({
  ...common,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.optional(),
  }),
});

export const authenticationOptionsRequestSchema = z.object({
  /** autofill and discoverable (the button): usernameless, any discoverable passkey; account: the chosen account's passkeys. */
  mode: z.enum(['autofill', 'discoverable', 'account']),
});

/**
 * The checked shapes, typed as SimpleWebAuthn's. Our schemas are stricter than its types except
 * for clientExtensionResults, which verification ignores unless extensions are requested.
 */
export const asRegistrationResponse = (value: z.infer<typeof registrationResponseSchema>) => value as RegistrationResponseJSON;
export const asAuthenticationResponse = (value: z.infer<typeof authenticationResponseSchema>) => value as AuthenticationResponseJSON;
