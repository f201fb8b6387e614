import type { ClientMetadata, Configuration, FindAccount, KoaContextWithOIDC } from 'oidc-provider';
import type { AdapterFactory } from 'oidc-provider';
import { EXTRA_CLIENT_METADATA } from '../config/clients.ts';
import type { MessageKey, Translator } from '../i18n/translator.ts';
import type { CookieKeyring } from '../lib/cookie-keyring.ts';
import type { Logger } from '../lib/logger.ts';
import type { PrivateJwk } from '../services/keys.ts';
import { isClaimMapping, withMappedClaims } from './claim-mapping.ts';
import { CLIENT_FILE_CAPABILITIES, CLIENT_FILE_FEATURES } from './client-capabilities.ts';
import { createInteractionPolicy, isFirstParty, promptValuesOf } from './interaction-policy.ts';
import { createPkcePolicy } from './pkce-policy.ts';
import { deviceFlowFeature } from './device-flow.ts';
import { introspectionAllowed, revocationAllowed } from './token-access.ts';

/** Renders one of our HTML pages for oidc-provider (errors, logout) into the response, in the request's language. */
export type PageRenderer = (
  ctx: KoaContextWithOIDC,
  page: 'error' | 'logout' | 'logged-out' | 'still-signed-in' | 'device' | 'device-done',
  data: { title: MessageKey } & Record<string, unknown>,
  status?: number,
) => void;

export interface ProviderConfigurationDeps {
  adapter: AdapterFactory;
  findAccount: FindAccount;
  /** The names of a person's groups (the `groups` claim, `allowed_groups`). */
  groupsOf(accountId: string): Promise<string[]>;
  jwks: { keys: PrivateJwk[] };
  cookieKeyring: CookieKeyring;
  clients: ClientMetadata[];
  renderPage: PageRenderer;
  /** The request's translator (the same choice of language as our own pages). */
  i18n: (ctx: KoaContextWithOIDC) => Translator;
  logger: Logger;
}

/** What people are told when a request from an app cannot be served (instead of raw OAuth text). */
const ERROR_PAGES: Record<string, { title: MessageKey; description?: MessageKey; nextStep?: MessageKey }> = {
  invalid_client: {
    title: 'error.oidc.invalidClient.title',
    description: 'error.oidc.invalidClient.description',
    nextStep: 'error.oidc.invalidClient.next',
  },
  invalid_redirect_uri: {
    title: 'error.oidc.invalidRedirect.title',
    description: 'error.oidc.invalidRedirect.description',
    nextStep: 'error.oidc.invalidRedirect.next',
  },
  // What exactly was wrong (a missing parameter, no PKCE) is the one clue the app's operators
  // need: it stays in the library's (English) words.
  invalid_request: {
    title: 'error.oidc.invalidRequest.title',
    nextStep: 'error.oidc.invalidRequest.next',
  },
  temporarily_unavailable: {
    title: 'error.oidc.unavailable.title',
    description: 'error.oidc.unavailable.description',
    nextStep: 'error.oidc.unavailable.next',
  },
  session_not_found: {
    title: 'error.oidc.sessionNotFound.title',
    description: 'error.oidc.sessionNotFound.description',
    nextStep: 'error.oidc.sessionNotFound.next',
  },
};

function sentence(text: string): string {
  const trimmed = text.trim();
  return `${trimmed.charAt(0).toUpperCase()}${trimmed.slice(1)}${/[.!?]$/.test(trimmed) ? '' : '.'}`;
}

const MINUTE = 60;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Lifetimes in seconds of what oidc-provider issues and keeps (the bench's baseline uses them too). */
export const TTL = {
  AccessToken: HOUR,
  AuthorizationCode: MINUTE,
  ClientCredentials: 10 * MINUTE,
  DeviceCode: 10 * MINUTE,
  BackchannelAuthenticationRequest: 10 * MINUTE,
  IdToken: HOUR,
  Interaction: HOUR,
  RefreshToken: 14 * DAY,
  Session: 14 * DAY,
  Grant: 14 * DAY,
} as const;

/**
 * How long a retired signing key stays published: the longest lifetime above. An ID token itself
 * lives an hour, but an app keeps it for the whole session to send back as `id_token_hint` at
 * logout, and refreshes it with the refresh token: both last up to 14 days.
 */
export const LONGEST_TOKEN_LIFETIME_SECONDS = Math.max(...Object.values(TTL));


/**
 * First-party apps skip the consent page: the grant is created (or widened to what the app asks
 * for) without asking. Everyone else gets the existing grant, or none and thus the consent prompt.
 */
async function loadExistingGrant(ctx: KoaContextWithOIDC) {
  const { oidc } = ctx;
  const client = oidc.client;
  const session = oidc.session;
  if (!client || !session?.accountId) return undefined;
  const grantId = oidc.result?.consent?.grantId ?? session.grantIdFor(client.clientId);
  const grant = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
  if (!isFirstParty(ctx)) return grant;

  const firstPartyGrant = grant ?? new oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
  const scopes = [...oidc.requestParamScopes].join(' ');
  if (scopes) firstPartyGrant.addOIDCScope(scopes);
  const claims = [...oidc.requestParamClaims];
  if (claims.length > 0) firstPartyGrant.addOIDCClaims(claims);
  await firstPartyGrant.save();
  return firstPartyGrant;
}

export function createProviderConfiguration(deps: ProviderConfigurationDeps): Configuration {
  const policy = createInteractionPolicy({ groupsOf: deps.groupsOf });
  return {
    adapter: deps.adapter,
    findAccount: deps.findAccount,
    jwks: deps.jwks as Configuration['jwks'],
    clients: deps.clients,
    cookies: {
      keys: deps.cookieKeyring,
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    // The ID token carries the claims of the granted scopes, as Keycloak, Authelia and Pocket ID do:
    // Auth.js, passport-openidconnect and express-openid-connect read the user from it alone.
    conformIdTokenClaims: false,
    // Plus the client files' own scopes and mapped claims (claim-mapping.ts decides per client).
    ...withMappedClaims({
      claims: {
        openid: ['sub'],
        profile: ['name', 'preferred_username'],
        email: ['email', 'email_verified'],
        // The names of the person's groups (Grafana roles, Nextcloud and Gitea groups, Portainer teams).
        groups: ['groups'],
      },
      scopes: ['openid', 'offline_access', 'profile', 'email', 'groups'],
    }, deps.clients),
    clientDefaults: {
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      id_token_signed_response_alg: 'RS256',
    },
    // Response types, auth methods, algorithms, discovery extras: what client files can register.
    ...CLIENT_FILE_CAPABILITIES,
    // oidc-provider publishes no prompt_values_supported; apps check it for select_account.
    discovery: { ...CLIENT_FILE_CAPABILITIES.discovery, prompt_values_supported: promptValuesOf(policy) },
    extraClientMetadata: {
      properties: [...EXTRA_CLIENT_METADATA],
      validator(_ctx, key, value) {
        if (value === undefined) return;
        if (key === 'resource_server_for' || key === 'allowed_groups') {
          if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) throw new Error(`${key} must be a list of names`);
        } else if (key === 'claim_mapping') {
          if (!isClaimMapping(value)) throw new Error('claim_mapping must be claims as the client file loader compiles them');
        } else if (typeof value !== 'boolean') {
          throw new Error(`${key} must be true or false`);
        }
      },
    },
    pkce: {
      // S256 is the only method oidc-provider 9 accepts; pkce-policy.ts says who may omit it.
      required: createPkcePolicy(deps.logger),
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
      policy,
    },
    loadExistingGrant,
    features: {
      devInteractions: { enabled: false },
      // Sign-in on TVs and CLIs (RFC 8628), with our pages: device-flow.ts.
      deviceFlow: deviceFlowFeature({ renderPage: deps.renderPage }),
      ...CLIENT_FILE_FEATURES,
      userinfo: { enabled: true },
      revocation: { enabled: true, allowedPolicy: revocationAllowed },
      introspection: { enabled: true, allowedPolicy: introspectionAllowed },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          deps.renderPage(ctx, 'logout', { title: 'logout.title', form, clientName: ctx.oidc.client?.clientName });
        },
        // "Stay signed in" ends only the app's part (its grant) and keeps the session: the page
        // says which of the two happened, from the session itself.
        async postLogoutSuccessSource(ctx) {
          const clientName = ctx.oidc.client?.clientName;
          const sessionId = ctx.cookies.get('_session', { signed: true });
          const session = sessionId ? await ctx.oidc.provider.Session.find(sessionId) : undefined;
          if (session?.accountId) deps.renderPage(ctx, 'still-signed-in', { title: 'stillSignedIn.title', clientName });
          else deps.renderPage(ctx, 'logged-out', { title: 'loggedOut.title', clientName });
        },
      },
    },
    // Browser apps call /token and /me from their own pages: CORS is allowed for the origins of a
    // public client's redirect URIs, and for nothing else.
    clientBasedCORS(_ctx, origin, client) {
      return client.clientAuthMethod === 'none' && (client.redirectUris ?? []).some((uri) => URL.parse(uri)?.origin === origin);
    },
    renderError(ctx, out) {
      const known = ERROR_PAGES[out.error];
      const title = known?.title ?? 'error.title.default';
      const { t } = deps.i18n(ctx);
      deps.renderPage(ctx, 'error', {
        title,
        heading: t(title),
        error: out.error,
        description: known?.description ? t(known.description) : out.error_description ? sentence(out.error_description) : t('error.oidc.other'),
        nextStep: known?.nextStep ? t(known.nextStep) : undefined,
        back: { href: '/', label: 'error.home' },
      }, ctx.status);
    },
    ttl: { ...TTL },
  };
}
