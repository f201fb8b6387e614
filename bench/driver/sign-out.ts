// The end of a soak visit: the person signs out of the app and of the provider (RP-initiated
// logout, the "Sign out" button on the provider's page), in the browser that signed in. What a
// sign-in left in storage is then ended, so under a steady load the key count stays flat unless
// something leaks.
import { pathOf, type Reply, type Visit } from './http.ts';
import type { Target } from './sign-in.ts';

export class SignOutError extends Error {
  constructor(message: string) {
    super(`sign-out: ${message}`);
    this.name = 'SignOutError';
  }
}

function expect(reply: Reply, ...statuses: number[]): Reply {
  if (statuses.includes(reply.status)) return reply;
  throw new SignOutError(`status ${reply.status}${reply.location ? ` → ${reply.location}` : ''}: ${reply.text.slice(0, 200).replace(/\s+/g, ' ')}`);
}

const attribute = (html: string, pattern: RegExp, what: string): string => {
  const found = pattern.exec(html)?.[1];
  if (!found) throw new SignOutError(`no ${what} on the sign-out page`);
  return found.replaceAll('&amp;', '&');
};

/** Asks to sign out (id_token_hint names the person and app), confirms on the page, follows to the end. */
export async function signOut(target: Target, visit: Visit, idToken: string): Promise<void> {
  if (!target.endpoints.endSession) throw new SignOutError('the server publishes no end_session_endpoint');
  const page = expect(await visit.get(`${target.endpoints.endSession}?${new URLSearchParams({ id_token_hint: idToken })}`, { accept: 'text/html' }), 200);
  const action = attribute(page.text, /<form[^>]*action="([^"]+)"/, 'form');
  const xsrf = attribute(page.text, /name="xsrf" value="([^"]+)"/, 'xsrf field');
  let reply = expect(await visit.post(action, 'application/x-www-form-urlencoded', new URLSearchParams({ xsrf, logout: 'yes' }).toString(), { accept: 'text/html' }), 302, 303);
  for (let hops = 0; reply.status !== 200; hops++) {
    if (hops === 3 || !reply.location) throw new SignOutError(`no end page after ${hops} redirects`);
    reply = expect(await visit.get(pathOf(reply.location), { accept: 'text/html' }), 200, 302, 303);
  }
}
