// A started server as the driver sees it: its connections, its endpoints (from discovery), its
// sign-in script, and the people with passkeys bound to its origin.
import { authenticatorAt, type BenchUser } from '../users.ts';
import type { BenchServer } from '../servers/server.ts';
import { Connections, pathOf } from './http.ts';
import type { Endpoints, Person, Target } from './sign-in.ts';

async function discover(connections: Connections): Promise<Endpoints> {
  const reply = await connections.send('GET', '/.well-known/openid-configuration', {});
  if (reply.status !== 200) throw new Error(`discovery: status ${reply.status}`);
  const document = JSON.parse(reply.text) as Record<string, unknown>;
  const path = (name: string) => {
    const value = document[name];
    if (typeof value !== 'string') throw new Error(`discovery has no ${name}`);
    return pathOf(value);
  };
  return {
    authorization: path('authorization_endpoint'),
    token: path('token_endpoint'),
    userinfo: path('userinfo_endpoint'),
    introspection: path('introspection_endpoint'),
    jwks: path('jwks_uri'),
    endSession: typeof document['end_session_endpoint'] === 'string' ? path('end_session_endpoint') : undefined,
  };
}

/** A distinct client address per person (sent as X-Forwarded-For; the product trusts it in the bench). */
const addressOf = (i: number) => `10.77.${Math.floor(i / 250)}.${(i % 250) + 1}`;

export async function createTarget(server: BenchServer, users: readonly BenchUser[], connections: number): Promise<{ target: Target; people: Person[] }> {
  const pool = new Connections(server.process.issuer, connections);
  const target: Target = { connections: pool, endpoints: await discover(pool), script: server.script };
  const people = users.map((user, i) => ({ id: server.subs[i]!, ip: addressOf(i), authenticator: authenticatorAt(server.process.issuer, user) }));
  return { target, people };
}
