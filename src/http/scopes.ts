/** What each scope lets an app see, in the words the consent page uses. */
const SCOPE_DESCRIPTIONS: Record<string, string> = {
  openid: 'Know who you are (a stable identifier for your account)',
  profile: 'See your name and username',
  email: 'See your email address',
  offline_access: 'Stay signed in when you are not using it',
};

export function describeScopes(scopes: string[]): string[] {
  return [...new Set(scopes)].flatMap((scope) => (SCOPE_DESCRIPTIONS[scope] ? [SCOPE_DESCRIPTIONS[scope]] : []));
}
