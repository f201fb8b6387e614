import { textField } from './text-input.ts';

/** As long as the username field takes (an email address at most). */
const hint = textField(320);

/**
 * The app's OIDC `login_hint`, as the username step's initial value and nothing more: no account
 * is looked up or chosen by it. A hint the field could not hold (not a string, too long, control
 * or text-direction characters) is dropped; the page escapes the rest like any value.
 */
export function loginHintOf(params: Record<string, unknown>): string {
  const value = params['login_hint'];
  if (typeof value !== 'string') return '';
  const trimmed = value.trim();
  return hint.safeParse(trimmed).success ? trimmed : '';
}
