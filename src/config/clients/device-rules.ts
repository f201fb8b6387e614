import type { Report } from './rules.ts';
import { effectiveScope, type Parsed } from './schema.ts';
import { DEVICE_CODE_GRANT } from './supported.ts';

/**
 * The device code grant (RFC 8628): a TV or a CLI shows a code, the person signs in here on
 * their phone and confirms the device. No browser goes back to the app, so a device-only
 * client needs no redirect_uris (and uses none); it is usually public (`none`), as an app
 * installed on many devices cannot keep a secret.
 */

/** A client that signs people in on devices only: no authorization_code, no implicit. */
export function isDeviceOnly(client: Pick<Parsed, 'grant_types'>): boolean {
  const grants = new Set(client.grant_types);
  return grants.has(DEVICE_CODE_GRANT) && !grants.has('authorization_code') && !grants.has('implicit');
}

export function checkDeviceRules(client: Parsed, report: Report): void {
  // With authorization_code or implicit the rules for those already ask for openid.
  if (isDeviceOnly(client) && !effectiveScope(client).split(' ').includes('openid')) {
    report(['scope'], `has no "openid" but the client signs people in (${DEVICE_CODE_GRANT}); add openid`);
  }
}

/** Settings a device-only client loads with but never uses. */
export function checkDeviceWarnings(client: Parsed, warn: Report): void {
  if (!isDeviceOnly(client)) return;
  if ((client.redirect_uris ?? []).length > 0) {
    warn(['redirect_uris'], 'is never used: with the device code grant alone nobody is sent back to the app; remove it, or add authorization_code if the app also signs people in in a browser');
  }
  if ((client.post_logout_redirect_uris ?? []).length > 0) {
    warn(['post_logout_redirect_uris'], 'is never used: a device signs in without a browser, so nobody is sent back to it after signing out; remove it');
  }
  if (client.first_party) {
    warn(['first_party'], 'changes nothing for devices: people confirm every device sign-in themselves (which app, which device, the code); remove it');
  }
}
