import { InitialSchema1763769600000 } from './1763769600000-initial-schema.ts';
import { GroupsAuditLinks1764633600000 } from './1764633600000-groups-audit-links.ts';
import { SigningKeyRotation1764720000000 } from './1764720000000-signing-key-rotation.ts';
import { UserAttributes1764806400000 } from './1764806400000-user-attributes.ts';

/** Every migration, oldest first. Listed explicitly: no glob loading at run time. */
export const migrations = [InitialSchema1763769600000, GroupsAuditLinks1764633600000, SigningKeyRotation1764720000000, UserAttributes1764806400000];
