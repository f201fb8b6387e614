/**
 * Every kind of audit event, in one list: the account page, the CLI and the retention job read
 * them by these names.
 */
export const AUDIT_EVENT_TYPES = [
  'sign_in',
  'sign_in_failed',
  'signed_out',
  'signup',
  'passkey_added',
  'passkey_renamed',
  'passkey_removed',
  'email_sent',
  'sessions_ended',
  'admin.user_created',
  'admin.user_disabled',
  'admin.user_enabled',
  'admin.user_deleted',
  'admin.invite_created',
  'admin.recovery_created',
  'admin.group_created',
  'admin.group_deleted',
  'admin.group_member_added',
  'admin.group_member_removed',
  'admin.user_attributes_set',
  'admin.user_attributes_unset',
  'admin.keys_rotated',
  'recovery_used',
] as const;

export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/** How a sign-in happened. */
export type SignInMethod = 'passkey' | 'email_link' | 'email_code' | 'signup' | 'recovery';
