// The baseline: bare oidc-provider (the version the product uses) with the least a passkey-first
// provider needs: the plain Redis adapter or an in-memory one, one interaction (interaction.ts),
// RS256 ID tokens, opaque access tokens, client credentials, refresh and introspection. Run as its
// own process by bench/run.ts, so /proc shows what it alone costs:
//
//   PORT=4100 ISSUER=http://localhost:4100 BASELINE_INPUT=input.json BASELINE_STORE=redis|memory \
//   REDIS_URL=redis://127.0.0.1:6379/11 BASELINE_PREFIX=bench-baseline: node bench/baseline/server.ts
//
// BASELINE_INPUT is JSON { clients, passkeys, cookieKeys } written by bench/servers/baseline.ts.
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import Provider, { type ClientMetadata, type Configuration } from 'oidc-provider';
import type { RegisteredPasskey } from '../users.ts';
import { memoryChallenges, redisChallenges } from './challenges.ts';
import { interactionMiddleware } from './interaction.ts';
import { createMemoryAdapterFactory } from './memory-adapter.ts';
import { createRedisAdapterFactory } from './redis-adapter.ts';
// The product's lifetimes, so both keep the same amount of state.
import { TTL } from '../../src/oidc/configuration.ts';

interface Input {
  clients: ClientMetadata[];
  passkeys: RegisteredPasskey[];
  cookieKeys: string[];
}

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};


const port = Number(env('PORT'));
const issuer = env('ISSUER');
const input = JSON.parse(readFileSync(env('BASELINE_INPUT'), 'utf8')) as Input;
const useRedis = env('BASELINE_STORE') === 'redis';
const prefix = process.env['BASELINE_PREFIX'] ?? 'bench-baseline:';

const redis = useRedis ? new Redis(env('REDIS_URL'), { maxRetriesPerRequest: 1 }) : undefined;
const memory = useRedis ? undefined : createMemoryAdapterFactory();
const adapter = redis ? createRedisAdapterFactory(redis, prefix, TTL.Grant) : memory!.factory;
const challenges = redis ? redisChallenges(redis, prefix) : memoryChallenges();

const accounts = new Map(input.passkeys.map((p) => [p.userId, p]));
// A fresh RS256 key per start, as a product's first start makes one (2048 bits, like src/services/keys.ts).
const signingKey = {
  ...generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
  kid: 'baseline-rs256',
  alg: 'RS256',
  use: 'sig',
};

const configuration: Configuration = {
  adapter,
  clients: input.clients,
  jwks: { keys: [signingKey] } as Configuration['jwks'],
  cookies: {
    keys: input.cookieKeys,
    long: { httpOnly: true, sameSite: 'lax', signed: true },
    short: { httpOnly: true, sameSite: 'lax', signed: true },
  },
  async findAccount(_ctx, id) {
    const account = accounts.get(id);
    if (!account) return undefined;
    return {
      accountId: id,
      claims: () => ({ sub: id, email: account.email, email_verified: true, preferred_username: account.username }),
    };
  },
  // As the product: the ID token carries the granted claims.
  conformIdTokenClaims: false,
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'], email: ['email', 'email_verified'] },
  scopes: ['openid', 'offline_access', 'profile', 'email'],
  clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'client_secret_basic', id_token_signed_response_alg: 'RS256' },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    // As the product (src/oidc/token-access.ts): an app may introspect its own tokens.
    introspection: { enabled: true, allowedPolicy: async (_ctx, client, token) => token.clientId === client.clientId },
    revocation: { enabled: true },
    clientCredentials: { enabled: true },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  ttl: { ...TTL },
};

const provider = new Provider(issuer, configuration);
provider.on('server_error', (_ctx, error) => console.error(`server_error: ${error.stack ?? error.message}`));
const url = new URL(issuer);
provider.use(interactionMiddleware({ provider, passkeys: input.passkeys, challenges, rpId: url.hostname, origin: url.origin }));

const server = provider.listen(port, '127.0.0.1');
server.once('listening', () => console.log(`ready: ${issuer} (${useRedis ? 'redis' : 'memory'})`));

process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => {
    memory?.stop();
    void (redis ? redis.quit() : Promise.resolve()).finally(() => process.exit(0));
  });
});
