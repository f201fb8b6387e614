// The baseline's sign-in interaction: the least a passkey-only provider must do. A tiny page, then
// WebAuthn options and verify with @simplewebauthn/server against the pre-registered passkeys, then
// oidc-provider's interactionResult with the login and a grant for what the app asked (both apps
// are first-party: no consent page), answered as JSON `{ redirectTo }` like a page script wants it.
import type { ServerResponse } from 'node:http';
import { generateAuthenticationOptions, verifyAuthenticationResponse, type AuthenticationResponseJSON } from '@simplewebauthn/server';
import type Provider from 'oidc-provider';
import type { KoaContextWithOIDC } from 'oidc-provider';
import type { RegisteredPasskey } from '../users.ts';
import type { Challenges } from './challenges.ts';

interface StoredPasskey extends RegisteredPasskey {
  publicKeyBytes: Uint8Array<ArrayBuffer>;
  counter: number;
}

export interface InteractionDeps {
  provider: Provider;
  passkeys: readonly RegisteredPasskey[];
  challenges: Challenges;
  rpId: string;
  origin: string;
}

const PAGE = '<!doctype html><meta charset="utf-8"><title>Sign in</title><p>Sign in with your passkey.</p><script src="/passkey.js"></script>';
const MAX_BODY_BYTES = 64 * 1024;

async function readJson(ctx: KoaContextWithOIDC): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) ctx.throw(413);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
  } catch {
    ctx.throw(400, 'not JSON');
  }
}

/** Koa middleware for /interaction/:uid, /interaction/:uid/passkey/options and …/verify. */
export function interactionMiddleware(deps: InteractionDeps) {
  const { provider, challenges } = deps;
  const byCredentialId = new Map<string, StoredPasskey>(
    deps.passkeys.map((p) => [p.credentialId, { ...p, publicKeyBytes: new Uint8Array(Buffer.from(p.publicKey, 'base64url')), counter: 0 }]),
  );

  // The interaction named in the path must be the one of this browser's interaction cookie.
  const details = async (ctx: KoaContextWithOIDC, uid: string) => {
    const interaction = await provider.interactionDetails(ctx.req, ctx.res as ServerResponse);
    if (interaction.uid !== uid) ctx.throw(400, 'interaction mismatch');
    return interaction;
  };

  return async (ctx: KoaContextWithOIDC, next: () => Promise<unknown>) => {
    const match = /^\/interaction\/([A-Za-z0-9_-]+)(\/passkey\/options|\/passkey\/verify)?$/.exec(ctx.path);
    if (!match) return next();
    const [, uid = '', action] = match;
    ctx.set('Cache-Control', 'no-store');

    if (action === undefined && ctx.method === 'GET') {
      await details(ctx, uid);
      ctx.type = 'html';
      ctx.body = PAGE;
      return;
    }
    if (ctx.method !== 'POST') ctx.throw(405);

    if (action === '/passkey/options') {
      await details(ctx, uid);
      // Usernameless: any discoverable passkey of this RP may answer.
      const options = await generateAuthenticationOptions({ rpID: deps.rpId, userVerification: 'required' });
      await challenges.save(uid, options.challenge);
      ctx.body = options;
      return;
    }

    const interaction = await details(ctx, uid);
    const credential = (await readJson(ctx))['credential'] as AuthenticationResponseJSON | undefined;
    const challenge = await challenges.take(uid);
    if (!challenge) ctx.throw(400, 'no challenge: ask for options first');
    const passkey = credential && byCredentialId.get(credential.id);
    if (!credential || !passkey) ctx.throw(400, 'unknown passkey');
    let verification;
    try {
      verification = await verifyAuthenticationResponse({
        response: credential,
        expectedChallenge: challenge,
        expectedOrigin: deps.origin,
        expectedRPID: deps.rpId,
        requireUserVerification: true,
        credential: { id: passkey.credentialId, publicKey: passkey.publicKeyBytes, counter: passkey.counter },
      });
    } catch (error) {
      ctx.throw(400, `passkey refused: ${(error as Error).message}`);
    }
    if (!verification.verified) ctx.throw(400, 'passkey refused');
    passkey.counter = verification.authenticationInfo.newCounter;

    const grant = new provider.Grant({ accountId: passkey.userId, clientId: String(interaction.params['client_id']) });
    grant.addOIDCScope(String(interaction.params['scope'] ?? 'openid'));
    const grantId = await grant.save();
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res as ServerResponse, {
      login: { accountId: passkey.userId },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    ctx.body = { redirectTo };
  };
}
